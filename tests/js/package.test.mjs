// The built npm package, imported by name from node_modules (installed from `npm pack`), exactly
// as a user imports it. Run: node --test tests/js/package.test.mjs
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { execFileSync } from 'node:child_process';

import init, {
  channelNames, channelTable, emotionTaxonomy, compileModes, compileExpression, levelVad, frameRate,
  PresetLibrary, OnnxModel, renderScenario, Engine, classifyEmotion, loadEmotionModel, TextClassifier,
  loadOnnx, modelNeedsOnnx,
} from 'animasync-face';

import { decodeWav } from './wav.mjs';

const root = new URL('../../', import.meta.url);
const fixture = (path) => readFile(new URL(`tests/fixtures/${path}`, root));
// The built-in models' manifests (models/default is the live one): names and look-aheads are
// read from them, never assumed.
const builtinManifest = async (latency) => JSON.parse(await readFile(
  new URL(`models/${latency === 'live' ? 'default' : 'playback'}/lipsync.json`, root), 'utf8'));
/** A model's algorithmic latency at its own rate, from its manifest: (lookahead * hop + frame / 2) / rate. */
const manifestLatency = ({ input, window }) => {
  const [frame, hop] = input.kind === 'log_mel' ? [input.n_fft, input.hop_length] : [input.window, input.hop];
  return (window.lookahead * hop + frame / 2) / input.sample_rate;
};

await init();

const smileIndex = () => channelNames().indexOf('mouthSmileLeft');

test('init is idempotent', async () => {
  await init();
  await init();
  assert.equal(channelNames().length, 52);
});

test('channel names, table, taxonomy and modes', () => {
  const names = channelNames();
  assert.deepEqual(names.slice(0, 5), ['browDownLeft', 'browDownRight', 'browInnerUp', 'browOuterUpLeft', 'browOuterUpRight']);
  assert.equal(names[51], 'tongueOut');
  const table = channelTable();
  assert.equal(table.channels.length, 52);
  assert.equal(table.channels.find((c) => c.name === 'jawOpen').class, 'lipsync');
  assert.equal(table.channels.find((c) => c.name === 'mouthSmileLeft').mirror, 'mouthSmileRight');
  const taxonomy = emotionTaxonomy();
  assert.equal(taxonomy.emotions.length, 16);
  assert.equal(taxonomy.emotions.filter((e) => e.family === e.id).length, 5);
  assert.deepEqual(compileModes(), ['expressive', 'archetype', 'parametric', 'overlay-e']);
  const anchor = taxonomy.emotions.find((e) => e.id === 'joy').vad[2];
  assert.deepEqual(Array.from(levelVad('joy', 3), (x) => Math.fround(x)), anchor.map(Math.fround));
});

test('the frame rate is the one every result reports', () => {
  assert.equal(frameRate(), 30);
  const engine = new Engine();
  const clip = engine.processClip(new Float32Array(16000), 16000);
  assert.equal(clip.fps, frameRate());
  engine.free();
});

test('the built-in library round-trips exactly and matches data/presets.json', async () => {
  const library = PresetLibrary.builtin();
  try {
    const text = library.toJson();
    assert.equal(text, await readFile(new URL('data/presets.json', root), 'utf8'));
    const again = PresetLibrary.fromJson(text);
    assert.equal(again.toJson(), text);
    assert.equal(again.size, 48);
    assert.equal(library.emotions().length, 16);
    assert.deepEqual(Array.from(library.levels('joy')), [1, 3, 5]);
    again.free();
  } finally {
    library.free();
  }
});

test('compile gives 52 weights in [0, 1]; the anchor gives the preset', () => {
  const library = PresetLibrary.builtin();
  const weights = compileExpression(library, { emotion: 'joy', level: 5 });
  assert.ok(weights instanceof Float32Array);
  assert.equal(weights.length, 52);
  assert.deepEqual(weights, library.preset('joy', 5));
  assert.equal(weights[smileIndex()], Math.fround(0.9));
  for (const mode of compileModes()) {
    const w = compileExpression(library, { emotion: 'fear', vad: [-0.6, 0.7, -0.5], mode });
    assert.ok(w.every((x) => Number.isFinite(x) && x >= 0 && x <= 1), mode);
  }
  // A continuous level between L3 and L5 lies between the presets.
  const mid = compileExpression(library, { emotion: 'joy', level: 4 })[smileIndex()];
  assert.ok(mid > 0.6 && mid < 0.9, String(mid));
  library.free();
});

