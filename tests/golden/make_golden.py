"""Rewrites tests/golden/compile.json and tests/golden/arc-monologue.render.json from the native CLI (run after a deliberate change to the
presets or compiler parameters, then review the diff):

    cargo build && python3 tests/golden/make_golden.py
"""
import json
import pathlib
import subprocess

ROOT = pathlib.Path(__file__).resolve().parents[2]
CLI = ROOT / "target" / "debug" / "animasync-face"
CASES = [
    ("joy", "expressive", {"level": 2.0}),
    ("joy", "overlay-e", {"vad": [0.6, 0.5, 0.2]}),
    ("anger", "expressive", {"level": 4.5}),
    ("grief", "expressive", {"vad": [-0.7, 0.3, -0.5]}),
    ("contempt", "expressive", {"level": 3.3}),
    ("fear", "archetype", {"level": 5.0}),
    ("awe", "parametric", {"vad": [0.5, 0.4, -0.4]}),
    ("surprise", "overlay-e", {"level": 1.7}),
    ("confusion", "archetype", {"vad": [-0.2, 0.3, -0.2]}),
    ("neutral", "expressive", {"level": 1.0}),
    ("thinking", "expressive", {"level": 4.0}),
]

cases = []
for emotion, mode, intensity in CASES:
    args = [str(CLI), "compile", "--emotion", emotion, "--mode", mode]
    if "level" in intensity:
        args += ["--level", str(intensity["level"])]
    else:
        args += ["--vad=" + ",".join(map(str, intensity["vad"]))]
    weights = json.loads(subprocess.check_output(args))["weights"]
    cases.append({"emotion": emotion, "mode": mode, **intensity, "weights": weights})

description = ("Expected compile outputs, written by the native CLI (tests/golden/make_golden.py); "
               "tests/core.rs checks every target against them with tolerance 1e-5.")
text = "{\n  \"description\": " + json.dumps(description) + ",\n  \"cases\": [\n"
text += ",\n".join("    " + json.dumps(c) for c in cases) + "\n  ]\n}\n"
(ROOT / "tests" / "golden" / "compile.json").write_text(text)

# A rendered scenario (every 5th frame of www/scenarios/arc-monologue.json, CURRENT, seed 0, the
# built-in live model): the Node tests render it in WebAssembly and must find the same frames.
# Pinned to the live model so that replacing the playback model leaves it valid.
SCENARIO = ROOT / "www" / "scenarios" / "arc-monologue.json"
OUT = ROOT / "target" / "golden-arc.json"
subprocess.check_call([str(CLI), "render", str(SCENARIO), "--out", str(OUT), "--seed", "0", "--latency", "live"])
rendered = json.loads(OUT.read_text())
golden = {
    "description": "Every 5th frame of www/scenarios/arc-monologue.json rendered by the native CLI "
                   "(smoothing current, seed 0, --latency live), written by tests/golden/make_golden.py.",
    "scenario": "www/scenarios/arc-monologue.json",
    "frame_count": rendered["frame_count"],
    "turns": rendered["turns"],
    "step": 5,
    "frames": rendered["frames"][::5],
}
text = "{\n" + ",\n".join(f"  {json.dumps(k)}: {json.dumps(v)}" for k, v in golden.items() if k != "frames")
text += ',\n  "frames": [\n' + ",\n".join("    " + json.dumps(f) for f in golden["frames"]) + "\n  ]\n}\n"
(ROOT / "tests" / "golden" / "arc-monologue.render.json").write_text(text)
