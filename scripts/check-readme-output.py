#!/usr/bin/env python3
"""Fails unless README.md quotes a command's output whole: its lines, in order, as one block
(blank lines and Markdown heading levels aside: the README nests the output one level deeper).
So the text -> emotion evaluation and its confusion tables in the README cannot drift from what
the command prints. The summary table and prose above them are written from that block.

    python3 scripts/check-readme-output.py COMMAND [ARG...]
"""

import re
import subprocess
import sys
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def unheaded(line: str) -> str:
    return re.sub(r"^#+\s*", "", line.strip())


def main() -> int:
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    run = subprocess.run(sys.argv[1:], capture_output=True, text=True, encoding="utf-8")
    if run.returncode != 0:
        print(run.stdout + run.stderr, file=sys.stderr)
        return run.returncode
    readme = [unheaded(line) for line in README.read_text(encoding="utf-8").splitlines() if line.strip()]
    printed = [unheaded(line) for line in run.stdout.splitlines() if line.strip()]
    if not printed:
        print(f"{' '.join(sys.argv[1:])} printed nothing", file=sys.stderr)
        return 1
    n = len(printed)
    if any(readme[i : i + n] == printed for i in range(len(readme) - n + 1)):
        print(f"README.md quotes all {n} lines of `{' '.join(sys.argv[1:])}`")
        return 0
    known = set(readme)
    missing = [line for line in printed if line not in known]
    if missing:
        print(f"README.md lacks {len(missing)} of the {len(printed)} lines `{' '.join(sys.argv[1:])}` prints "
              "(update the README with the command's output):", file=sys.stderr)
        for line in missing:
            print(f"  {line}", file=sys.stderr)
    else:
        print(f"README.md has every line `{' '.join(sys.argv[1:])}` prints, but not as one block in "
              "its order (a row moved between tables?): paste the command's output again", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
