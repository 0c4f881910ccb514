// animasync-face/vrm on real three.js and @pixiv/three-vrm avatars built in memory (no WebGL
// needed: only the scene graph, morph influences and the expression manager are exercised).
// Imports the installed package by name, as a user does. Run: node --test tests/js/vrm.test.mjs
import { test } from 'node:test';
import assert from 'node:assert/strict';

import * as THREE from 'three';
import { VRMCore, VRMExpression, VRMExpressionManager, VRMExpressionMorphTargetBind } from '@pixiv/three-vrm';

import init, { channelNames, compileExpression, PresetLibrary } from 'animasync-face';
import {
  VrmFaceDriver, presetWeights, perfectSyncCoverage, CHANNEL_NAMES, PRESET_NAMES, PERFECT_SYNC_MIN_COVERAGE,
} from 'animasync-face/vrm';

await init();

const ARKIT = channelNames();
const ch = (name) => {
  const i = ARKIT.indexOf(name);
  assert.ok(i >= 0, name);
  return i;
};
const frame = (values = {}) => {
  const w = new Float32Array(52);
  for (const [name, x] of Object.entries(values)) w[ch(name)] = x;
  return w;
};
const near = (actual, expected, tolerance, message) => assert.ok(
  Math.abs(actual - expected) <= tolerance, `${message ?? ''}: ${actual} vs ${expected} (tolerance ${tolerance})`,
);
// A deterministic frame generator (values in [0, 1]).
const seeded = (seed) => () => {
  seed = (seed * 1664525 + 1013904223) >>> 0;
  return seed / 2 ** 32;
};
const randomFrame = (random) => Float32Array.from({ length: 52 }, () => random());

// ---------------------------------------------------------------- avatars

/** A mesh with one (empty) morph target per name, named as a glTF loader names them. */
function morphMesh(names) {
  const geometry = new THREE.BufferGeometry();
  geometry.setAttribute('position', new THREE.Float32BufferAttribute(new Float32Array(9), 3));
  geometry.morphAttributes.position = names.map((name) => {
    const attribute = new THREE.Float32BufferAttribute(new Float32Array(9), 3);
    attribute.name = name;
    return attribute;
  });
  const mesh = new THREE.Mesh(geometry, new THREE.MeshBasicMaterial());
  mesh.updateMorphTargets();
  assert.equal(mesh.morphTargetInfluences.length, names.length);
  return mesh;
}

const influence = (mesh, name) => mesh.morphTargetInfluences[mesh.morphTargetDictionary[name]];

/** An expression binding morph targets (by name) of the given meshes, as the VRM loaders build them. */
function expression(name, meshes, morphs, weight = 1) {
  const e = new VRMExpression(name);
  for (const morph of morphs) {
    for (const mesh of meshes) {
      const index = mesh.morphTargetDictionary[morph];
      if (index !== undefined) e.addBind(new VRMExpressionMorphTargetBind({ primitives: [mesh], index, weight }));
    }
  }
  return e;
}

/** A VRM as three-vrm builds it (VRMCore: update() runs expressionManager.update()); no skeleton. */
function vrmOf(meshes, expressions) {
  const scene = new THREE.Group();
  for (const mesh of meshes) scene.add(mesh);
  let expressionManager = null;
  if (expressions) {
    expressionManager = new VRMExpressionManager();
    for (const e of expressions) expressionManager.registerExpression(e);
  }
  return new VRMCore({ scene, meta: { metaVersion: '1' }, humanoid: { update() {} }, expressionManager });
}

// The presets of a typical VRM, bound to non-ARKit morph targets (VRoid-style names).
const PRESET_MORPHS = Object.fromEntries(PRESET_NAMES.map((name) => [name, `Fcl_${name}`]));

/** (a) Perfect-sync through ARKit-named custom expressions: half of them spelled with a capital
 * (as VRM 0.x perfect-sync files do), the teeth on a second mesh that also has jawOpen; plus the
 * usual presets bound to the same ARKit morph targets (blink -> eyeBlink*, aa -> jawOpen). */
