#!/usr/bin/env bash
# Every check and test suite, in order; stops at the first failure and ends with the test counts.
# Run through `make test`, which installs the toolchain first.
set -euo pipefail
cd "$(dirname "$0")/.."

LOGS=target/test-logs
rm -rf "$LOGS" && mkdir -p "$LOGS"
export CARGO_TERM_COLOR=never
export CHROMEDRIVER=${CHROMEDRIVER:-/usr/bin/chromedriver}
# The browser run executes real tract inference in a debug build; the runner's default budget
# for a whole suite (20 s) is too short for it.
export WASM_BINDGEN_TEST_TIMEOUT=${WASM_BINDGEN_TEST_TIMEOUT:-900}

step() { # step NAME COMMAND...: run, keep the log, show its tail on failure
  local name=$1; shift
  local start=$SECONDS
  printf '==> %-34s' "$name"
  if "$@" >"$LOGS/$name.log" 2>&1; then
    printf 'ok (%ss)\n' $((SECONDS - start))
  else
    printf 'FAILED (%ss)\n' $((SECONDS - start))
    tail -n 60 "$LOGS/$name.log"
    echo "full log: $LOGS/$name.log"
    exit 1
  fi
}

step fmt cargo fmt --all -- --check
# src/ imports only downwards, stage by stage (docs/structure.md).
step layers python3 scripts/check-layers.py
# Every relative link of the README, docs/ and the examples' and package's READMEs resolves.
step doc-links python3 scripts/check-links.py
step clippy-native cargo clippy --all-targets -- -D warnings
step clippy-wasm cargo clippy --target wasm32-unknown-unknown --all-targets -- -D warnings
# The package's two modules are built with their own features (Makefile, pkg): the core without
# tract, the ONNX module with only what needs it.
step clippy-wasm-core cargo clippy --target wasm32-unknown-unknown --lib --no-default-features \
  --features console_error_panic_hook -- -D warnings
step clippy-wasm-onnx cargo clippy --target wasm32-unknown-unknown --lib --no-default-features \
  --features onnx-module,console_error_panic_hook -- -D warnings
step rust-native cargo test
# Every fuzz target for 20 s (fuzz/, scripts/fuzz.sh; the long runs: docs/robustness.md).
step fuzz-smoke scripts/fuzz.sh smoke 20
# The training pipeline end to end on a few clips and steps (the exported model then runs
# through the CLI), so `make model` cannot rot; the debug CLI is already built by rust-native.
step model-quick python3 training/pipeline.py --quick --cli target/debug/animasync-face --work target/model-quick
# The evaluation's metrics on curves whose answers are known by construction.
step py-eval-metrics python3 -m unittest discover -s training/eval -p 'test_*.py'
# The real-speech evaluation of the committed built-in models (cached references and peer
# outputs; every system through the CLI), so the evaluation cannot rot either, and its pooled
# figures must still be the committed ones that the model card and docs/lip-sync.md quote.
# Both sets: the held-out speakers of ../shared/speech (read in place) and the 29 existing clips.
step eval-live-model python3 training/eval/evaluate.py --cli target/debug/animasync-face \
  --systems ours,fallback,energy,headaudio --out target/eval-live --expect models/default/eval/results.json
step eval-playback-model python3 training/eval/evaluate.py --cli target/debug/animasync-face \
  --model models/playback/lipsync.onnx --manifest models/playback/lipsync.json \
  --systems ours,energy,headaudio --out target/eval-playback --expect models/playback/eval/results.json
# The text -> emotion accuracy on data/text/eval: docs/text-emotion.md quotes the command's output
# (figures and confusion tables) for the built-in trained classifier and for the lexicon, the
# README its summary, and every line of them must still be there; the trained classifier must
# still meet issue 21's targets (exact and same-family accuracy and the valence sign, above the
# lexicon with paired intervals that exclude 0).
TEXT_EVAL="target/debug/animasync-face emotion-eval data/text/eval/en.jsonl data/text/eval/ko.jsonl"
step emotion-eval python3 scripts/check-doc-output.py docs/text-emotion.md \
  $TEXT_EVAL --require exact=55,family=65,valence=85,above-lexicon
step emotion-eval-lexicon python3 scripts/check-doc-output.py docs/text-emotion.md $TEXT_EVAL --lexicon
step emotion-eval-readme python3 scripts/check-doc-output.py README.md $TEXT_EVAL --summary
# The text classifier's training end to end on 300 steps (the export read back through the CLI),
# so `make text-model` cannot rot.
step text-model-quick python3 training/text/train.py --quick --out target/text-model-quick \
  --cli target/debug/animasync-face
# The committed avatar is what scripts/avatar/make_avatar.py builds (same geometry, shapes and
# pixels), so it cannot drift from its generator.
step avatar-reproducible python3 scripts/avatar/make_avatar.py --check
step rust-wasm-node cargo test --target wasm32-unknown-unknown --test core --test temporal --test audio --test engine --test text_classifier
step rust-wasm-chromium cargo test --target wasm32-unknown-unknown --test browser_core --test browser_audio --test browser_engine
step pkg make --no-print-directory pkg
step npm-pack scripts/install-packed-pkg.sh
step js-node node --test tests/js/package.test.mjs tests/js/compat.test.mjs tests/js/vrm.test.mjs tests/js/hostile.test.mjs
step js-types npx tsc -p tests/js/tsconfig.json
step js-browser node --test --test-concurrency=1 tests/js/page.test.mjs tests/js/demo.test.mjs tests/js/viewer.test.mjs tests/js/audio-source.test.mjs tests/js/viewer-robust.test.mjs
# The examples from the packed package: the plain page over node_modules, and a fresh Vite app
# outside the repository (the packed package and Vite from the npm registry), built and run.
step js-examples node --test --test-concurrency=1 tests/js/examples.test.mjs

# Counts, per suite, from the logs.
echo
echo "Test counts:"
total=0
for name in rust-native py-eval-metrics rust-wasm-node rust-wasm-chromium js-node js-browser js-examples; do
  case $name in
    py-*) n=$(grep -oE '^Ran [0-9]+ test' "$LOGS/$name.log" | awk '{s += $2} END {print s + 0}') ;;
    rust-*) n=$(grep -oE 'test result: ok\. [0-9]+ passed' "$LOGS/$name.log" | awk '{s += $4} END {print s + 0}') ;;
    js-*) n=$(grep -oE '^# pass [0-9]+' "$LOGS/$name.log" | awk '{s += $3} END {print s + 0}') ;;
  esac
  printf '  %-22s %4d passed\n' "$name" "$n"
  total=$((total + n))
done
printf '  %-22s %4d passed, 0 failed\n' total "$total"
