// The hostile sweep: every export of the built package (and of its /compat and /vrm entries)
// called the wrong way: wrong types, missing and extra fields, NaN, huge arrays, freed objects
// and calls after free(). Each call must throw an Error whose message names the problem (never
// a wasm trap such as "unreachable" or "memory access out of bounds", never wasm-bindgen's
// "null pointer passed to rust"), and after every one the module must still work. A new export
// without cases here fails the coverage test. Run: node --test tests/js/hostile.test.mjs
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';

import * as pkg from 'animasync-face';
import { AnimasyncCompat } from 'animasync-face/compat';
import { presetWeights, perfectSyncCoverage, VrmFaceDriver } from 'animasync-face/vrm';

const {
  default: init, channelNames, channelTable, emotionTaxonomy, compileModes, compileExpression, levelVad,
  frameRate, PresetLibrary, OnnxModel, renderScenario, Engine, classifyEmotion, TextClassifier,
} = pkg;

const root = new URL('../../', import.meta.url);
const fixture = (path) => readFile(new URL(`tests/fixtures/${path}`, root));

await init();

const tinyModel = new Uint8Array(await fixture('tiny_mlp.onnx'));
const classifierFiles = {
  model: new Uint8Array(await fixture('text_classifier.onnx')),
  manifest: (await fixture('text_classifier.json')).toString('utf8'),
  vocab: (await fixture('text_classifier.vocab.txt')).toString('utf8'),
};
const SCENARIO = JSON.stringify({
  id: 'hostile', regime: 'monologue',
  turns: [{ emotion: 'joy', level: 3, duration: 1 }, { emotion: 'sadness', level: 2, duration: 1 }],
});

/** What a trap or a binding internal says; none of it may reach a caller. */
const OPAQUE = /unreachable|memory access out of bounds|null pointer passed to rust|recursive use of an object|Cannot read properties of (null|undefined)|is not iterable|RuntimeError/;

/** The module still works after a bad call: compile, stream a second of audio, round-trip JSON. */
function healthy(label) {
  const library = PresetLibrary.builtin();
  try {
    const weights = compileExpression(library, { emotion: 'joy', level: 3 });
    assert.equal(weights.length, 52, `${label}: compile still works`);
    assert.equal(PresetLibrary.fromJson(library.toJson()).size, 48, `${label}: JSON still round-trips`);
  } finally {
    library.free();
  }
  const engine = new Engine({ lipsync: 'fallback' });
  try {
    engine.push(new Float32Array(16_000));
    assert.equal(engine.finish().length, 30 * 52, `${label}: an engine still streams`);
  } finally {
    engine.free();
  }
}

/** `call` throws an Error matching `pattern` (the problem, by name), not an opaque one; then the module still works. */
function rejects(label, call, pattern) {
  let thrown;
  try {
    call();
  } catch (error) {
    thrown = error;
  }
  assert.ok(thrown instanceof Error, `${label}: expected an Error, got ${thrown === undefined ? 'no throw' : String(thrown)}`);
  assert.doesNotMatch(thrown.message, OPAQUE, `${label}: an opaque message`);
  assert.match(thrown.message, pattern, `${label}: the message should name the problem`);
  healthy(label);
}

/** As `rejects`, for a call that returns a promise: it must reject (not throw) with a named error. */
async function rejectsAsync(label, call, pattern) {
  let thrown;
  try {
    await call();
  } catch (error) {
    thrown = error;
  }
  assert.ok(thrown instanceof Error, `${label}: expected a rejection with an Error, got ${thrown === undefined ? 'none' : String(thrown)}`);
  assert.doesNotMatch(thrown.message, OPAQUE, `${label}: an opaque message`);
  assert.match(thrown.message, pattern, `${label}: the message should name the problem`);
  healthy(label);
}

