// The built npm package, imported by name from node_modules (installed from `npm pack`), exactly
// as a user imports it. Run: node --test tests/js/package.test.mjs
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';

import init, {
  channelNames, channelTable, emotionTaxonomy, compileModes, compileExpression, levelVad,
  PresetLibrary, OnnxModel,
} from 'animasync-face';

const root = new URL('../../', import.meta.url);
const fixture = (path) => readFile(new URL(`tests/fixtures/${path}`, root));

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
