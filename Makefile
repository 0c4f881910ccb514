# animasync-face build and test chain. Every target installs what it needs (idempotently) on a
# fresh Debian 12 machine: the wasm32 target, wasm-bindgen-cli at the crate's exact version,
# Debian chromium + chromium-driver, and the npm dev tools.
#
#   make demo   build the npm package into pkg/ and serve www/ on http://127.0.0.1:$(PORT)
#   make test   every check and test suite (see scripts/test.sh)
#   make pkg    build the npm package into pkg/
#   make soak   an hour of audio through the engine natively, ten minutes through the microphone
#               path in headless Chromium (docs/robustness.md; not part of `make test`)
#   make model  regenerate data, train, export and evaluate the default lip-sync model
#               (models/default; about 20 minutes on 2 cores; not part of `make test`)
#   make text-model  train, export and evaluate the default text -> emotion classifier
#               (models/text-emotion; three members, about 10-15 minutes on 2 cores; not part of `make test`)

SHELL := /bin/bash
PORT ?= 8080
WASM_TARGET := wasm32-unknown-unknown
WASM_BINDGEN_VERSION := $(shell sed -n 's/^wasm-bindgen = "=\(.*\)"/\1/p' Cargo.toml)
CARGO_WASM := target/$(WASM_TARGET)/wasm-release/animasync_face.wasm
# The built-in text classifier: shipped beside the package entry, fetched on first use.
TEXT_MODEL_FILES := $(addprefix models/text-emotion/,classifier.onnx classifier.json vocab.txt)
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
export PATH := $(HOME)/.cargo/bin:$(PATH)

.PHONY: demo test pkg bench model text-model setup setup-rust setup-browser setup-node setup-training clean
.PHONY: setup-fuzz soak

# setup-node: the demo page loads three.js and @pixiv/three-vrm from node_modules.
demo: pkg setup-node
	python3 scripts/serve.py --port $(PORT)

test: setup
	scripts/test.sh

# Two modules from one crate (src/wasm/mod.rs): the core, which every page loads (the built-in
# lip-sync models on our own network, no ONNX runtime), and the ONNX module (tract), loaded on
# demand for a page's own ONNX model and the text classifier. Built one after the other into the
# same target folder (cargo keeps both feature sets' dependencies).
pkg: setup-rust
	cargo build --profile wasm-release --target $(WASM_TARGET) --lib --no-default-features --features console_error_panic_hook
	node scripts/check-wasm-simd.mjs $(CARGO_WASM)
	wasm-bindgen --target web --out-dir pkg --out-name animasync_face --remove-name-section $(CARGO_WASM)
	cargo build --profile wasm-release --target $(WASM_TARGET) --lib --no-default-features --features onnx-module,console_error_panic_hook
	node scripts/check-wasm-simd.mjs $(CARGO_WASM) --tract
	wasm-bindgen --target web --out-dir pkg --out-name animasync_face_onnx --remove-name-section $(CARGO_WASM)
	mkdir -p pkg/text-emotion && cp $(TEXT_MODEL_FILES) pkg/text-emotion/
	node scripts/check-package-size.mjs

setup: setup-rust setup-browser setup-node setup-training setup-fuzz

setup-rust:
	@rustup target list --installed | grep -qx $(WASM_TARGET) || rustup target add $(WASM_TARGET)
	@rustup component list --installed | grep -q '^clippy' || rustup component add clippy
	@rustup component list --installed | grep -q '^rustfmt' || rustup component add rustfmt
	@if [ "$$(wasm-bindgen --version 2>/dev/null)" != "wasm-bindgen $(WASM_BINDGEN_VERSION)" ]; then \
	  echo "installing wasm-bindgen-cli $(WASM_BINDGEN_VERSION) (about 4 minutes)"; \
	  cargo install wasm-bindgen-cli --version =$(WASM_BINDGEN_VERSION); \
	fi

# fonts-nanum: Korean glyphs (display names, text input) in headless screenshots.
BROWSER_PACKAGES := chromium chromium-driver fonts-nanum

