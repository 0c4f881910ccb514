#!/usr/bin/env python3
"""Writes a built-in lip-sync model's weights as the safetensors file the runtime's own network
reads (src/lipsync/net.rs), from the ONNX graph train.py exported: every initializer but the
graph's shape and split constants, unchanged (int8 matrices with their per-column scales).

The package ships the safetensors file (no ONNX runtime in the module a visitor downloads first);
the ONNX file stays the trained model's portable form (other runtimes, the benchmarks against
onnxruntime-web). `cargo test` holds the two to 1e-4 on the built-in models.

    python3 training/export_net.py models/default/lipsync.onnx models/default/lipsync.safetensors
"""
import argparse

import numpy as np
import onnx
from onnx import numpy_helper
from safetensors.numpy import save_file

# Initializers that shape the ONNX graph rather than hold weights.
GRAPH_CONSTANTS = {"flat_shape", "level_shape", "one", "split_2", "split_3"}
# What the runtime's network reads (src/lipsync/net.rs): int8 layers, the level peak's release and
# the p/b/m detector with its seal. A graph without them is not the built-in architecture.
REQUIRED = {"mean", "inv_std", "release", "seal_gain", "seal_shift", "pick_jaw", "close_col", "raisers",
            "enc_w_q", "gru_w_q", "gru_r_zr_q", "gru_r_n_q", "head_w_q", "out_w_q",
            "det_w1_q", "det_w2_q", "det_w3_q"}


def is_network(onnx_path):
    """Whether the ONNX graph is the architecture the runtime's own network runs."""
    names = {init.name for init in onnx.load(onnx_path).graph.initializer}
    return REQUIRED <= names


def export_net(onnx_path, out_path):
    model = onnx.load(onnx_path)
    tensors = {
        init.name: np.ascontiguousarray(numpy_helper.to_array(init))
        for init in model.graph.initializer
        if init.name not in GRAPH_CONSTANTS
    }
    missing = sorted(REQUIRED - tensors.keys())
    if missing:
        raise SystemExit(f"{onnx_path}: not the built-in network's architecture (missing {missing}); "
                         "ship the ONNX file with its manifest instead")
    bad = {name: str(a.dtype) for name, a in tensors.items() if a.dtype not in (np.float32, np.int8)}
    if bad:
        raise SystemExit(f"{onnx_path}: unexpected tensor types {bad} (the network reads float32 and int8)")
    save_file(tensors, out_path, metadata={"format": "animasync-face/lipsync-net", "source": onnx_path})
    return tensors


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("onnx")
    ap.add_argument("out")
    args = ap.parse_args()
    tensors = export_net(args.onnx, args.out)
    print(f"{args.out}: {len(tensors)} tensors")


if __name__ == "__main__":
    main()