// Every export, and which test below covers it.
const COVERED = {
  default: 'init', init: 'init', initSync: 'init', start: 'init',
  channelNames: 'data', channelTable: 'data', emotionTaxonomy: 'data', compileModes: 'data', frameRate: 'data',
  levelVad: 'data', compileExpression: 'PresetLibrary', PresetLibrary: 'PresetLibrary', renderScenario: 'renderScenario',
  Engine: 'Engine', modelNeedsOnnx: 'loadOnnx', loadOnnx: 'loadOnnx', OnnxModel: 'OnnxModel', LipSyncGraph: 'LipSyncGraph',
  classifyEmotion: 'text', loadEmotionModel: 'text', lexiconEvidence: 'text', TextClassifier: 'text',
};

test('every export of the package is covered by the sweep', () => {
  const missing = Object.keys(pkg).filter((name) => !(name in COVERED));
  assert.deepEqual(missing, [], 'exports without hostile cases');
});

test('init: a bad module source rejects with a message and the loaded module stays usable', async () => {
  // After a successful load, init() and initSync() return the loaded module whatever they are given.
  await init(new Uint8Array([0, 1, 2, 3]));
  healthy('init again');
  pkg.initSync('not a module');
  healthy('initSync');
  pkg.start(); // the panic hook, set once: calling it again is harmless
  healthy('start');
});

test('loadOnnx: bad options and sources reject with a message, a retry loads it, ONNX waits for it', async () => {
  rejects('new OnnxModel before loadOnnx', () => new OnnxModel(tinyModel), /new OnnxModel: .*`await loadOnnx\(\)` first/);
  await rejectsAsync('loadOnnx onProgress 5', () => pkg.loadOnnx(undefined, { onProgress: 5 }), /loadOnnx: options.onProgress must be a function/);
  await rejectsAsync('loadOnnx of junk bytes', () => pkg.loadOnnx(new Uint8Array([0, 1, 2, 3])), /loadOnnx: the ONNX module could not be loaded/);
  await rejectsAsync('loadOnnx of the core module', () => pkg.loadOnnx(readFile(new URL('pkg/animasync_face_bg.wasm', root))), /loadOnnx: the ONNX module could not be loaded/);
  for (const bad of [undefined, null, 5, 'model', [1, 2], {}]) {
    rejects(`modelNeedsOnnx(${JSON.stringify(bad)})`, () => pkg.modelNeedsOnnx(bad), /Uint8Array|expected/);
  }
  await pkg.loadOnnx();
  await pkg.loadOnnx(new Uint8Array([0])); // once loaded, later calls share the load
  const model = new OnnxModel(tinyModel);
  assert.equal(model.inputShapes[0][1], 16);
  model.free();
});

test('data functions: extra arguments are ignored, levelVad names bad emotions and levels', () => {
  assert.equal(channelNames('extra', 1).length, 52);
  assert.equal(channelTable(null).channels.length, 52);
  assert.equal(emotionTaxonomy({}).emotions.length, 16);
  assert.equal(compileModes(NaN).length, 4);
  assert.equal(frameRate(-1), 30);
  for (const emotion of [123, null, undefined, {}, ['joy'], Symbol('joy'), '\ud800']) {
    rejects(`levelVad(${String(emotion)})`, () => levelVad(emotion, 3), /levelVad: emotion(: .*unpaired| must be a string)/);
  }
  rejects('levelVad unknown', () => levelVad('Joy', 3), /unknown emotion "Joy" \(did you mean "joy"\?\)/);
  for (const level of [NaN, undefined, 'x', Infinity, -1e308, 0, 6]) {
    rejects(`levelVad(joy, ${String(level)})`, () => levelVad('joy', level), /level .* is not a number in \[1, 5\]/);
  }
});