test('bad input throws a clear error and leaves the instance usable', () => {
  const library = PresetLibrary.builtin();
  const throwsWith = (fn, pattern) => assert.throws(fn, (e) => e instanceof Error && pattern.test(e.message));
  throwsWith(() => compileExpression(library, { emotion: 'happy', level: 3 }), /unknown emotion "happy"/);
  throwsWith(() => compileExpression(library, { emotion: 'joy' }), /exactly one of `level` or `vad`/);
  throwsWith(() => compileExpression(library, { emotion: 'joy', level: 3, vad: [0, 0, 0] }), /exactly one/);
  throwsWith(() => compileExpression(library, { emotion: 'joy', level: NaN }), /level NaN/);
  throwsWith(() => compileExpression(library, { emotion: 'joy', level: 7 }), /\[1, 5\]/);
  throwsWith(() => compileExpression(library, { emotion: 'joy', vad: [0, 2, 0] }), /arousal 2/);
  throwsWith(() => compileExpression(library, { emotion: 'joy', vad: [0, 0] }), /invalid compile request/);
  throwsWith(() => compileExpression(library, { emotion: 'joy', level: '3' }), /invalid compile request/);
  throwsWith(() => compileExpression(library, { emotion: 'joy', level: 3, mode: 'fancy' }), /unknown compile mode "fancy"/);
  throwsWith(() => compileExpression(library, { emotion: 'joy', levle: 3 }), /unknown field `levle`/);
  throwsWith(() => compileExpression(library, null), /invalid compile request/);
  throwsWith(() => PresetLibrary.fromJson('{"schema": '), /EOF while parsing/);
  throwsWith(() => PresetLibrary.fromJson(library.toJson().replace('"mouthSmileLeft": 0.3,', '"mouthSmileLeft": 1.3,')), /presets\.joy\.L1\.mouthSmileLeft: value 1\.3 is outside \[0, 1\]/);
  throwsWith(() => levelVad('joy', 0), /level 0/);
  // After all of that the module still works.
  assert.equal(compileExpression(library, { emotion: 'joy', level: 1 })[smileIndex()], Math.fround(0.3));
  library.free();
});

test('a rejected preset edit changes nothing', () => {
  const library = PresetLibrary.builtin();
  const before = library.toJson();
  const weights = library.preset('anger', 3);
  weights[0] = NaN;
  assert.throws(() => library.setPreset('anger', 3, weights), /presets\.anger\.L3\.browDownLeft: value is not a finite number/);
  assert.throws(() => library.setPreset('anger', 2, library.preset('anger', 3)), /L2/);
  assert.throws(() => library.setPreset('anger', 3, new Float32Array(51)), /expected 52 weights, found 51/);
  assert.throws(() => library.preset('anger', 3.5), /not an integer level/);
  assert.equal(library.toJson(), before);
  const edited = library.preset('anger', 3);
  edited[0] = 0.25;
  library.setPreset('anger', 3, edited);
  assert.equal(library.preset('anger', 3)[0], 0.25);
  assert.ok(library.removePreset('anger', 3));
  assert.equal(library.preset('anger', 3), undefined);
  library.free();
});