function perfectSyncAvatar() {
  const face = morphMesh(ARKIT);
  const teeth = morphMesh(['jawOpen', 'tongueOut']);
  const custom = ARKIT.map((name, i) => expression(i % 2 ? name[0].toUpperCase() + name.slice(1) : name, [face, teeth], [name]));
  const presets = [
    expression('blink', [face], ['eyeBlinkLeft', 'eyeBlinkRight']),
    expression('aa', [face, teeth], ['jawOpen']),
    expression('happy', [face], ['mouthSmileLeft', 'mouthSmileRight', 'cheekSquintLeft', 'cheekSquintRight']),
  ];
  return { vrm: vrmOf([face, teeth], [...custom, ...presets]), face, teeth };
}

/** (b) Presets only: the 17 presets on their own morph targets. */
function presetsAvatar() {
  const face = morphMesh(Object.values(PRESET_MORPHS));
  const presets = PRESET_NAMES.map((name) => expression(name, [face], [PRESET_MORPHS[name]]));
  return { vrm: vrmOf([face], presets), face };
}

/** (c) ARKit morph targets only, on two meshes (jawOpen on both), no expressions at all. */
function morphOnlyAvatar() {
  const face = morphMesh(ARKIT);
  const teeth = morphMesh(['jawOpen', 'tongueOut', 'unrelated']);
  return { vrm: vrmOf([face, teeth], null), face, teeth };
}

/** (d) ARKit morph targets with no ARKit expressions, but presets that bind some of them: the case
 * where three-vrm's expressionManager.update() resets the morph targets the driver writes. */
function morphWithPresetsAvatar() {
  const face = morphMesh([...ARKIT, 'Fcl_happy']);
  const presets = [
    expression('blink', [face], ['eyeBlinkLeft', 'eyeBlinkRight']),
    expression('aa', [face], ['jawOpen']),
    expression('happy', [face], ['Fcl_happy']),
  ];
  return { vrm: vrmOf([face], presets), face };
}

// ---------------------------------------------------------------- tests

test('the channel order is the package\'s', () => {
  assert.deepEqual([...CHANNEL_NAMES], ARKIT);
  assert.equal(PERFECT_SYNC_MIN_COVERAGE, 40);
});

test('detection: mode and coverage of each kind of avatar', () => {
  const a = new VrmFaceDriver(perfectSyncAvatar().vrm);
  assert.equal(a.mode, 'perfect-sync');
  assert.equal(a.coverage, 52);

  const { vrm: presetsVrm } = presetsAvatar();
  assert.equal(perfectSyncCoverage(presetsVrm), 0);
  const b = new VrmFaceDriver(presetsVrm);
  assert.equal(b.mode, 'presets');
  assert.equal(b.coverage, 0);

  const c = new VrmFaceDriver(morphOnlyAvatar().vrm);
  assert.equal(c.mode, 'perfect-sync');
  assert.equal(c.coverage, 52);

  // 30 ARKit morph targets beside the presets: below the threshold, auto takes the presets...
  const partialFace = morphMesh([...ARKIT.slice(0, 30), ...Object.values(PRESET_MORPHS)]);
  const partial = vrmOf([partialFace], PRESET_NAMES.map((name) => expression(name, [partialFace], [PRESET_MORPHS[name]])));
  assert.equal(perfectSyncCoverage(partial), 30);
  assert.equal(new VrmFaceDriver(partial).mode, 'presets');
  // ...unless perfect-sync is asked for, and then the 30 are driven.
  const forced = new VrmFaceDriver(partial, { mode: 'perfect-sync' });
  assert.equal(forced.coverage, 30);
  forced.apply(frame({ browDownLeft: 0.4 }));
  near(influence(partialFace, 'browDownLeft'), 0.4, 1e-6, 'forced perfect-sync');
  // Presets forced on an avatar with ARKit expressions work too.
  assert.equal(new VrmFaceDriver(perfectSyncAvatar().vrm, { mode: 'presets' }).mode, 'presets');
});

