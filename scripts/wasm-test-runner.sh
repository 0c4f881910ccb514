#!/usr/bin/env bash
# Cargo's runner for wasm32 tests: drops the DWARF sections from the test module (a debug test
# build is ~290 MB, nearly all of it debug info, which Chromium must fetch and compile before
# ChromeDriver's 30 s renderer timeout), then hands over to wasm-bindgen-test-runner.
set -euo pipefail
node "$(dirname "$0")/strip-wasm-debug.mjs" "$1"
exec wasm-bindgen-test-runner "$@"