test('the ONNX module loads on demand: the built-in models run without it, ONNX asks for it', async () => {
  // Nothing in this process has loaded the ONNX module yet.
  const { samples, sampleRate } = decodeWav(await fixture('speech16k.wav'));
  const moving = (clip) => Math.max(...clip.blendshapes) > 0.2;
  const builtin = new Engine({ sampleRate });
  try {
    assert.ok(moving(builtin.processClip(samples, sampleRate)), 'the built-in live model moves the mouth');
  } finally {
    builtin.free();
  }
  const energy = await fixture('energy_lipsync.onnx');
  const energyManifest = await readFile(new URL('tests/fixtures/energy_lipsync.json', root), 'utf8');
  const network = await readFile(new URL('models/default/lipsync.safetensors', root));
  assert.equal(modelNeedsOnnx(energy), true);
  assert.equal(modelNeedsOnnx(network), false);
  assert.throws(() => new OnnxModel(energy), /new OnnxModel: this needs the package's ONNX module.*`await loadOnnx\(\)` first/);
  assert.throws(() => new Engine({ sampleRate, model: energy, manifest: energyManifest }), /await loadOnnx\(\)/);
  assert.equal(energy instanceof OnnxModel, false);
  // The built-in network given as a model of one's own runs in the core module too.
  const own = new Engine({ sampleRate, model: network, manifest: JSON.stringify(await builtinManifest('live')) });
  try {
    assert.ok(moving(own.processClip(samples, sampleRate)));
  } finally {
    own.free();
  }
  await assert.rejects(loadOnnx(undefined, { onProgress: 3 }), /loadOnnx: options.onProgress must be a function/);
  const reports = [];
  await loadOnnx(undefined, { onProgress: (r) => reports.push(r) });
  const size = (await readFile(new URL('pkg/animasync_face_onnx_bg.wasm', root))).length;
  assert.deepEqual(reports.at(-1), { loaded: size, total: size });
  await loadOnnx(); // once: later calls share the load
  const model = new OnnxModel(await fixture('tiny_mlp.onnx'));
  assert.ok(model instanceof OnnxModel);
  model.free();
  const engine = new Engine({ sampleRate, model: energy, manifest: energyManifest });
  assert.equal(engine.lipsync, 'energy-lipsync (test)');
  engine.free();
});

test('tract runs an ONNX model inside the package and matches numpy', async () => {
  const golden = JSON.parse(await fixture('tiny_mlp.json'));
  const model = new OnnxModel(await fixture('tiny_mlp.onnx'));
  try {
    assert.deepEqual(model.inputShapes, [[1, 16]]);
    assert.deepEqual(model.outputShapes, [[1, 8]]);
    const out = model.run(Float32Array.from(golden.input));
    assert.equal(out.length, 8);
    out.forEach((y, i) => assert.ok(Math.abs(y - golden.output[i]) < 1e-5, `${i}: ${y} vs ${golden.output[i]}`));
    assert.throws(() => model.run(new Float32Array(3)), /needs 16 values/);
  } finally {
    model.free();
  }
  assert.throws(() => new OnnxModel(new Uint8Array([1, 2, 3, 4])), /model: cannot read the ONNX model/);
  assert.throws(() => new OnnxModel(new Uint8Array()), /empty/);
  const symbolic = await fixture('symbolic_batch.onnx');
  assert.throws(() => new OnnxModel(symbolic), /symbolic shape/);
});

// ---------------------------------------------------------------- the temporal layer

const scenarioText = async (id) => readFile(new URL(`www/scenarios/${id}.json`, root), 'utf8');
const scenarioAudio = async (id) => {
  const scenario = JSON.parse(await scenarioText(id));
  return Promise.all(scenario.turns.map(async (turn) => (turn.audio
    ? decodeWav(await readFile(new URL(`www/scenarios/${turn.audio}`, root)))
    : null)));
};

test('renderScenario in WebAssembly gives the frames the native CLI rendered', async () => {
  const golden = JSON.parse(await readFile(new URL('tests/golden/arc-monologue.render.json', root), 'utf8'));
  const library = PresetLibrary.builtin();
  // Rendered with the live model, as tests/golden/make_golden.py renders it.
  const result = renderScenario(library, await scenarioText('arc-monologue'), { audio: await scenarioAudio('arc-monologue'), latency: 'live' });
  library.free();
  assert.equal(result.fps, 30);
  assert.equal(result.regime, 'monologue');
  assert.equal(result.frameCount, golden.frame_count);
  assert.deepEqual(result.turns, golden.turns.map((t) => ({ startFrame: t.start_frame, endFrame: t.end_frame })));
  assert.equal(result.blendshapes.length, result.frameCount * 52);
  assert.equal(result.vad.length, result.frameCount * 3);
  assert.equal(result.speech.length, result.frameCount);
  assert.equal(result.lipsync, (await builtinManifest('live')).name);
  assert.ok(result.latency > 0);
  let worst = 0;
  golden.frames.forEach((frame, k) => {
    const f = k * golden.step;
    frame.forEach((w, c) => { worst = Math.max(worst, Math.abs(result.blendshapes[f * 52 + c] - w)); });
  });
  assert.ok(worst < 1e-4, `largest difference from the native render: ${worst}`);
  assert.ok(result.speech.some((g) => g === 1) && result.speech.some((g) => g === 0));
});

test('renderScenario takes every smoothing set and custom values', async () => {
  const library = PresetLibrary.builtin();
  const text = await scenarioText('dialogue-reactions');
  const audio = await scenarioAudio('dialogue-reactions');
  const monologue = JSON.stringify({ ...JSON.parse(text), regime: 'monologue' });
  const frames = {};
  for (const smoothing of ['current', 'middle', 'none']) {
    const r = renderScenario(library, monologue, { smoothing, audio, seed: 3 });
    frames[smoothing] = r.blendshapes;
    assert.ok(r.blendshapes.every((w) => w >= 0 && w <= 1));
  }
  assert.notDeepEqual(frames.current, frames.middle);
  assert.notDeepEqual(frames.current, frames.none);
  const custom = renderScenario(library, monologue, { smoothing: { gamma: 0.3, beta: 0.7, sigmaFrames: 30, fadeFrames: 96 }, audio, seed: 3 });
  assert.deepEqual(custom.blendshapes, frames.current);
  assert.deepEqual(custom.smoothing, { gamma: Math.fround(0.3), beta: Math.fround(0.7), sigmaFrames: 30, fadeFrames: 96 });
  // Single values replace the chosen set's own, as the CLI's --smoothing SET --gamma X does.
  assert.deepEqual(renderScenario(library, monologue, { smoothing: { set: 'middle' }, audio, seed: 3 }).blendshapes, frames.middle);
  const middleGamma = renderScenario(library, monologue, { smoothing: { set: 'middle', gamma: 0.3 }, audio, seed: 3 });
  assert.deepEqual(middleGamma.smoothing, { gamma: Math.fround(0.3), beta: Math.fround(0.7), sigmaFrames: 25, fadeFrames: 72 });
  assert.notDeepEqual(middleGamma.blendshapes, frames.middle);
  assert.deepEqual(renderScenario(library, monologue, { smoothing: { sigmaFrames: 0 }, audio, seed: 3 }).smoothing,
    { gamma: Math.fround(0.3), beta: Math.fround(0.7), sigmaFrames: 0, fadeFrames: 96 });
  // Same seed, same frames; the eyes follow the seed.
  assert.deepEqual(renderScenario(library, monologue, { audio, seed: 3 }).blendshapes, frames.current);
  assert.notDeepEqual(renderScenario(library, monologue, { audio, seed: 4 }).blendshapes, frames.current);
  library.free();
});

test('renderScenario rejects bad scenarios and options with clear errors', async () => {
  const library = PresetLibrary.builtin();
  const text = await scenarioText('arc-monologue');
  const audio = await scenarioAudio('arc-monologue');
  const throwsWith = (fn, pattern) => assert.throws(fn, (e) => e instanceof Error && pattern.test(e.message), String(pattern));
  throwsWith(() => renderScenario(library, text), /names audio "arc-monologue-1\.wav" but none was given/);
  throwsWith(() => renderScenario(library, text, { audio: audio.slice(1) }), /`audio` has 2 entries for 3 turns/);
  throwsWith(() => renderScenario(library, text, { audio, smoothing: 'smooth' }), /unknown set "smooth"/);
  throwsWith(() => renderScenario(library, text, { audio, smoothing: { gamma: 0, beta: 0.7, sigmaFrames: 30, fadeFrames: 96 } }), /gamma 0 is not in \(0, 1\]/);
  throwsWith(() => renderScenario(library, text, { audio, smoothing: { gamma: 0.3, beta: 'soft' } }), /`beta` must be a number/);
  throwsWith(() => renderScenario(library, text, { audio, smoothing: { set: 'smooth', gamma: 0.3 } }), /unknown set "smooth"/);
  throwsWith(() => renderScenario(library, text, { audio, smoothing: { set: 2 } }), /`set` must be a string/);
  throwsWith(() => renderScenario(library, text, { audio, smoothing: 5 }), /smoothing.*must be "current", "middle", "none" or \{set\?/);
  throwsWith(() => new Engine({ sampleRate: 48000, smoothing: true }), /smoothing.*must be "current", "middle", "none" or \{set\?/);
  throwsWith(() => renderScenario(library, text, { audio, smoothing: { fadeFrames: 2.5 } }), /`fadeFrames` must be an integer/);
  throwsWith(() => renderScenario(library, text, { audio, sed: 1 }), /unknown field `sed`/);
  throwsWith(() => renderScenario(library, text, { audio, seed: -1 }), /`seed` must be a non-negative integer/);
  const nan = audio.map((a) => a && { samples: Float32Array.from(a.samples), sampleRate: a.sampleRate });
  nan[1].samples[100] = NaN;
  throwsWith(() => renderScenario(library, text, { audio: nan }), /audio\[1\]: audio: sample 100 is NaN/);
  throwsWith(() => renderScenario(library, text, { audio: audio.map((a) => a && { ...a, sampleRate: 4000 }) }), /4000 Hz/);
  throwsWith(() => renderScenario(library, '{"id": "x", "regime": "monologue", "turns": [{"emotion": "joy", "level": 3}]}'), /scenario\.turns\[0\]: missing "duration"/);
  throwsWith(() => renderScenario(library, '{"id": "x"'), /EOF while parsing/);
  throwsWith(() => renderScenario(library, text, { audio, latency: 'slow' }), /invalid options: unknown latency "slow" \(expected "live" or "playback"\)/);
  throwsWith(() => renderScenario(library, text, { audio, lipsync: 'fallback', latency: 'live' }), /a latency \("live"\) picks one of the built-in models and cannot go with the fallback/);
  // Still usable.
  assert.equal(renderScenario(library, '{"id": "x", "regime": "dialogue", "turns": [{"emotion": "joy", "level": 3, "duration": 1}]}').frameCount, 30);
  library.free();
});

// ---------------------------------------------------------------- the streaming engine

test('Engine streams any chunk sizes into the same frames as a whole clip', async () => {
  const model = await fixture('energy_lipsync.onnx');
  const manifest = await readFile(new URL('tests/fixtures/energy_lipsync.json', root), 'utf8');
  const { samples, sampleRate } = decodeWav(await fixture('speech16k.wav'));
  const engine = new Engine({ sampleRate, model, manifest, seed: 5 });
  try {
    assert.equal(engine.lipsync, 'energy-lipsync (test)');
    assert.ok(Math.abs(engine.latency - 0.036) < 1e-9, String(engine.latency));
    engine.setEmotion({ emotion: 'joy', level: 3 });
    const clip = engine.processClip(samples, sampleRate);
    assert.equal(clip.fps, 30);
    assert.equal(clip.names.length, 52);
    assert.equal(clip.frameCount, Math.ceil(samples.length * 30 / sampleRate));
    assert.equal(clip.blendshapes.length, clip.frameCount * 52);
    // The same audio pushed in uneven chunks.
    engine.setEmotion({ emotion: 'joy', level: 3 });
    const parts = [];
    let at = 0;
    for (let k = 0; at < samples.length; k++) {
      const n = [1, 128, 333, 2048, 7][k % 5];
      engine.push(samples.subarray(at, at + n));
      parts.push(engine.takeFrames());
      at += n;
    }
    parts.push(engine.finish());
    const streamed = new Float32Array(parts.reduce((sum, p) => sum + p.length, 0));
    let offset = 0;
    for (const p of parts) { streamed.set(p, offset); offset += p.length; }
    assert.deepEqual(streamed, clip.blendshapes);
    // The mouth opens in speech (the fixture model is loudness-driven).
    const jaw = channelNames().indexOf('jawOpen');
    const opening = Array.from({ length: clip.frameCount }, (_, f) => clip.blendshapes[f * 52 + jaw]);
    assert.ok(opening.filter((j) => j > 0.9).length > clip.frameCount / 3);
  } finally {
    engine.free();
  }
});

test('Engine: setEmotion reaches a model with an emotion input', async () => {
  // The fixture's mouthPucker is 0.5 + 0.25 v + 0.125 a + 0.0625 d of the VAD point it is given.
  const model = await fixture('emotion_lipsync.onnx');
  const manifest = await readFile(new URL('tests/fixtures/emotion_lipsync.json', root), 'utf8');
  const { samples, sampleRate } = decodeWav(await fixture('speech16k.wav'));
  const pucker = channelNames().indexOf('mouthPucker');
  const engine = new Engine({ sampleRate, model, manifest, eyeMotion: false });
  try {
    // Frames where the speech gate is fully open show the model's own value.
    const framesAt = (value) => {
      const clip = engine.processClip(samples, sampleRate);
      return Array.from({ length: clip.frameCount }, (_, f) => clip.blendshapes[f * 52 + pucker])
        .filter((p) => Math.abs(p - value) < 1e-6).length;
    };
    assert.ok(framesAt(0.51875) > 30, 'neutral at level 1: (0.05, 0.05, 0)');
    engine.setEmotion({ emotion: 'joy', vad: [0.5, 0.5, 0.5] });
    assert.ok(framesAt(0.71875) > 30);
    engine.setEmotion({ emotion: 'sadness', vad: [-0.5, -0.5, -0.5] });
    assert.ok(framesAt(0.28125) > 30);
  } finally {
    engine.free();
  }
});

test('Engine rejects bad options and input with clear errors, and keeps working', async () => {
  const live = await builtinManifest('live');
  const throwsWith = (fn, pattern) => assert.throws(fn, (e) => e instanceof Error && pattern.test(e.message), String(pattern));
  throwsWith(() => new Engine({ sampleRate: 4000 }), /4000 Hz/);
  throwsWith(() => new Engine({ sampleRat: 16000 }), /unknown field `sampleRat`/);
  throwsWith(() => new Engine({ model: new Uint8Array([1, 2, 3]) }), /`model` and `manifest` go together/);
  throwsWith(() => new Engine({ smoothing: 'smooth' }), /unknown set "smooth"/);
  throwsWith(() => new Engine({ presets: '{"schema": 1}' }), /presets/);
  throwsWith(() => new Engine({ lipsync: 'none' }), /`lipsync` must be "default"/);
  const fallback = new Engine({ lipsync: 'fallback' });
  assert.equal(fallback.lipsync, 'signal');
  fallback.free();
  const engine = new Engine({ sampleRate: 48000, smoothing: 'middle' });
  try {
    assert.equal(engine.lipsync, live.name); // a stream is live by default
    throwsWith(() => engine.setEmotion({ emotion: 'glee', level: 3 }), /unknown emotion "glee"/);
    throwsWith(() => engine.setEmotion({ emotion: 'joy' }), /exactly one of `level` or `vad`/);
    throwsWith(() => engine.setEmotion({ emotion: 'joy', vad: [0, 5, 0] }), /arousal 5/);
    const chunk = new Float32Array(4800);
    chunk[10] = NaN;
    throwsWith(() => engine.push(chunk), /sample 10 of the chunk is NaN/);
    throwsWith(() => engine.processClip(new Float32Array(0), 48000), /empty/);
    throwsWith(() => engine.processClip(new Float32Array(10), 3000), /3000 Hz/);
    chunk[10] = 0;
    // 100 ms of audio: two frames are complete once the model's 36 ms look-ahead has arrived.
    assert.equal(engine.push(chunk), 2);
    assert.equal(engine.takeFrames().length, 2 * 52);
    assert.equal(engine.firstReadyFrame, 2);
  } finally {
    engine.free();
  }
});

test('latency picks a built-in model: live for an Engine, playback for clips and renderScenario', async () => {
  const manifests = { live: await builtinManifest('live'), playback: await builtinManifest('playback') };
  assert.ok(manifestLatency(manifests.playback) >= manifestLatency(manifests.live));
  // Each reports its manifest's latency (at the model's own rate: no resampling).
  for (const latency of ['live', 'playback']) {
    const { input, name } = manifests[latency];
    const engine = new Engine({ sampleRate: input.sample_rate, latency });
    assert.ok(Math.abs(engine.latency - manifestLatency(manifests[latency])) < 1e-9, `${latency}: ${engine.latency}`);
    assert.equal(engine.lipsync, name);
    engine.free();
  }
  const { samples, sampleRate } = decodeWav(await fixture('speech16k.wav'));
  const frameCount = Math.ceil(samples.length * 30 / sampleRate);
  const engine = new Engine({ sampleRate }); // default: live
  const playback = new Engine({ sampleRate, latency: 'playback' });
  try {
    assert.equal(engine.lipsync, manifests.live.name);
    // A whole clip reads with the playback model, whatever the engine's latency: the frames a
    // playback engine gives, and of the right count.
    const clip = engine.processClip(samples, sampleRate);
    assert.equal(clip.frameCount, frameCount);
    assert.equal(clip.blendshapes.length, frameCount * 52);
    assert.equal(clip.lipsync, manifests.playback.name);
    assert.equal(clip.latency, playback.latency);
    assert.deepEqual(clip.blendshapes, playback.processClip(samples, sampleRate).blendshapes);
    // Asked for live, the live model reads it: the frames of the engine's own stream.
    const liveClip = engine.processClip(samples, sampleRate, { latency: 'live' });
    assert.equal(liveClip.frameCount, frameCount);
    assert.equal(liveClip.latency, engine.latency);
    assert.equal(liveClip.lipsync, manifests.live.name);
    engine.push(samples);
    const streamed = new Float32Array([...engine.takeFrames(), ...engine.finish()]);
    assert.deepEqual(streamed, liveClip.blendshapes);
    assert.deepEqual(playback.processClip(samples, sampleRate, { latency: 'live' }).blendshapes, liveClip.blendshapes);
    const jaw = channelNames().indexOf('jawOpen');
    assert.ok(clip.blendshapes.some((w, i) => i % 52 === jaw && w > 0.2), 'the mouth opens');
  } finally {
    engine.free();
    playback.free();
  }
  // renderScenario: playback by default, live when asked.
  const library = PresetLibrary.builtin();
  const text = await scenarioText('dialogue-reactions');
  const audio = await scenarioAudio('dialogue-reactions');
  const offline = renderScenario(library, text, { audio });
  const asLive = renderScenario(library, text, { audio, latency: 'live' });
  assert.equal(offline.lipsync, manifests.playback.name);
  assert.equal(asLive.lipsync, manifests.live.name);
  assert.ok(offline.latency >= asLive.latency);
  assert.equal(asLive.frameCount, offline.frameCount);
  assert.deepEqual(renderScenario(library, text, { audio, latency: 'playback' }).blendshapes, offline.blendshapes);
  library.free();
});

test('latency: a bad value, or a latency with your own model or the fallback, is a clear error', async () => {
  const throwsWith = (fn, pattern) => assert.throws(fn, (e) => e instanceof Error && pattern.test(e.message), String(pattern));
  const model = await fixture('energy_lipsync.onnx');
  const manifest = await readFile(new URL('tests/fixtures/energy_lipsync.json', root), 'utf8');
  throwsWith(() => new Engine({ latency: 'fast' }), /invalid options: unknown latency "fast" \(expected "live" or "playback"\)/);
  throwsWith(() => new Engine({ latency: 'Live' }), /unknown latency "Live"/);
  throwsWith(() => new Engine({ latency: 40 }), /`latency` must be "live" or "playback"/);
  for (const latency of ['live', 'playback']) {
    throwsWith(() => new Engine({ model, manifest, latency }),
      new RegExp(`a latency \\("${latency}"\\) picks one of the built-in models and cannot go with a model of your own, whose manifest states its look-ahead`));
  }
  throwsWith(() => new Engine({ lipsync: 'fallback', latency: 'live' }), /cannot go with the fallback/);
  throwsWith(() => new Engine({ lipsync: 'fallback', model, manifest }), /a model and the fallback exclude each other/);
  const { samples, sampleRate } = decodeWav(await fixture('speech16k.wav'));
  const own = new Engine({ sampleRate, model, manifest });
  try {
    // A clip on an engine with your model reads with it; a latency is refused there too.
    throwsWith(() => own.processClip(samples, sampleRate, { latency: 'playback' }), /picks one of the built-in models/);
    const clip = own.processClip(samples, sampleRate);
    assert.equal(clip.lipsync, 'energy-lipsync (test)');
    assert.equal(clip.latency, own.latency);
    throwsWith(() => own.processClip(samples, sampleRate, { latncy: 'live' }), /unknown field `latncy`/);
    throwsWith(() => own.processClip(samples, sampleRate, { latency: 'fast' }), /unknown latency "fast"/);
  } finally {
    own.free();
  }
});

test('classifyEmotion: the trained classifier by default, the lexicon on request, bad text refused', async () => {
  // The default: the built-in trained classifier, read from the package (text-emotion/).
  await loadEmotionModel();
  const joy = await classifyEmotion("I'm so happy to see you!!");
  assert.equal(joy.emotion, 'joy');
  assert.ok(joy.level >= 1 && joy.level <= 5, JSON.stringify(joy));
  assert.ok(joy.vad[0] > 0, JSON.stringify(joy));
  assert.equal(Object.keys(joy.scores).length, 16);
  assert.ok(Math.abs(Object.values(joy.scores).reduce((a, b) => a + b, 0) - 1) < 0.01);
  assert.equal(joy.confidence, joy.scores.joy);
  assert.equal((await classifyEmotion('너무 무서워요')).emotion, 'fear');
  assert.equal((await classifyEmotion('The meeting starts at three.')).emotion, 'neutral');
  // The same answers as the CLI's default (the same model through the same slot, natively;
  // scripts/test.sh builds the CLI before the package tests), up to float rounding.
  const args = ['The seat was empty the whole time.', { previous: 'I miss her so much, since the funeral.' }];
  const cli = JSON.parse(execFileSync(new URL('target/debug/animasync-face', root).pathname,
    ['emotion', args[0], '--previous', args[1].previous]));
  const same = await classifyEmotion(...args);
  assert.equal(same.emotion, cli.emotion);
  assert.equal(same.level, cli.level);
  for (const [id, score] of Object.entries(cli.scores)) assert.ok(Math.abs(same.scores[id] - score) <= 0.002, id);

  // method: 'lexicon', the rules inside the module.
  const lexicon = (text, options = {}) => classifyEmotion(text, { ...options, method: 'lexicon' });
  assert.equal((await lexicon("I'm so happy to see you!!")).emotion, 'joy');
  const line = 'The seat was empty the whole time.';
  assert.equal((await lexicon(line)).emotion, 'neutral');
  assert.notEqual((await lexicon(line, { previous: 'I miss her so much, since the funeral.' })).emotion, 'neutral');
  assert.equal((await lexicon('\uD83D\uDE02')).emotion, 'amusement');

  // Bad text: the same messages from either method.
  for (const method of ['model', 'lexicon']) {
    const rejectsWith = (call, pattern) => assert.rejects(call, (e) => e instanceof Error && pattern.test(e.message), String(pattern));
    const with_ = (options = {}) => ({ ...options, method });
    await rejectsWith(classifyEmotion('', with_()), /text: is empty/);
    await rejectsWith(classifyEmotion('ha '.repeat(5000), with_()), /15000 characters.*sentence by sentence/);
    await rejectsWith(classifyEmotion('broken \uD83D emoji', with_()), /text: contains an unpaired UTF-16 surrogate/);
    await rejectsWith(classifyEmotion('fine', with_({ previous: '\uDE00' })), /previous: contains an unpaired UTF-16 surrogate/);
    await rejectsWith(classifyEmotion(42, with_()), /text must be a string/);
    await rejectsWith(classifyEmotion('fine', with_({ previus: 'x' })), /unknown field `previus`/);
  }
  await assert.rejects(classifyEmotion('fine', { method: 'rules' }), /options.method must be 'model' or 'lexicon', got 'rules'/);
});

test('TextClassifier: an ONNX classifier plugs in with its manifest and vocabulary', async () => {
  // The bag-of-pieces model the Rust tests build (tests/support/text_classifier.rs).
  const [model, manifest, vocab] = await Promise.all([
    fixture('text_classifier.onnx'),
    fixture('text_classifier.json').then(String),
    fixture('text_classifier.vocab.txt').then(String),
  ]);
  const classifier = new TextClassifier(model, manifest, vocab);
  try {
    assert.equal(classifier.name, 'test-bag-of-pieces');
    assert.deepEqual(classifier.labels, ['neutral', 'joy', 'sadness', 'anger', 'fear']);
    assert.deepEqual(classifier.tokenize('정말 행복해!'), ['정말', '행복', '##해', '!']);
    const happy = classifier.classify('I am so happy!');
    assert.equal(happy.emotion, 'joy');
    assert.ok(happy.vad[0] > 0.5, JSON.stringify(happy));
    assert.equal(Object.keys(happy.scores).length, 16);
    assert.equal(happy.scores.awe, 0);
    assert.equal(classifier.classify('the').emotion, 'neutral');
    assert.equal(classifier.classify('the', { previous: 'I am so happy' }).emotion, 'joy');

    const throwsWith = (fn, pattern) => assert.throws(fn, (e) => e instanceof Error && pattern.test(e.message), String(pattern));
    throwsWith(() => classifier.classify(''), /text: is empty/);
    throwsWith(() => classifier.classify('sad \uD83D'), /unpaired UTF-16 surrogate/);
    throwsWith(() => classifier.classify('sad', { previous: 7 }), /previous must be a string/);
    const edited = (edit) => { const m = JSON.parse(manifest); edit(m); return JSON.stringify(m); };
    throwsWith(() => new TextClassifier(model, edited((m) => { m.outputs.emotion.labels.push('awe'); }), vocab),
      /has 5 values; the manifest names 6 labels/);
    throwsWith(() => new TextClassifier(model, edited((m) => { m.outputs.emotion.labels[1] = 'happy'; }), vocab),
      /unknown emotion "happy"/);
    throwsWith(() => new TextClassifier(model, manifest, vocab.replace('[CLS]\n', '')), /no classify token "\[CLS\]"/);
    throwsWith(() => new TextClassifier(new Uint8Array([1, 2, 3]), manifest, vocab), /cannot read the ONNX model/);
    throwsWith(() => new TextClassifier(model, manifest, vocab + '\uDC00\n'), /vocab: contains an unpaired UTF-16 surrogate/);
    throwsWith(() => new TextClassifier(model, manifest.replace('bag', '\uD800bag'), vocab), /manifest: contains an unpaired/);
    throwsWith(() => new TextClassifier(model, JSON.parse(manifest), vocab), /manifest must be a string/);
    throwsWith(() => classifier.classify('happy '.repeat(2000)), /is 12000 characters long; at most 10000 are read at once/);
  } finally {
    classifier.free();
  }
});