test('perfect-sync through expressions: after vrm.update() the morph targets equal the frame', () => {
  const { vrm, face, teeth } = perfectSyncAvatar();
  const driver = new VrmFaceDriver(vrm);
  const random = seeded(7);
  const frames = new Float32Array(2 * 52);
  frames.set(randomFrame(random), 0);
  frames.set(randomFrame(random), 52);
  driver.push(frames, 2, 10);
  const applied = driver.update(10);
  vrm.update(1 / 60);
  for (let c = 0; c < 52; c++) {
    near(applied[c], frames[c], 0, ARKIT[c]);
    near(influence(face, ARKIT[c]), frames[c], 1e-6, ARKIT[c]);
  }
  near(influence(teeth, 'jawOpen'), frames[ch('jawOpen')], 1e-6, 'teeth jawOpen');
  near(influence(teeth, 'tongueOut'), frames[ch('tongueOut')], 1e-6, 'teeth tongueOut');
  // Capitalised names were matched: e.g. browDownRight is "BrowDownRight" here.
  near(vrm.expressionManager.getValue('BrowDownRight'), frames[ch('browDownRight')], 1e-6, 'BrowDownRight');
  assert.equal(vrm.expressionManager.getExpression('animasyncFaceMorphs'), null, 'no hook needed on this path');
  // Another update() of three-vrm changes nothing (no doubling).
  vrm.update(1 / 60);
  near(influence(face, 'jawOpen'), frames[ch('jawOpen')], 1e-6, 'second vrm.update');
});

test('interpolation between frames by their timestamps; held at both ends', () => {
  const { vrm, face } = perfectSyncAvatar();
  const driver = new VrmFaceDriver(vrm);
  const random = seeded(11);
  const a = randomFrame(random);
  const b = randomFrame(random);
  const frames = new Float32Array(104);
  frames.set(a, 0);
  frames.set(b, 52);
  driver.push(frames, 2, 5, 30); // a at 5 s, b at 5 + 1/30 s

  const before = driver.update(4);
  assert.deepEqual(Array.from(before), Array.from(a), 'before the first frame: held');
  const mid = driver.update(5 + 1 / 60);
  assert.equal(mid, before, 'one array, reused');
  for (let c = 0; c < 52; c++) near(mid[c], (a[c] + b[c]) / 2, 1e-6, `midpoint ${ARKIT[c]}`);
  vrm.expressionManager.update();
  near(influence(face, 'jawOpen'), (a[ch('jawOpen')] + b[ch('jawOpen')]) / 2, 1e-6, 'midpoint applied');
  const quarter = driver.update(5 + 0.75 / 30);
  for (let c = 0; c < 52; c++) near(quarter[c], a[c] + 0.75 * (b[c] - a[c]), 1e-6, `3/4 ${ARKIT[c]}`);
  const after = driver.update(99);
  assert.deepEqual(Array.from(after), Array.from(b), 'after the last frame: held');
});

test('morph targets only: written directly, on every mesh that has the name', () => {
  const { vrm, face, teeth } = morphOnlyAvatar();
  const driver = new VrmFaceDriver(vrm);
  const w = randomFrame(seeded(3));
  driver.apply(w);
  for (let c = 0; c < 52; c++) near(influence(face, ARKIT[c]), w[c], 1e-6, ARKIT[c]);
  near(influence(teeth, 'jawOpen'), w[ch('jawOpen')], 1e-6, 'teeth jawOpen');
  near(influence(teeth, 'tongueOut'), w[ch('tongueOut')], 1e-6, 'teeth tongueOut');
  assert.equal(influence(teeth, 'unrelated'), 0);
  vrm.update(1 / 60); // no expression manager: nothing else writes
  near(influence(face, 'eyeBlinkLeft'), w[ch('eyeBlinkLeft')], 1e-6, 'after vrm.update');
});

