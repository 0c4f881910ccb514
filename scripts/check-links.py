#!/usr/bin/env python3
"""Fails on a broken link in the project's documents: the README, docs/, the examples' and the
package's READMEs. Every relative link (Markdown `[text](target)` or `![alt](target)`, outside
code) must name a file or folder that exists, and a `#fragment` must be a heading of the target
page (GitHub's rule: lower case, punctuation dropped, spaces to hyphens, -1, -2... for repeats).
Links to other sites are not fetched (no network in the test); their form is left alone.

    python3 scripts/check-links.py
"""

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PAGES = ["README.md", "docs/**/*.md", "examples/*/README.md", "pkg/README.md"]
LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")


def prose(text):
    """The text outside fenced code blocks and inline code (links there are examples)."""
    text = re.sub(r"^```.*?^```", "", text, flags=re.S | re.M)
    return re.sub(r"`[^`\n]*`", "", text)


def anchors(path):
    seen, out = {}, set()
    for line in prose(path.read_text(encoding="utf-8")).splitlines():
        match = re.match(r"^#{1,6}\s+(.*?)\s*#*\s*$", line)
        if not match:
            continue
        slug = re.sub(r"[^\w\- ]", "", match.group(1).strip().lower()).replace(" ", "-")
        n = seen.get(slug, 0)
        seen[slug] = n + 1
        out.add(slug if n == 0 else f"{slug}-{n}")
    return out


def main():
    pages = sorted({p for pattern in PAGES for p in ROOT.glob(pattern)})
    broken, count = [], 0
    for page in pages:
        for target in LINK.findall(prose(page.read_text(encoding="utf-8"))):
            if re.match(r"^[a-z][a-z0-9+.-]*:", target):  # https:, mailto:
                continue
            count += 1
            path, _, fragment = target.partition("#")
            file = (page.parent / path).resolve() if path else page
            where = f"{page.relative_to(ROOT)}: ({target})"
            if not file.exists():
                broken.append(f"{where}: no such file {path}")
            elif fragment and file.suffix == ".md" and fragment not in anchors(file):
                broken.append(f"{where}: {file.relative_to(ROOT)} has no heading #{fragment}")
    if broken:
        print(f"{len(broken)} broken link(s) of {count}:", *broken, sep="\n  ", file=sys.stderr)
        return 1
    print(f"{count} relative links in {len(pages)} pages, all resolve")
    return 0


if __name__ == "__main__":
    sys.exit(main())
