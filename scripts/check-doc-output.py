#!/usr/bin/env python3
"""Fails unless a document quotes a command's output whole: its lines, in order, as one block
(blank lines and Markdown heading levels aside: the page nests the output one level deeper).
So the text -> emotion evaluation and its confusion tables in docs/text-emotion.md cannot drift
from what the command prints. The summary table and prose above them are written from that block.

    python3 scripts/check-doc-output.py DOC COMMAND [ARG...]
"""

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def unheaded(line: str) -> str:
    return re.sub(r"^#+\s*", "", line.strip())


def main() -> int:
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    doc, command = sys.argv[1], sys.argv[2:]
    path = ROOT / doc
    run = subprocess.run(command, capture_output=True, text=True, encoding="utf-8")
    if run.returncode != 0:
        print(run.stdout + run.stderr, file=sys.stderr)
        return run.returncode
    quoted = [unheaded(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    printed = [unheaded(line) for line in run.stdout.splitlines() if line.strip()]
    if not printed:
        print(f"{' '.join(command)} printed nothing", file=sys.stderr)
        return 1
    n = len(printed)
    if any(quoted[i : i + n] == printed for i in range(len(quoted) - n + 1)):
        print(f"{doc} quotes all {n} lines of `{' '.join(command)}`")
        return 0
    known = set(quoted)
    missing = [line for line in printed if line not in known]
    if missing:
        print(f"{doc} lacks {len(missing)} of the {len(printed)} lines `{' '.join(command)}` prints "
              f"(update {doc} with the command's output):", file=sys.stderr)
        for line in missing:
            print(f"  {line}", file=sys.stderr)
    else:
        print(f"{doc} has every line `{' '.join(command)}` prints, but not as one block in "
              "its order (a row moved between tables?): paste the command's output again", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