test('morph targets also bound by presets: vrm.update() neither wipes nor doubles them', () => {
  const { vrm, face } = morphWithPresetsAvatar();
  const driver = new VrmFaceDriver(vrm);
  assert.equal(driver.mode, 'perfect-sync');
  assert.equal(driver.coverage, 52);
  const w = frame({ eyeBlinkLeft: 0.7, eyeBlinkRight: 0.2, jawOpen: 0.45, browInnerUp: 0.3 });
  driver.push(w, 1, 0);
  driver.update(0);
  for (let i = 0; i < 3; i++) {
    vrm.update(1 / 60); // clears every bound morph target, then re-applies the expressions
    near(influence(face, 'eyeBlinkLeft'), 0.7, 1e-6, `eyeBlinkLeft after vrm.update #${i}`);
    near(influence(face, 'eyeBlinkRight'), 0.2, 1e-6, `eyeBlinkRight after vrm.update #${i}`);
    near(influence(face, 'jawOpen'), 0.45, 1e-6, `jawOpen after vrm.update #${i}`);
    near(influence(face, 'browInnerUp'), 0.3, 1e-6, `browInnerUp after vrm.update #${i}`);
  }
  // A preset the application sets adds to the channel, as three-vrm adds binds.
  vrm.expressionManager.setValue('blink', 0.2);
  vrm.update(1 / 60);
  near(influence(face, 'eyeBlinkLeft'), 0.9, 1e-6, 'channel + blink preset');
  vrm.expressionManager.setValue('blink', 0);
  // dispose() returns to rest and takes the hook out of the manager.
  assert.notEqual(vrm.expressionManager.getExpression('animasyncFaceMorphs'), null);
  driver.dispose();
  assert.equal(vrm.expressionManager.getExpression('animasyncFaceMorphs'), null);
  vrm.update(1 / 60);
  assert.equal(influence(face, 'eyeBlinkLeft'), 0);
  assert.equal(influence(face, 'browInnerUp'), 0);
  assert.throws(() => driver.update(0), /disposed/);
});

test('presets: open, rounded and spread vowels', () => {
  const mouth = (p) => p.aa + p.ih + p.ou + p.ee + p.oh;
  const open = presetWeights(frame({ jawOpen: 0.8 }));
  near(open.aa, 0.8, 1e-6, 'aa follows the opening');
  for (const other of ['ih', 'ou', 'ee', 'oh']) assert.ok(open.aa > open[other], other);
  assert.ok(mouth(open) <= 1);
  const best = (p) => ['aa', 'ih', 'ou', 'ee', 'oh'].reduce((x, y) => (p[x] >= p[y] ? x : y));
  assert.equal(best(presetWeights(frame({ jawOpen: 0.1, mouthPucker: 0.7 }))), 'ou');
  assert.equal(best(presetWeights(frame({ jawOpen: 0.6, mouthFunnel: 0.6 }))), 'oh');
  assert.equal(best(presetWeights(frame({ jawOpen: 0.1, mouthStretchLeft: 0.6, mouthStretchRight: 0.6 }))), 'ih');
  assert.equal(best(presetWeights(frame({ jawOpen: 0.5, mouthStretchLeft: 0.6, mouthStretchRight: 0.6 }))), 'ee');
  // mouthClose on an open jaw closes the lips: no vowel.
  assert.equal(mouth(presetWeights(frame({ jawOpen: 0.3, mouthClose: 0.3 }))), 0);
  // Closed mouth, no vowel; and the total tracks the opening.
  assert.equal(mouth(presetWeights(frame())), 0);
  assert.ok(mouth(presetWeights(frame({ jawOpen: 0.3 }))) < mouth(presetWeights(frame({ jawOpen: 0.6 }))));
  // Property: every preset in [0, 1], the mouth presets sum to at most 1, emotions too.
  const random = seeded(5);
  for (let i = 0; i < 500; i++) {
    const p = presetWeights(randomFrame(random));
    for (const name of PRESET_NAMES) assert.ok(p[name] >= 0 && p[name] <= 1, `${name} = ${p[name]}`);
    assert.ok(mouth(p) <= 1 + 1e-9, `mouth sum ${mouth(p)}`);
    assert.ok(p.happy + p.angry + p.sad + p.relaxed + p.surprised <= 1 + 1e-9);
  }
});