test('PresetLibrary and compileExpression: wrong types, bad fields, NaN, freed libraries', () => {
  const library = PresetLibrary.builtin();
  for (const text of [null, undefined, 5, {}, new Uint8Array(3)]) {
    rejects(`fromJson(${String(text)})`, () => PresetLibrary.fromJson(text), /PresetLibrary\.fromJson: text must be a string/);
  }
  rejects('fromJson(deep nesting)', () => PresetLibrary.fromJson('['.repeat(100_000)), /presets: .*(recursion|expected)/);
  rejects('fromJson(20 MB of junk)', () => PresetLibrary.fromJson(' '.repeat(20e6) + 'x'), /presets: .*line 1 column/);
  rejects('fromJson(foreign JSON)', () => PresetLibrary.fromJson('{"schema": "animasync-face/scenario", "version": 1}'), /presets/);
  rejects('levels(5)', () => library.levels(5), /levels: emotion must be a string/);
  rejects('preset(joy, NaN)', () => library.preset('joy', NaN), /level NaN is not an integer level/);
  rejects('preset(null, 3)', () => library.preset(null, 3), /preset: emotion must be a string/);
  rejects('setPreset(weights null)', () => library.setPreset('joy', 3, null), /setPreset: weights must be a Float32Array/);
  rejects('setPreset(weights Int16Array)', () => library.setPreset('joy', 3, new Int16Array(52)), /got an Int16Array/);
  rejects('setPreset(51 weights)', () => library.setPreset('joy', 3, new Float32Array(51)), /expected 52 weights, found 51/);
  rejects('setPreset(NaN weight)', () => library.setPreset('joy', 3, new Float32Array(52).fill(NaN)), /not a finite number|NaN/);
  rejects('setPreset(["a"])', () => library.setPreset('joy', 3, ['a', ...new Array(51).fill(0)]), /weights\[0\] is a string, not a number/);
  rejects('setPreset(huge sparse array)', () => library.setPreset('joy', 3, new Array(2 ** 30)), /do not fit in the WebAssembly memory/);
  rejects('setPreset(level 2)', () => library.setPreset('joy', 2, new Float32Array(52)), /authored at L1, L3 and L5|unknown level|L2/);
  rejects('removePreset(undefined)', () => library.removePreset(undefined, 3), /removePreset: emotion must be a string/);
  assert.equal(library.size, 48, 'every refused edit left the library as it was');

  for (const lib of [null, undefined, {}, 'presets', new Engine({ lipsync: 'fallback' })]) {
    rejects(`compileExpression(${lib?.constructor?.name ?? String(lib)})`, () => compileExpression(lib, { emotion: 'joy', level: 3 }),
      /compileExpression: `library` must be a live PresetLibrary/);
  }
  for (const [request, pattern] of [
    [undefined, /invalid compile request/],
    [null, /invalid compile request/],
    ['joy', /invalid compile request: expected an object .* got a string/],
    [[], /invalid compile request: expected an object .* got an array/],
    [{ level: 3 }, /missing field `emotion`/],
    [{ emotion: 'joy' }, /exactly one of `level` or `vad`/],
    [{ emotion: 'joy', level: 3, levle: 4 }, /unknown field `levle`/],
    [{ emotion: 'joy', level: NaN }, /level NaN is not a number/],
    [{ emotion: 'joy', vad: [NaN, 0, 0] }, /valence NaN is not a number/],
    [{ emotion: 'joy', vad: [0, 0] }, /invalid compile request/],
    [{ emotion: 'joy', vad: new Array(1e6).fill(0) }, /`vad` must be \[valence, arousal, dominance\], three numbers; got 1000000 values/],
    [{ emotion: 'joy', vad: [0, 0, 0, 9] }, /got 4 values/],
    [{ emotion: 'joy', level: 3, mode: 'loud' }, /unknown compile mode "loud"/],
    [{ emotion: 7, level: 3 }, /invalid compile request/],
  ]) {
    rejects(`compileExpression(${JSON.stringify(request)?.slice(0, 60)})`, () => compileExpression(library, request), pattern);
  }

  const freed = PresetLibrary.builtin();
  freed.free();
  freed.free(); // twice: a no-op
  for (const [name, call] of [
    ['toJson', () => freed.toJson()], ['size', () => freed.size], ['emotions', () => freed.emotions()],
    ['levels', () => freed.levels('joy')], ['preset', () => freed.preset('joy', 3)],
    ['setPreset', () => freed.setPreset('joy', 3, new Float32Array(52))], ['removePreset', () => freed.removePreset('joy', 3)],
  ]) {
    rejects(`freed library ${name}`, call, new RegExp(`PresetLibrary\\.${name}.*was freed`));
  }
  rejects('compileExpression(freed)', () => compileExpression(freed, { emotion: 'joy', level: 3 }), /got a freed PresetLibrary/);
  rejects('a method on a foreign this', () => PresetLibrary.prototype.toJson.call({}), /PresetLibrary\.toJson\(\).*freed.*or is not one/);
  library.free();
});

