#!/usr/bin/env python3
"""Checks that src/ imports only downwards: each stage (a folder of src/) may use `crate::X`
only for the stages listed before it in LAYERS (see docs/structure.md). Comments and the unit
tests at the end of a file (`#[cfg(test)]`, which may use a higher stage as a fixture) are not
counted. Prints every offending line and exits 1 if there is one.

    python3 scripts/check-layers.py
"""
import pathlib
import re
import sys

SRC = pathlib.Path(__file__).resolve().parent.parent / "src"
# Stage -> the stages it may import (besides itself).
LAYERS = {
    "base": [],
    "audio": ["base"],
    "lipsync": ["base", "audio"],
    "expression": ["base"],
    "temporal": ["base", "audio", "lipsync"],
    "pipeline": ["base", "audio", "lipsync", "expression", "temporal"],
    "text": ["base"],
    "wasm": ["base", "audio", "lipsync", "expression", "temporal", "pipeline", "text"],
}
USE = re.compile(r"\bcrate::(\w+)")


def code_lines(path):
    """The file's lines before its unit tests, comments removed."""
    for number, line in enumerate(path.read_text().splitlines(), 1):
        if line.startswith("#[cfg(test)]"):
            return
        yield number, line.split("//", 1)[0]


def main():
    problems = []
    folders = sorted(p.name for p in SRC.iterdir() if p.is_dir() and p.name != "bin")
    unknown = set(folders) - set(LAYERS)
    if unknown:
        problems.append(f"src/: folders {sorted(unknown)} have no place in LAYERS")
    for stage, allowed in LAYERS.items():
        for path in sorted((SRC / stage).rglob("*.rs")):
            for number, code in code_lines(path):
                for used in USE.findall(code):
                    if used != stage and used not in allowed:
                        where = path.relative_to(SRC.parent)
                        problems.append(f"{where}:{number}: {stage} imports {used}: {code.strip()}")
    print("\n".join(problems) if problems else f"layers ok: {', '.join(LAYERS)}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
