#!/usr/bin/env bash
# Runs the cargo-fuzz targets of fuzz/ one after another, one fuzzer process at a time, each
# corpus seeded from the repository's own files (linked, not copied: target/fuzz-seeds/;
# FUZZ_WORK=DIR puts the seeds and logs elsewhere).
#
#   scripts/fuzz.sh smoke [SECONDS [TARGET...]]  every target (or those named) for SECONDS (20)
#                                            each, from the seeds alone; make test runs it
#   scripts/fuzz.sh long [TARGET...]         10^7 executions or 30 minutes, whichever comes first,
#                                            one target after another (logs: target/fuzz-logs/)
#   scripts/fuzz.sh run TARGET [ARGS...]     one target with libFuzzer's own flags
#   scripts/fuzz.sh report                   the long runs' logs as Markdown table rows
#
# Findings land in fuzz/artifacts/TARGET/ (kept out of git); each one found so far is a fixed
# bug with a regression test (docs/robustness.md lists them). Needs nightly and cargo-fuzz
# (`make setup-fuzz`).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

TARGETS=(presets_json scenario_json model_manifest text_manifest text_vocab wav onnx_model lipsync_net engine_push compile_request)
WORK=${FUZZ_WORK:-target} # seeds, logs (outside git)
mkdir -p "$WORK"
SEEDS=$WORK/fuzz-seeds
CORPUS=fuzz/corpus # what the long runs grow, kept between runs

seed_files() { # the repository files each target's corpus starts from
  case $1 in
    presets_json) echo data/presets.json ;;
    scenario_json) echo www/scenarios/*.json ;;
    model_manifest) echo models/*/lipsync.json tests/fixtures/*_lipsync.json tests/fixtures/energy_visemes.json ;;
    text_manifest) echo tests/fixtures/text_classifier.json ;;
    text_vocab) echo tests/fixtures/text_classifier.vocab.txt ;;
    wav) echo tests/fixtures/speech16k.wav www/scenarios/dialogue-reactions-1.wav ;;
    onnx_model) echo models/*/lipsync.onnx tests/fixtures/*.onnx ;;
    lipsync_net) echo models/*/lipsync.safetensors ;;
    engine_push) echo tests/fixtures/speech16k.wav data/temporal.json ;;
    compile_request) echo fuzz/seeds/compile_request/* ;;
  esac
}

seed() { # seed TARGET: target/fuzz-seeds/TARGET holds links to its seed files
  local dir=$SEEDS/$1
  rm -rf "$dir" && mkdir -p "$dir"
  for f in $(seed_files "$1"); do ln -s "$PWD/$f" "$dir/$(echo "$f" | tr / _)"; done
}

run() { # run TARGET [LIBFUZZER ARGS...]: one fuzzing process; new inputs go to $CORPUS/TARGET
  local target=$1; shift
  seed "$target"
  mkdir -p "$CORPUS/$target"
  # engine_push reads its input as a program of pushes: short programs keep it fast.
  local max_len=400000
  [ "$target" = engine_push ] && max_len=4096
  cargo +nightly fuzz run --fuzz-dir fuzz "$target" "$CORPUS/$target" "$SEEDS/$target" -- \
    -rss_limit_mb=4096 -max_len=$max_len "$@"
}

mode=${1:-smoke}; shift || true
case $mode in
  smoke)
    seconds=${1:-20}
    [ $# -gt 1 ] && TARGETS=("${@:2}")
    # From the seeds alone, so the smoke's time does not grow with the long runs' corpora.
    CORPUS=$WORK/fuzz-smoke-corpus
    rm -rf "$CORPUS"
    cargo +nightly fuzz build --fuzz-dir fuzz
    for t in "${TARGETS[@]}"; do
      echo "== $t (${seconds} s)"
      if ! run "$t" -max_total_time="$seconds" >"$WORK/fuzz-$t.log" 2>&1; then
        grep -E -A12 "panicked|ERROR|Test unit written" "$WORK/fuzz-$t.log" | head -n 60
        echo "fuzz target $t failed; full log: $WORK/fuzz-$t.log" >&2
        exit 1
      fi
      grep -E "^Done" "$WORK/fuzz-$t.log"
    done ;;
  long) # every target even when one finds a crash; logs in $WORK/fuzz-logs/TARGET.log
    [ $# -gt 0 ] && TARGETS=("$@")
    mkdir -p $WORK/fuzz-logs
    for t in "${TARGETS[@]}"; do
      echo "== $t $(date -u +%FT%TZ)"
      start=$SECONDS
      run "$t" -runs=10000000 -max_total_time=1800 -print_final_stats=1 >"$WORK/fuzz-logs/$t.log" 2>&1 \
        && echo "   ok after $((SECONDS - start)) s" || echo "   FAILED after $((SECONDS - start)) s (see the log)"
      grep -E "^stat::number_of_executed_units|^Done|Test unit written" "$WORK/fuzz-logs/$t.log" || true
    done ;;
  report) # the long runs' logs as Markdown table rows (docs/robustness.md)
    for t in "${TARGETS[@]}"; do
      log=$WORK/fuzz-logs/$t.log
      [ -f "$log" ] || { echo "| \`$t\` | not run | | | |"; continue; }
      execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
      secs=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$log" | tail -n 1)
      # A run still going (or killed) has no final stats: its last status line says how far it got.
      [ -n "$execs" ] || execs="$(grep -oE '^#[0-9]+' "$log" | tail -n 1 | tr -d '#') (unfinished)"
      crashes=$(grep -c "Test unit written" "$log" || true)
      rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
      echo "| \`$t\` | $execs | ${secs:-?} s | ${rate:-?} | $crashes |"
    done ;;
  run) run "$@" ;;
  *) echo "usage: scripts/fuzz.sh smoke [SECONDS [TARGET...]] | long [TARGET...] | run TARGET [ARGS...] | report" >&2; exit 2 ;;
esac