test('presets: emotions, attenuated while the mouth speaks; blinks and look', () => {
  const joy = presetWeights(frame({ mouthSmileLeft: 0.8, mouthSmileRight: 0.8, cheekSquintLeft: 0.6, cheekSquintRight: 0.6 }));
  assert.ok(joy.happy > 0.5, `happy ${joy.happy}`);
  assert.equal(joy.aa + joy.ih + joy.ou + joy.ee + joy.oh, 0, 'a closed smile is no vowel');
  const talkingJoy = presetWeights(frame({ mouthSmileLeft: 0.8, mouthSmileRight: 0.8, cheekSquintLeft: 0.6, cheekSquintRight: 0.6, jawOpen: 0.8 }));
  assert.ok(talkingJoy.happy < joy.happy - 0.2, `happy while talking ${talkingJoy.happy} vs ${joy.happy}`);
  assert.ok(talkingJoy.happy > 0.2, 'the emotion still shows');
  assert.ok(talkingJoy.ee > talkingJoy.aa, 'a smiling open mouth is spread');

  // The package's own authored presets land on the matching VRM preset.
  const library = PresetLibrary.builtin();
  try {
    const expected = { joy: 'happy', anger: 'angry', sadness: 'sad', surprise: 'surprised' };
    for (const [emotion, preset] of Object.entries(expected)) {
      for (const level of [3, 5]) {
        const p = presetWeights(compileExpression(library, { emotion, level }));
        const emotions = ['happy', 'angry', 'sad', 'relaxed', 'surprised'];
        const top = emotions.reduce((x, y) => (p[x] >= p[y] ? x : y));
        assert.equal(top, preset, `${emotion} L${level}: ${JSON.stringify(p)}`);
        assert.ok(p[preset] > 0.25, `${emotion} L${level}: ${preset} ${p[preset]}`);
      }
    }
    const neutral = presetWeights(compileExpression(library, { emotion: 'neutral', level: 3 }));
    assert.ok(neutral.happy + neutral.angry + neutral.sad + neutral.relaxed + neutral.surprised < 0.2);
  } finally {
    library.free();
  }

  const blink = presetWeights(frame({ eyeBlinkLeft: 1, eyeBlinkRight: 1 }));
  assert.deepEqual([blink.blink, blink.blinkLeft, blink.blinkRight], [1, 0, 0]);
  const wink = presetWeights(frame({ eyeBlinkLeft: 0.9, eyeBlinkRight: 0.1 }));
  near(wink.blink, 0.1, 1e-6, 'common part');
  near(wink.blinkLeft, 0.8, 1e-6, 'left rest');
  assert.equal(wink.blinkRight, 0);
  const happyBlink = presetWeights(frame({ eyeBlinkLeft: 1, eyeBlinkRight: 1, mouthSmileLeft: 0.8, mouthSmileRight: 0.8, cheekSquintLeft: 0.6, cheekSquintRight: 0.6 }));
  near(happyBlink.blink, 1 - happyBlink.happy, 1e-6, 'blink gives way to happy');

  const left = presetWeights(frame({ eyeLookOutLeft: 0.6, eyeLookInRight: 0.6 }));
  near(left.lookLeft, 0.6, 1e-6, 'lookLeft');
  assert.equal(left.lookRight, 0);
  const downRight = presetWeights(frame({ eyeLookDownLeft: 0.4, eyeLookDownRight: 0.4, eyeLookInLeft: 0.5, eyeLookOutRight: 0.5 }));
  near(downRight.lookDown, 0.4, 1e-6, 'lookDown');
  near(downRight.lookRight, 0.5, 1e-6, 'lookRight');
  assert.equal(downRight.lookUp, 0);
});

test('presets path: the driver sets the preset expressions and vrm.update() shows them', () => {
  const { vrm, face } = presetsAvatar();
  const driver = new VrmFaceDriver(vrm);
  const w = frame({ jawOpen: 0.8, eyeBlinkLeft: 1, eyeBlinkRight: 1, browDownLeft: 0.9, browDownRight: 0.9 });
  driver.push(w, 1, 0);
  driver.update(0);
  vrm.update(1 / 60);
  const expected = presetWeights(w);
  for (const name of PRESET_NAMES) {
    near(vrm.expressionManager.getValue(name), expected[name], 1e-6, name);
    near(influence(face, PRESET_MORPHS[name]), expected[name], 1e-6, `${name} morph`);
  }
  assert.ok(expected.aa > 0.7 && expected.blink === 1 && expected.angry > 0, JSON.stringify(expected));
});