setup-browser:
	@if ! dpkg -s $(BROWSER_PACKAGES) >/dev/null 2>&1; then \
	  $(SUDO) apt-get update -q && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q $(BROWSER_PACKAGES); \
	fi

setup-node: node_modules/.package-lock.json

# The speech synthesisers and the recorded prompts (asterisk-core-sounds-en*: a real voice with
# transcripts; training/config.json's data.recorded_sets) the training data comes from, the real
# recordings the evaluation scores (codec2-examples, alsa-utils), and the CPU training stack.
TRAINING_PACKAGES := espeak-ng festival festvox-us-slt-hts festvox-kallpc16k codec2-examples alsa-utils \
  asterisk-core-sounds-en asterisk-core-sounds-en-wav

setup-training:
	@if ! dpkg -s $(TRAINING_PACKAGES) >/dev/null 2>&1; then \
	  $(SUDO) apt-get update -q && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q $(TRAINING_PACKAGES); \
	fi
	@python3 -c "import jax, optax, scipy, onnx, PIL, pocketsphinx, soundfile, safetensors" 2>/dev/null || \
	  python3 -m pip install --quiet --disable-pip-version-check -r training/requirements.txt -r scripts/avatar/requirements.txt
	@python3 -c "import tokenizers" 2>/dev/null || \
	  python3 -m pip install --quiet --disable-pip-version-check -r training/text/requirements.txt

model: setup-training
	cargo build --release --bin animasync-face
	python3 training/pipeline.py

# The text classifier reads ../shared/text-emotion in place; the CLI checks the exported model and
# tunes its manifest, then is rebuilt with it (it is built in) for the evaluation.
text-model: setup-training
	cargo build --bin animasync-face
	python3 training/text/train.py --cli target/debug/animasync-face --lexicon-evidence 2.0
	cargo build --bin animasync-face
	target/debug/animasync-face emotion-eval data/text/eval/en.jsonl data/text/eval/ko.jsonl

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund

clean:
	cargo clean
	rm -rf node_modules pkg/animasync_face* pkg/*.tgz test-results

# Speed, measured (not part of `make test`): the native figures (release build; each built-in
# model on our network, then its ONNX export in tract) and, in headless Chromium, our network vs
# onnxruntime-web on the same model plus the whole streaming pipeline, and the first frame after
# page load. docs/benchmarks.md lists the results and these commands.
bench: pkg setup-node setup-browser
	cargo run --release --quiet -- bench --minutes 10
	cargo run --release --quiet -- bench-model --latency live
	cargo run --release --quiet -- bench-model --latency playback
	cargo run --release --quiet -- bench-model --model models/default/lipsync.onnx --manifest models/default/lipsync.json
	cargo run --release --quiet -- bench-model --model models/playback/lipsync.onnx --manifest models/playback/lipsync.json
	node scripts/bench-browser.mjs
	node scripts/bench-browser.mjs 15 1000 playback
	node scripts/bench-first-frame.mjs 7

# Fuzzing (scripts/fuzz.sh; make test runs a short smoke of every target): a nightly toolchain
# and cargo-fuzz, installed once.
setup-fuzz:
	@rustup toolchain list | grep -q '^nightly' || rustup toolchain install nightly --profile minimal
	@command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked

# Soak (docs/robustness.md; not part of `make test`): SOAK_MINUTES of speech streamed natively
# through the engine in random chunks with emotion changes (run twice: same seed, same frames),
# then BROWSER_SOAK_MINUTES through the real microphone path with Chromium's fake microphone.
SOAK_MINUTES ?= 60
BROWSER_SOAK_MINUTES ?= 10
SOAK_WAVS := $(addprefix --wav ,tests/fixtures/speech16k.wav $(wildcard www/scenarios/*.wav))
soak: pkg setup-node setup-browser
	cargo run --release --quiet -- soak --minutes $(SOAK_MINUTES) $(SOAK_WAVS)
	node scripts/soak-browser.mjs $(BROWSER_SOAK_MINUTES)