test('renderScenario: wrong types, extra and missing fields, NaN audio', () => {
  const library = PresetLibrary.builtin();
  rejects('renderScenario(null)', () => renderScenario(null, SCENARIO), /renderScenario: `library` must be a live PresetLibrary, got null|must be a live PresetLibrary/);
  for (const scenario of [5, null, undefined, { id: 'x' }]) {
    rejects(`renderScenario(scenario ${String(scenario)})`, () => renderScenario(library, scenario), /renderScenario: scenario must be a string/);
  }
  rejects('scenario without id', () => renderScenario(library, '{}'), /scenario: missing "id"/);
  rejects('options 5', () => renderScenario(library, SCENARIO, 5), /invalid options: expected an object/);
  rejects('options extra field', () => renderScenario(library, SCENARIO, { seeed: 1 }), /unknown field `seeed`/);
  rejects('seed NaN', () => renderScenario(library, SCENARIO, { seed: NaN }), /`seed` must be a non-negative integer/);
  rejects('smoothing gamma NaN', () => renderScenario(library, SCENARIO, { smoothing: { gamma: NaN } }), /gamma/);
  rejects('audio not an array', () => renderScenario(library, SCENARIO, { audio: 'x' }), /audio/);
  rejects('audio entry without sampleRate', () => renderScenario(library, SCENARIO, { audio: [{ samples: new Float32Array(10) }, null] }), /sampleRate|audio\[0\]/);
  rejects('audio with NaN', () => renderScenario(library, SCENARIO, { audio: [{ samples: new Float32Array([0, NaN]), sampleRate: 16000 }, null] }), /NaN/);
  const freed = PresetLibrary.builtin();
  freed.free();
  rejects('renderScenario(freed)', () => renderScenario(freed, SCENARIO), /got a freed PresetLibrary/);
  library.free();
});

