#!/usr/bin/env bash
# Packs pkg/ with `npm pack` (so the package.json "files" whitelist is exercised) and installs the
# tarball into node_modules/, where the JS tests import it by name, exactly as a user would.
set -euo pipefail
cd "$(dirname "$0")/.."
rm -f pkg/*.tgz
tarball=$(cd pkg && npm pack --silent)
npm install --no-save --no-audit --no-fund "./pkg/$tarball"
rm -f "pkg/$tarball"
node -e "import('animasync-face').then(m => console.log('installed animasync-face exports:', Object.keys(m).length))"
