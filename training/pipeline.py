"""`make model`: regenerate the data, train, export and evaluate the default lip-sync model from
scratch, with fixed seeds. `--quick` makes a few clips and trains a few steps into a scratch
directory (never the committed model), then runs the exported model through the runtime: CI
runs it so the pipeline cannot rot unnoticed.

Needs: the release CLI (`cargo build --release --bin animasync-face`), Debian espeak-ng,
festival, festvox-us-slt-hts and festvox-kallpc16k, and training/requirements.txt.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


LATENCIES = ("live", "playback")
# Each model's committed evaluation (models/*/eval/), as make test checks it.
EVALUATION = {
    "live": ["--plot", "speech_orig_16k"],
    "playback": ["--systems", "ours,energy,headaudio", "--plot", "speech_orig_16k", "--plot", "speechocean762/000010089"],
}


def run(cmd):
    print("+ " + " ".join(cmd), file=sys.stderr, flush=True)
    subprocess.run(cmd, check=True, cwd=ROOT)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="a few clips and steps, into --work (CI's smoke run)")
    ap.add_argument("--work", default=os.path.join(ROOT, "target", "model-work"), help="scratch directory for data")
    ap.add_argument("--out", default=os.path.join(ROOT, "models", "default"), help="where the live model goes")
    ap.add_argument("--cli", default=os.path.join(ROOT, "target", "release", "animasync-face"))
    ap.add_argument("--skip-data", action="store_true", help="reuse the data already in --work")
    ap.add_argument("--latency", choices=LATENCIES, action="append",
                    help="rebuild only this model (repeatable; default: both)")
    args = ap.parse_args()
    with open(os.path.join(HERE, "config.json"), encoding="utf-8") as f:
        cfg = json.load(f)
    if not os.path.exists(args.cli):
        sys.exit(f"{args.cli} is missing: run `cargo build --release --bin animasync-face` first")

    steps = cfg["train"]["steps"]
    if args.quick:
        steps = cfg["quick"]["steps"]

    # The features manifest: the model's `input` section, which is all `features` reads.
    os.makedirs(args.work, exist_ok=True)
    features_manifest = os.path.join(args.work, "features.json")
    with open(features_manifest, "w", encoding="utf-8") as f:
        json.dump(
            {
                "schema": "animasync-face/model-manifest", "version": 1, "name": "features only",
                "input": cfg["input"], "window": {"frames": 1, "lookahead": 0},
                "output": {"kind": "blendshapes", "channels": ["jawOpen"]},
            },
            f,
        )

    # The two built-in models: `live` from the recipe as it stands, `playback` from it with
    # config.playback's name, window (more look-ahead), and any training or data settings it
    # overrides. Models with the same data settings train on one data set, in the directory
    # named after the first of them (so `--latency playback` alone finds the live model's data).
    def settings(latency):
        data_cfg, variant = dict(cfg["data"]), dict(cfg, latency=latency)
        if latency == "playback":
            data_cfg.update(cfg["playback"].get("data", {}))
            variant.update(name=cfg["playback"]["name"], window=cfg["playback"]["window"],
                           train=dict(cfg["train"], **cfg["playback"].get("train", {})))
        if args.quick:
            data_cfg["clips"] = cfg["quick"]["clips"]
            data_cfg["festival_phrases_per_voice"] = cfg["quick"]["festival_phrases_per_voice"]
            data_cfg["recorded_prompts"] = cfg["quick"]["recorded_prompts"]
        return data_cfg, variant

    data_dirs = {}
    for latency in LATENCIES:
        key = json.dumps(settings(latency)[0], sort_keys=True)
        data_dirs.setdefault(key, os.path.join(args.work, ("quick-data-" if args.quick else "data-") + latency))
    made = set()
    for latency in dict.fromkeys(args.latency or LATENCIES):
        data_cfg, variant = settings(latency)
        if args.quick:
            model_dir = os.path.join(args.work, f"model-{latency}")
        else:
            model_dir = args.out if latency == "live" else os.path.join(ROOT, cfg["playback"]["out"])
        data = data_dirs[json.dumps(data_cfg, sort_keys=True)]
        if not args.skip_data and data not in made:
            shutil.rmtree(data, ignore_errors=True)
            run([
                sys.executable, os.path.join(HERE, "data", "generate.py"), "--out", data,
                "--clips", str(data_cfg["clips"]), "--seed", str(data_cfg["seed"]),
                "--festival", str(data_cfg["festival_phrases_per_voice"]),
                "--cli", args.cli, "--manifest", features_manifest,
                "--recorded-share", str(data_cfg.get("recorded_share", 0.0)),
                "--recorded-sets", ",".join(data_cfg.get("recorded_sets", ["en"])),
                "--recorded-limit", str(data_cfg.get("recorded_prompts", 0)),
                "--recorded-cache", os.path.join(args.work, "recorded-alignment.json"),
                "--shared-corpora", ",".join(data_cfg.get("shared_corpora", [])),
                "--shared-cache", os.path.join(args.work, "shared-alignment.json"),
                "--clean-share", str(data_cfg.get("clean_share", 0.0)),
            ])
        made.add(data)
        variant_path = os.path.join(args.work, f"config-{latency}.json")
        with open(variant_path, "w", encoding="utf-8") as f:
            json.dump(variant, f, indent=1)
        run([sys.executable, os.path.join(HERE, "train.py"), "--data", data, "--config", variant_path,
             "--out", model_dir, "--steps", str(steps if args.quick else variant["train"]["steps"])])

        # The exported model must run through the runtime's manifest path like any user model.
        frames = os.path.join(args.work, f"smoke-{latency}.json")
        run([
            args.cli, "lipsync", os.path.join(ROOT, "tests", "fixtures", "speech16k.wav"),
            "--model", os.path.join(model_dir, "lipsync.onnx"), "--manifest", os.path.join(model_dir, "lipsync.json"),
            "--out", frames,
        ])
        with open(frames, encoding="utf-8") as f:
            rendered = json.load(f)
        print(f"runtime check: {len(rendered['frames'])} frames from the exported {latency} model", file=sys.stderr)
        if not rendered["frames"]:
            sys.exit(f"the exported {latency} model produced no frames")

        if not args.quick:
            run([
                sys.executable, os.path.join(HERE, "eval", "evaluate.py"), "--cli", args.cli,
                "--model", os.path.join(model_dir, "lipsync.onnx"), "--manifest", os.path.join(model_dir, "lipsync.json"),
                "--out", os.path.join(model_dir, "eval"), *EVALUATION[latency],
            ])


if __name__ == "__main__":
    main()
