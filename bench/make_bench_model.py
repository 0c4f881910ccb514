"""Writes the benchmark lip-sync model (random weights, fixed seed) and its manifest:

    python3 bench/make_bench_model.py

The architecture is the size class of a real streaming lip-sync model: log-mel [1, 32, 80] ->
three Conv1d(k=3, 128, ReLU) -> GRU(128) -> Linear(52) + Sigmoid on the last step, about 235k
parameters. Its outputs mean nothing (the weights are random); it exists so that speed can be
compared on the same graph across tract (native and in our wasm) and onnxruntime-web.
"""
import json
import pathlib

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

HERE = pathlib.Path(__file__).parent
T, MELS, H, OUT = 32, 80, 128, 52
rng = np.random.default_rng(7)


def weight(*shape, fan_in):
    return (rng.standard_normal(shape) / np.sqrt(fan_in)).astype(np.float32)


init, nodes = [], []
x = helper.make_tensor_value_info("features", TensorProto.FLOAT, [1, T, MELS])
y = helper.make_tensor_value_info("blendshapes", TensorProto.FLOAT, [1, OUT])
nodes.append(helper.make_node("Transpose", ["features"], ["bft"], perm=[0, 2, 1]))  # [1, 80, 32]
prev, channels = "bft", MELS
for i in range(3):
    init += [numpy_helper.from_array(weight(H, channels, 3, fan_in=channels * 3), f"conv{i}_w"),
             numpy_helper.from_array(np.zeros(H, np.float32), f"conv{i}_b")]
    nodes += [helper.make_node("Conv", [prev, f"conv{i}_w", f"conv{i}_b"], [f"conv{i}"], pads=[1, 1], kernel_shape=[3]),
              helper.make_node("Relu", [f"conv{i}"], [f"relu{i}"])]
    prev, channels = f"relu{i}", H
nodes.append(helper.make_node("Transpose", [prev], ["tbf"], perm=[2, 0, 1]))  # [32, 1, 128]
init += [numpy_helper.from_array(weight(1, 3 * H, H, fan_in=H), "gru_w"),
         numpy_helper.from_array(weight(1, 3 * H, H, fan_in=H), "gru_r"),
         numpy_helper.from_array(np.zeros((1, 6 * H), np.float32), "gru_b")]
nodes.append(helper.make_node("GRU", ["tbf", "gru_w", "gru_r", "gru_b"], ["gru_y", "gru_h"], hidden_size=H))
nodes.append(helper.make_node("Squeeze", ["gru_h", "axis0"], ["last"]))  # [1, 128]
init.append(numpy_helper.from_array(np.array([0], np.int64), "axis0"))
init += [numpy_helper.from_array(weight(H, OUT, fan_in=H), "fc_w"), numpy_helper.from_array(np.zeros(OUT, np.float32), "fc_b")]
nodes += [helper.make_node("MatMul", ["last", "fc_w"], ["fc"]), helper.make_node("Add", ["fc", "fc_b"], ["logits"]),
          helper.make_node("Sigmoid", ["logits"], ["blendshapes"])]
graph = helper.make_graph(nodes, "bench_lipsync", [x], [y], initializer=init)
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
model.ir_version = 8
onnx.checker.check_model(model)
onnx.save(model, HERE / "bench_lipsync.onnx")
params = sum(int(np.prod(t.dims)) for t in init)

channels = json.loads((HERE.parent / "data" / "channels.json").read_text())["channels"]
manifest = {
    "schema": "animasync-face/model-manifest", "version": 1, "name": "bench-lipsync (random weights)",
    "description": f"Benchmark graph: Conv1d x3 + GRU(128) + Linear(52), {params} parameters, random weights.",
    "model": "bench_lipsync.onnx",
    "input": {"kind": "log_mel", "sample_rate": 16000, "n_fft": 512, "win_length": 400, "hop_length": 160,
              "n_mels": MELS, "f_min": 0.0, "f_max": 8000.0},
    "window": {"frames": T, "lookahead": 2, "layout": "time_major"},
    "output": {"kind": "blendshapes", "channels": [c["name"] for c in channels]},
}
(HERE / "bench_lipsync.json").write_text(json.dumps(manifest, indent=2) + "\n")
print(params, "parameters")
