// In-browser benchmark (driven headless by scripts/bench-browser.mjs, or opened by hand at
// /bench/): the same model and input in animasync-face (a built-in model on its own network in
// the core module; the ONNX benchmark graph in tract, in the ONNX module) and in
// onnxruntime-web (the model's ONNX file, wasm backend, one thread), timed in alternating
// rounds; then the whole
// per-frame pipeline of the streaming Engine (48 kHz audio in 128-sample AudioWorklet quanta:
// resample + log-mel + model + expression + gate + merge + eyes).
import init, { Engine, LipSyncGraph, loadOnnx, modelNeedsOnnx } from 'animasync-face';
import * as ort from '/vendor/ort/ort.wasm.min.mjs';

const params = new URLSearchParams(location.search);
const ROUNDS = Number(params.get('rounds') ?? 5);
const PER_ROUND = Number(params.get('inferences') ?? 100);
const SECONDS = Number(params.get('seconds') ?? 10);
const log = (line) => { document.getElementById('log').textContent += `\n${line}`; };
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function syntheticSpeech(rate, seconds) {
  // A 150 Hz tone, amplitude-modulated at 4 syllables a second with a pause every fifth.
  const out = new Float32Array(Math.floor(rate * seconds));
  for (let i = 0; i < out.length; i++) {
    const t = i / rate;
    const envelope = Math.floor(t * 4) % 5 === 4 ? 0 : Math.sin(Math.PI * ((t * 4) % 1));
    out[i] = 0.3 * envelope * Math.sin(2 * Math.PI * 150 * t);
  }
  return out;
}

// The built-in models (compiled into the package; their files served at /models/): the live one
// (`default`) or, with ?model=playback, the playback one; or the older Conv1d x3 + GRU(128)
// benchmark graph with ?model=bench. Each: [what animasync-face runs, the ONNX file
// onnxruntime-web runs, the manifest].
const MODELS = {
  default: ['/models/default/lipsync.safetensors', '/models/default/lipsync.onnx', '/models/default/lipsync.json'],
  playback: ['/models/playback/lipsync.safetensors', '/models/playback/lipsync.onnx', '/models/playback/lipsync.json'],
  bench: ['/bench-model/bench_lipsync.onnx', '/bench-model/bench_lipsync.onnx', '/bench-model/bench_lipsync.json'],
};

async function main() {
  const which = params.get('model') ?? 'default';
  const [bytes, onnxBytes, manifest] = await Promise.all([
    fetch(MODELS[which][0]).then((r) => r.arrayBuffer()),
    fetch(MODELS[which][1]).then((r) => r.arrayBuffer()),
    fetch(MODELS[which][2]).then((r) => r.text()),
  ]);
  await init();
  const runner = modelNeedsOnnx(new Uint8Array(bytes)) ? 'tract' : 'network';
  if (runner === 'tract') await loadOnnx();
  ort.env.wasm.numThreads = 1;
  ort.env.wasm.wasmPaths = '/vendor/ort/';

  let t0 = performance.now();
  const ours = new LipSyncGraph(new Uint8Array(bytes));
  const oursLoadMs = performance.now() - t0;
  t0 = performance.now();
  const session = await ort.InferenceSession.create(onnxBytes, { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
  const ortLoadMs = performance.now() - t0;

  // Input 0 is the feature window; any further inputs are recurrent state, fed back from the
  // matching output each run, as the runtime streams it (zeros at the start).
  const shapes = ours.inputShapes;
  const size = (shape) => shape.reduce((a, b) => a * b, 1);
  const features = new Float32Array(size(shapes[0])).map((_, i) => Math.sin((i % 97) * 0.1) - 6);
  let oursState = shapes.slice(1).map((shape) => new Float32Array(size(shape)));
  let ortState = shapes.slice(1).map((shape) => new Float32Array(size(shape)));
  const ortFeeds = (state) => Object.fromEntries(session.inputNames.map((name, i) => [name,
    new ort.Tensor('float32', i === 0 ? features : state[i - 1], shapes[i])]));
  const stepOurs = () => { const out = ours.runInputs([features, ...oursState]); oursState = out.slice(1); return out[0]; };
  const stepOrt = async () => {
    const out = await session.run(ortFeeds(ortState));
    ortState = session.outputNames.slice(1).map((name) => out[name].data);
    return out[session.outputNames[0]].data;
  };

  // Both must compute the same thing: compare outputs over a few streamed steps.
  let maxDiff = 0;
  for (let i = 0; i < 5; i++) {
    const a = stepOurs(); const b = await stepOrt();
    maxDiff = a.reduce((m, x, k) => Math.max(m, Math.abs(x - b[k])), maxDiff);
  }

  const runOurs = () => { const s = performance.now(); for (let i = 0; i < PER_ROUND; i++) stepOurs(); return (performance.now() - s) / PER_ROUND; };
  const runOrt = async () => { const s = performance.now(); for (let i = 0; i < PER_ROUND; i++) await stepOrt(); return (performance.now() - s) / PER_ROUND; };
  runOurs(); await runOrt(); // warm-up (tier-up, allocations)
  const oursMs = []; const ortMs = [];
  for (let r = 0; r < ROUNDS; r++) {
    if (r % 2 === 0) { oursMs.push(runOurs()); ortMs.push(await runOrt()); } else { ortMs.push(await runOrt()); oursMs.push(runOurs()); }
  }

  const rate = 48000;
  const audio = syntheticSpeech(rate, SECONDS);
  const pipelineMs = [];
  let frames = 0; let latencyMs = 0;
  for (let r = 0; r <= ROUNDS; r++) {
    // A built-in model goes through its latency, as a page would choose it.
    const model = which === 'default' ? {} : which === 'playback' ? { latency: 'playback' }
      : { model: new Uint8Array(bytes), manifest };
    const engine = new Engine({ sampleRate: rate, ...model });
    engine.setEmotion({ emotion: 'joy', level: 3 });
    latencyMs = engine.latency * 1000;
    const s = performance.now();
    let count = 0;
    for (let at = 0; at < audio.length; at += 128) {
      engine.push(audio.subarray(at, at + 128));
      count += engine.takeFrames().length / 52;
    }
    count += engine.finish().length / 52;
    const elapsed = performance.now() - s;
    engine.free();
    if (r > 0) pipelineMs.push(elapsed / count); // round 0 warms up
    frames = count;
  }
  ours.free();

  const result = {
    userAgent: navigator.userAgent,
    model: JSON.parse(manifest).name,
    ortVersion: ort.env.versions?.web ?? 'unknown',
    outputsMaxDiff: maxDiff,
    runner,
    loadMs: { ours: oursLoadMs, ort: ortLoadMs },
    inferenceMs: { ours: median(oursMs), ort: median(ortMs), rounds: ROUNDS, perRound: PER_ROUND },
    ratio: median(oursMs) / median(ortMs),
    pipelineMsPerFrame: median(pipelineMs),
    pipelineFrames: frames,
    algorithmicLatencyMs: latencyMs,
  };
  document.getElementById('log').textContent = JSON.stringify(result, null, 2);
  window.benchResult = result;
}

main().catch((error) => { log(`failed: ${error.stack ?? error}`); window.benchResult = { error: String(error) }; });