test('Engine: options, pushes of every wrong kind, emotion requests, clips, and calls after free()', () => {
  for (const [options, pattern] of [
    [5, /invalid options: expected an object .* got a number/],
    ['fast', /got a string/],
    [[], /got an array/],
    [{ sampleRat: 16000 }, /unknown field `sampleRat`/],
    [{ sampleRate: NaN }, /`sampleRate` must be a whole number of Hz/],
    [{ sampleRate: 1e9 }, /`sampleRate` must be a whole number of Hz/],
    [{ sampleRate: 4000 }, /sample rate 4000 Hz is not in \[8000, 96000\]/],
    [{ seed: -1 }, /`seed` must be a non-negative integer/],
    [{ eyeMotion: 'yes' }, /`eyeMotion` must be a boolean/],
    [{ presets: 5 }, /`presets` must be JSON text/],
    [{ presets: '{}' }, /presets/],
    [{ model: new Uint8Array(4) }, /`model` and `manifest` go together/],
    [{ model: 'x', manifest: '{}' }, /`model` must be a Uint8Array/],
    [{ latency: 'instant' }, /unknown latency "instant"/],
    [{ smoothing: 7 }, /smoothing/],
  ]) {
    rejects(`new Engine(${JSON.stringify(options)})`, () => new Engine(options), pattern);
  }

  const engine = new Engine();
  for (const [samples, pattern] of [
    [null, /push: samples must be a Float32Array \(or an array of numbers\), got null/],
    [undefined, /got undefined/],
    [5, /got a number/],
    ['abc', /got a string/],
    [{ length: 1e10 }, /got an object/],
    [{ length: -1 }, /got an object/],
    [new Float64Array(10), /got a Float64Array/],
    [new Int16Array(10), /got an Int16Array \(convert integer PCM/],
    [[0, 'a'], /push: samples\[1\] is a string, not a number/],
    [new Array(2 ** 30), /do not fit in the WebAssembly memory/],
    [new Float32Array([0, NaN]), /sample 1 of the chunk is NaN .*dropped/],
    [new Float32Array([Infinity]), /sample 0 of the chunk is inf/],
    [new Float32Array(480).fill(3e38), /sample 0 of the chunk is .*beyond/],
  ]) {
    rejects(`push(${samples?.constructor?.name ?? String(samples)})`, () => engine.push(samples), pattern);
  }
  // Not errors: empty chunks, denormals, loud audio; frames stay in [0, 1].
  assert.equal(engine.push(new Float32Array(0)), 0);
  engine.push(new Float32Array(4800).fill(1e-42));
  engine.push(Float32Array.from({ length: 16_000 }, (_, i) => 30_000 * Math.sin(i / 7)));
  const frames = engine.takeFrames();
  assert.ok(frames.length > 0 && frames.every((w) => w >= 0 && w <= 1), 'frames in [0, 1] after hostile chunks');

  for (const [request, pattern] of [
    [null, /invalid emotion request: `emotion` must be a string/],
    ['joy', /invalid emotion request: expected an object .* got a string/],
    [{ emotion: 5, level: 3 }, /`emotion` must be a string/],
    [{ emotion: 'joy' }, /exactly one of `level` or `vad`/],
    [{ emotion: 'joy', level: 3, extra: 1 }, /unknown field `extra`/],
    [{ emotion: 'joy', level: NaN }, /level NaN is not a number/],
    [{ emotion: 'joy', vad: [0, NaN, 0] }, /arousal NaN/],
    [{ emotion: 'joy', vad: [0, 0, 0, 0] }, /`vad` must be \[valence, arousal, dominance\]/],
    [{ emotion: 'joy', vad: 'calm' }, /`vad` must be .* got a string/],
    [{ emotion: 'glee', level: 3 }, /unknown emotion "glee"/],
  ]) {
    rejects(`setEmotion(${JSON.stringify(request)})`, () => engine.setEmotion(request), pattern);
  }
  for (const [call, pattern] of [
    [() => engine.processClip(null, 16000), /processClip: samples must be a Float32Array/],
    [() => engine.processClip(new Float32Array(10), 'x'), /sample rate NaN is not a whole number of Hz/],
    [() => engine.processClip(new Float32Array(10), 16000, 5), /invalid options: expected an object/],
    [() => engine.processClip(new Float32Array(10), 16000, { latncy: 'live' }), /unknown field `latncy`/],
    [() => engine.processClip(new Float32Array(0), 16000), /the audio is empty/],
    [() => engine.processClip(new Float32Array([1e7]), 16000), /beyond/],
  ]) {
    rejects('processClip', call, pattern);
  }
  // The engine that saw all of this still streams.
  engine.reset();
  engine.push(new Float32Array(16_000));
  assert.equal(engine.finish().length, 30 * 52);

  engine.free();
  engine.free(); // twice: a no-op
  for (const [name, call] of [
    ['push', () => engine.push(new Float32Array(10))], ['takeFrames', () => engine.takeFrames()],
    ['finish', () => engine.finish()], ['reset', () => engine.reset()],
    ['setEmotion', () => engine.setEmotion({ emotion: 'joy', level: 3 })],
    ['processClip', () => engine.processClip(new Float32Array(10), 16000)],
    ['latency', () => engine.latency], ['lipsync', () => engine.lipsync], ['firstReadyFrame', () => engine.firstReadyFrame],
  ]) {
    rejects(`freed engine ${name}`, call, new RegExp(`Engine\\.${name}.*was freed \\(free\\(\\) was called on it\\)`));
  }
  // Freeing itself from inside a call (a getter of the request) throws, and leaves the engine freed.
  const reentrant = new Engine({ lipsync: 'fallback' });
  assert.throws(() => reentrant.setEmotion({ get emotion() { reentrant.free(); return 'joy'; }, level: 3 }), Error);
  healthy('reentrant free');
  rejects('after a reentrant free', () => reentrant.push(new Float32Array(10)), /Engine\.push\(\).*was freed/);
});

test('OnnxModel: bytes of every wrong kind, NaN and wrong-length inputs, calls after free()', () => {
  for (const [bytes, pattern] of [
    [null, /OnnxModel: bytes must be a Uint8Array \(or an ArrayBuffer\), got null/],
    ['model.onnx', /got a string/],
    [5, /got a number/],
    [[256], /bytes\[0\] is not a byte/],
    [new Uint8Array(0), /the model is empty/],
    [new Uint8Array([8, 1, 2, 3]), /cannot read the ONNX model/],
    [tinyModel.slice(0, 100), /cannot read the ONNX model/],
  ]) {
    rejects(`new OnnxModel(${bytes?.constructor?.name ?? String(bytes)})`, () => new OnnxModel(bytes), pattern);
  }
  const model = new OnnxModel(tinyModel.buffer.slice(0)); // an ArrayBuffer is fine
  const size = model.inputShapes[0].reduce((a, b) => a * b, 1);
  assert.equal(model.run(new Float32Array(size)).length > 0, true);
  rejects('run(null)', () => model.run(null), /run: input must be a Float32Array/);
  rejects('run(short)', () => model.run(new Float32Array(size - 1)), /input 0/);
  rejects('run(NaN)', () => model.run(new Float32Array(size).fill(NaN)), /NaN or infinite/);
  rejects('run(huge sparse)', () => model.run(new Array(2 ** 30)), /do not fit in the WebAssembly memory/);
  rejects('runInputs(5)', () => model.runInputs(5), /runInputs: inputs must be an array of Float32Arrays, got a number/);
  rejects('runInputs([null])', () => model.runInputs([null]), /runInputs: inputs\[0\] must be a Float32Array/);
  rejects('runInputs([])', () => model.runInputs([]), /input/);
  model.free();
  for (const [name, call] of [
    ['run', () => model.run(new Float32Array(size))], ['runInputs', () => model.runInputs([new Float32Array(size)])],
    ['inputShapes', () => model.inputShapes], ['outputShapes', () => model.outputShapes],
  ]) {
    rejects(`freed model ${name}`, call, new RegExp(`OnnxModel\\.${name}.*was freed`));
  }
});

test('LipSyncGraph: bytes of every wrong kind, a cut network, wrong inputs, calls after free()', async () => {
  const network = new Uint8Array(await readFile(new URL('models/default/lipsync.safetensors', root)));
  for (const [bytes, pattern] of [
    [null, /LipSyncGraph: bytes must be a Uint8Array \(or an ArrayBuffer\), got null/],
    [new Uint8Array(0), /the model is empty/],
    [network.slice(0, 1000), /cannot be read as safetensors/],
    [new Uint8Array([2, 0, 0, 0, 0, 0, 0, 0, 123, 125]), /has no tensor "mean"/],
  ]) {
    rejects(`new LipSyncGraph(${bytes?.constructor?.name ?? String(bytes)} ${bytes?.length})`, () => new pkg.LipSyncGraph(bytes), pattern);
  }
  const graph = new pkg.LipSyncGraph(network);
  const shapes = graph.inputShapes;
  const zeros = shapes.map((shape) => new Float32Array(shape.reduce((a, b) => a * b, 1)));
  assert.deepEqual(graph.runInputs(zeros).map((o) => o.length), graph.outputShapes.map((s) => s.reduce((a, b) => a * b, 1)));
  rejects('runInputs(5)', () => graph.runInputs(5), /runInputs: inputs must be an array of Float32Arrays, got a number/);
  rejects('runInputs(two of three)', () => graph.runInputs(zeros.slice(0, 2)), /takes 3 input\(s\), 2 given/);
  rejects('runInputs(NaN state)', () => graph.runInputs([zeros[0], zeros[1], new Float32Array([NaN])]), /input 2 contains NaN/);
  graph.free();
  rejects('freed graph runInputs', () => graph.runInputs(zeros), /LipSyncGraph\.runInputs.*was freed/);
});

test('classifyEmotion and TextClassifier: wrong types, extra fields, calls after free()', async () => {
  for (const method of ['model', 'lexicon']) {
    for (const text of [42, null, undefined, {}, '\udc00']) {
      await rejectsAsync(`classifyEmotion(${String(text)}, ${method})`, () => classifyEmotion(text, { method }), /text(: .*unpaired| must be a string)/);
    }
    await rejectsAsync(`classify options extra (${method})`, () => classifyEmotion('hi', { prev: 'x', method }), /unknown field `prev`/);
    await rejectsAsync(`classify previous 7 (${method})`, () => classifyEmotion('hi', { previous: 7, method }), /previous must be a string/);
    await rejectsAsync(`a megabyte of text (${method})`, () => classifyEmotion('x'.repeat(1e6), { method }), /1000000 characters long; at most 10000/);
  }
  await rejectsAsync('classify options 5', () => classifyEmotion('hi', 5), /invalid options: expected an object/);
  for (const text of [42, null, '\udc00', '']) {
    rejects(`lexiconEvidence(${JSON.stringify(text)})`, () => pkg.lexiconEvidence(text), /text(: .*unpaired|: is empty| must be a string)/);
  }
  rejects('lexiconEvidence previous 7', () => pkg.lexiconEvidence('hi', 7), /previous|string/);
  const evidence = pkg.lexiconEvidence('I am so happy!', 'and yesterday too');
  assert.equal(evidence.length, 16);
  assert.ok(Math.abs(evidence.reduce((a, b) => a + b, 0) - 1) < 1e-4);
  await rejectsAsync('classify method 5', () => classifyEmotion('hi', { method: 5 }), /options.method must be 'model' or 'lexicon', got 5/);

  const { model, manifest, vocab } = classifierFiles;
  for (const [args, pattern] of [
    [[], /TextClassifier: model must be a Uint8Array/],
    [[model, 5, vocab], /manifest must be a string/],
    [[model, manifest, null], /vocab must be a string/],
    [[model, '{}', vocab], /text classifier|manifest|missing/],
    [[model, manifest, ''], /vocabulary/],
    [[new Uint8Array(10), manifest, vocab], /cannot read the ONNX model/],
  ]) {
    rejects(`new TextClassifier(${args.length} args)`, () => new TextClassifier(...args), pattern);
  }
  const classifier = new TextClassifier(model, manifest, vocab);
  rejects('classify(5)', () => classifier.classify(5), /text must be a string/);
  rejects('tokenize(null)', () => classifier.tokenize(null), /text must be a string/);
  classifier.free();
  for (const [name, call] of [
    ['classify', () => classifier.classify('hi')], ['tokenize', () => classifier.tokenize('hi')],
    ['labels', () => classifier.labels], ['name', () => classifier.name],
  ]) {
    rejects(`freed classifier ${name}`, call, new RegExp(`TextClassifier\\.${name}.*was freed`));
  }
});

test('the /compat and /vrm helpers answer wrong input with named errors', async () => {
  const compat = new AnimasyncCompat();
  rejects('compat before init', () => compat.processAudio(new Float32Array(10)), /call init\(\) first/);
  await compat.init();
  for (const pcm of [null, undefined, 5, 'abc']) {
    rejects(`compat.processAudio(${String(pcm)})`, () => compat.processAudio(pcm), /processAudio: .*(Float32Array|array)/);
  }
  rejects('compat.processAudioChunk(null)', () => compat.processAudioChunk(null), /processAudioChunk: .*(Float32Array|array)/);
  rejects('compat.getFrame', () => compat.getFrame({ frame_count: 2 }, 5), /frame 5 is outside/);
  compat.dispose();
  rejects('compat after dispose', () => compat.reset(), /call init\(\) first \(or the engine was disposed\)/);

  rejects('presetWeights(null)', () => presetWeights(null), /presetWeights: expected 52 weights/);
  rejects('presetWeights(51)', () => presetWeights(new Float32Array(51)), /got 51/);
  rejects('presetWeights(NaN)', () => presetWeights(new Float32Array(52).fill(NaN)), /weight 0 \(browDownLeft\) is NaN/);
  rejects('perfectSyncCoverage({})', () => perfectSyncCoverage({}), /perfectSyncCoverage/);
  rejects('new VrmFaceDriver(null)', () => new VrmFaceDriver(null), /VrmFaceDriver/);
});