test('out-of-order and overlapping pushes; capacity', () => {
  const { vrm } = morphOnlyAvatar();
  const driver = new VrmFaceDriver(vrm, { capacity: 8 });
  const stream = (value, count) => new Float32Array(count * 52).fill(value);
  const jaw = ch('jawOpen');
  driver.push(stream(0.2, 6), 6, 0); // 0 .. 5/30 s
  // The stream restarts at 2/30 s (e.g. after a reset upstream): queued frames from there on go.
  driver.push(stream(0.8, 3), 3, 2 / 30);
  near(driver.update(1 / 30)[jaw], 0.2, 1e-6, 'old frames before the restart stay');
  near(driver.update(1.5 / 30)[jaw], 0.5, 1e-6, 'and blend into the new ones');
  near(driver.update(3 / 30)[jaw], 0.8, 1e-6, 'new stream replaced the old one');
  near(driver.update(10)[jaw], 0.8, 1e-6, 'held at the end');
  // A push wholly before the queue replaces it.
  driver.push(stream(0.4, 2), 2, -5);
  near(driver.update(-4)[jaw], 0.4, 1e-6, 'earlier stream');
  // Contiguous pushes interpolate across the batch boundary.
  driver.reset();
  driver.push(stream(0, 1), 1, 0);
  driver.push(stream(1, 1), 1, 1 / 30);
  near(driver.update(0.5 / 30)[jaw], 0.5, 1e-6, 'across batches');
  // More frames than the capacity: the last `capacity` stay.
  driver.reset();
  const ramp = new Float32Array(20 * 52);
  for (let k = 0; k < 20; k++) ramp.fill(k / 20, k * 52, (k + 1) * 52);
  driver.push(ramp, 20, 0);
  near(driver.update(0)[jaw], 12 / 20, 1e-6, 'oldest kept is frame 12');
  near(driver.update(19 / 30)[jaw], 19 / 20, 1e-6, 'last frame');
});

test('bad input gets a clear error and changes nothing', () => {
  const { vrm, face } = morphOnlyAvatar();
  const driver = new VrmFaceDriver(vrm);
  driver.push(frame({ jawOpen: 0.5 }), 1, 0);
  assert.throws(() => driver.push(new Float32Array(100), 2, 1), (e) => e instanceof RangeError && /100 weights but count 2 needs count x 52 = 104/.test(e.message));
  assert.throws(() => driver.push(new Float32Array(52), 1.5, 1), (e) => e instanceof RangeError && /count must be a non-negative integer/.test(e.message));
  assert.throws(() => driver.push([0.1, 0.2], 1, 1), /2 weights but count 1/);
  assert.throws(() => driver.push(undefined, 1, 1), (e) => e instanceof TypeError && /Float32Array of count x 52/.test(e.message));
  const withNaN = new Float32Array(104).fill(0.9);
  withNaN[52 + ch('mouthPucker')] = NaN;
  assert.throws(() => driver.push(withNaN, 2, 1), (e) => e instanceof RangeError && /frame 1, channel 37 \(mouthPucker\) is NaN/.test(e.message));
  assert.throws(() => driver.push(new Float32Array(52), 1, NaN), /time must be a finite number/);
  assert.throws(() => driver.push(new Float32Array(52), 1, 0, 0), /fps must be a positive number/);
  assert.throws(() => driver.update(undefined), /update: time must be a finite number/);
  assert.throws(() => driver.apply(new Float32Array(51)), /expected 52 weights .* got 51/);
  assert.throws(() => driver.apply(frame({ jawOpen: Infinity })), /weight 24 \(jawOpen\) is Infinity/);
  assert.throws(() => presetWeights(new Float32Array(53)), /presetWeights: expected 52 weights/);
  // Nothing of the rejected pushes was queued: still the one good frame.
  near(driver.update(5)[ch('jawOpen')], 0.5, 1e-6, 'queue intact');
  near(influence(face, 'jawOpen'), 0.5, 1e-6, 'avatar intact');

  assert.throws(() => new VrmFaceDriver(), (e) => e instanceof TypeError && /expected an avatar: a three-vrm VRM .*, a loaded glTF .* or a three\.js object/.test(e.message));
  assert.throws(() => new VrmFaceDriver({ expressionManager: null }), (e) => e instanceof TypeError && /has no scene/.test(e.message));
  assert.throws(() => new VrmFaceDriver(vrm, { mode: 'perfect' }), /unknown mode "perfect"/);
  assert.throws(() => new VrmFaceDriver(vrm, { mode: 'presets' }), /mode "presets" needs a three-vrm VRM with VRM presets/);
  assert.throws(() => new VrmFaceDriver(vrm, { capacity: 0 }), /capacity must be an integer >= 2/);
  assert.throws(() => new VrmFaceDriver(presetsAvatar().vrm, { mode: 'perfect-sync' }), /needs ARKit-named/);
  assert.throws(() => new VrmFaceDriver(vrmOf([new THREE.Mesh()], null)), /nothing to drive/);
  assert.throws(() => perfectSyncCoverage(null), /perfectSyncCoverage: expected an avatar/);
});

