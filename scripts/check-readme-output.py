#!/usr/bin/env python3
"""Fails unless every line a command prints appears in README.md, so figures quoted in the README
(the text -> emotion accuracy and its confusion tables) cannot drift from what the command
produces. Markdown heading levels are ignored (the README nests the output one level deeper).

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
    run = subprocess.run(sys.argv[1:], capture_output=True, text=True)
    if run.returncode != 0:
        print(run.stdout + run.stderr, file=sys.stderr)
        return run.returncode
    readme = {unheaded(line) for line in README.read_text(encoding="utf-8").splitlines()}
    printed = [unheaded(line) for line in run.stdout.splitlines() if line.strip()]
    missing = [line for line in printed if line not in readme]
    if not printed:
        print(f"{' '.join(sys.argv[1:])} printed nothing", file=sys.stderr)
        return 1
    if missing:
        print(f"README.md lacks {len(missing)} of the {len(printed)} lines `{' '.join(sys.argv[1:])}` prints "
              "(update the README with the command's output):", file=sys.stderr)
        for line in missing:
            print(f"  {line}", file=sys.stderr)
        return 1
    print(f"README.md has all {len(printed)} lines of `{' '.join(sys.argv[1:])}`")
    return 0


if __name__ == "__main__":
    sys.exit(main())