test('reset drops the frames and returns the face to rest', () => {
  for (const make of [perfectSyncAvatar, presetsAvatar, morphWithPresetsAvatar]) {
    const { vrm, face } = make();
    const driver = new VrmFaceDriver(vrm);
    const w = randomFrame(seeded(9));
    driver.push(w, 1, 0);
    driver.update(0);
    vrm.update(1 / 60);
    assert.ok(face.morphTargetInfluences.some((x) => x > 0.1), `${make.name}: moved`);
    driver.reset();
    vrm.update(1 / 60);
    assert.ok(face.morphTargetInfluences.every((x) => x === 0), `${make.name}: at rest ${face.morphTargetInfluences}`);
    assert.ok(driver.update(0).every((x) => x === 0), `${make.name}: nothing queued after reset`);
  }
});

test('a plain glTF (three.js alone, no three-vrm): the glTF, its scene or the VRM inside it are driven', () => {
  // As GLTFLoader returns a file whose meshes carry ARKit-named morph targets: `{scene, ...}`
  // with no VRM in userData. The face spreads over two meshes, as avatar services export it.
  const head = morphMesh(ARKIT.filter((name) => !name.startsWith('eye')));
  const eyes = morphMesh(ARKIT.filter((name) => name.startsWith('eye')));
  const scene = new THREE.Group();
  scene.add(head, eyes);
  const gltf = { scene, scenes: [scene], animations: [], userData: {} };
  for (const avatar of [gltf, scene]) {
    assert.equal(perfectSyncCoverage(avatar), 52);
    const driver = new VrmFaceDriver(avatar, { mode: 'perfect-sync' });
    assert.equal(driver.mode, 'perfect-sync');
    assert.equal(driver.coverage, 52);
    driver.push(frame({ jawOpen: 0.2, eyeBlinkLeft: 0.4 }), 1, 0);
    driver.push(frame({ jawOpen: 0.6, eyeBlinkLeft: 0.8 }), 1, 1 / 30);
    driver.update(1 / 60);
    near(influence(head, 'jawOpen'), 0.4, 1e-6, 'jawOpen interpolated on the head');
    near(influence(eyes, 'eyeBlinkLeft'), 0.6, 1e-6, 'eyeBlinkLeft interpolated on the eyes');
    assert.throws(() => new VrmFaceDriver(avatar, { mode: 'presets' }), /a plain glTF has no presets: use "perfect-sync"/);
    driver.dispose();
    assert.equal(influence(head, 'jawOpen'), 0, 'dispose leaves the face at rest');
  }
  // A glTF that three-vrm loaded: its VRM (with the expression manager) is what gets driven.
  const { vrm } = perfectSyncAvatar();
  const loaded = { scene: vrm.scene, userData: { vrm } };
  assert.equal(new VrmFaceDriver(loaded).coverage, perfectSyncCoverage(vrm));
});
