// animasync-face/vrm: applies animasync-face frames (the 52 ARKit weights, canonical order) to a
// three-vrm avatar, or to any glTF/GLB whose morph targets carry ARKit names (the kind avatar
// services export) loaded with three.js alone. Plain ES module, no build step and no import of
// three or @pixiv/three-vrm: the avatar is reached only through the members typed as `VrmLike`
// and `SceneLike` in vrm.d.ts.
//
// Two ways to drive a face:
// - perfect-sync: each of the 52 channels drives its own shape, through an ARKit-named custom
//   expression (`expressionManager.setValue`) when the avatar has one, else by writing the
//   ARKit-named morph targets of every mesh in `vrm.scene` that has them;
// - presets: only the VRM presets exist; `presetWeights` maps the 52 weights onto them.
//
// What three-vrm 3.5.5 does with morph targets (read in @pixiv/three-vrm's lib, VRMExpressionManager
// and VRMExpressionMorphTargetBind), and why the morph path is written the way it is:
//   `vrm.update(delta)` -> `expressionManager.update()`, which first calls `clearAppliedWeight()` on
//   every expression (each morph-target bind sets its influence to 0, whatever the expression's
//   weight), then `applyWeight()` on every expression (each bind *adds* `bind.weight * weight`).
//   So morph targets that no expression binds are never touched by three-vrm: the driver's direct
//   writes stay. But a morph target that some expression binds (typically eyeBlinkLeft/Right bound
//   by the `blink` preset, jawOpen by `aa`) is reset to 0 on every `vrm.update()`, which would wipe a
//   direct write made before it. For those morph targets only, the driver registers one extra
//   expression object in the manager whose `applyWeight` adds the channel's weight after the clear
//   (its own `clearAppliedWeight` does nothing; the binding expressions already clear). The result
//   after `vrm.update()` is channel weight + the presets' own contributions (three-vrm's additive
//   rule, no doubling), and without `vrm.update()` the direct write alone. `dispose()` removes it.
//   Perfect-sync through expressions needs none of this: `setValue` stores the weight and
//   `update()` applies it. Build the driver after any `VRMUtils.combineMorphs(vrm)` (which renames
//   the morph targets after the expressions).
//
// Two three-vrm behaviours that act on top of the driver, by design of the file: expressions that
// declare `overrideMouth` / `overrideBlink` / `overrideLookAt` ("block" or "blend", VRM 1.0) scale
// the mouth, blink and look presets down while they are on; and a VRM whose lookAt uses the
// expression applier and a `target` rewrites lookUp/lookDown/lookLeft/lookRight on every
// `vrm.update()` (leave `vrm.lookAt.target` unset to let the frames' gaze through).

/** The 52 ARKit channels in canonical (alphabetical) order, as `channelNames()` returns them. */
export const CHANNEL_NAMES = Object.freeze([
  'browDownLeft', 'browDownRight', 'browInnerUp', 'browOuterUpLeft', 'browOuterUpRight', 'cheekPuff',
  'cheekSquintLeft', 'cheekSquintRight', 'eyeBlinkLeft', 'eyeBlinkRight', 'eyeLookDownLeft',
  'eyeLookDownRight', 'eyeLookInLeft', 'eyeLookInRight', 'eyeLookOutLeft', 'eyeLookOutRight',
  'eyeLookUpLeft', 'eyeLookUpRight', 'eyeSquintLeft', 'eyeSquintRight', 'eyeWideLeft', 'eyeWideRight',
  'jawForward', 'jawLeft', 'jawOpen', 'jawRight', 'mouthClose', 'mouthDimpleLeft', 'mouthDimpleRight',
  'mouthFrownLeft', 'mouthFrownRight', 'mouthFunnel', 'mouthLeft', 'mouthLowerDownLeft',
  'mouthLowerDownRight', 'mouthPressLeft', 'mouthPressRight', 'mouthPucker', 'mouthRight',
  'mouthRollLower', 'mouthRollUpper', 'mouthShrugLower', 'mouthShrugUpper', 'mouthSmileLeft',
  'mouthSmileRight', 'mouthStretchLeft', 'mouthStretchRight', 'mouthUpperUpLeft', 'mouthUpperUpRight',
  'noseSneerLeft', 'noseSneerRight', 'tongueOut',
]);

const N = 52;

/** `auto` picks perfect-sync when at least this many of the 52 channels are reachable. */
export const PERFECT_SYNC_MIN_COVERAGE = 40;

/** The VRM presets the presets path drives, in the order `presetWeights` fills them. */
export const PRESET_NAMES = Object.freeze([
  'aa', 'ih', 'ou', 'ee', 'oh',
  'happy', 'angry', 'sad', 'relaxed', 'surprised',
  'blink', 'blinkLeft', 'blinkRight',
  'lookUp', 'lookDown', 'lookLeft', 'lookRight',
]);

const C = Object.fromEntries(CHANNEL_NAMES.map((name, i) => [name, i]));
const LOWER_TO_CHANNEL = new Map(CHANNEL_NAMES.map((name, i) => [name.toLowerCase(), i]));

// ---------------------------------------------------------------- presets mapping

// Tunables of the presets path (heuristics, documented in vrm.d.ts and pkg/README.md):
/** Lip rounding (max of funnel, pucker) at which the lips count as fully round. */
const ROUND_FULL = 0.5;
/** Lip spreading (max of stretch, half the smile) at which the lips count as fully spread. */
const SPREAD_FULL = 0.5;
/** Mouth aperture at which a vowel counts as fully open (aa/oh/ee rather than ou/ih). */
const OPEN_FULL = 0.5;
/** How much of the emotion presets the mouth presets take away at full mouth activity. */
const EMOTION_MOUTH_DUCK = 0.6;

const clamp01 = (x) => (x > 1 ? 1 : x > 0 ? x : 0);
const avg = (w, a, b) => 0.5 * (w[a] + w[b]);

/**
 * The presets mapping, into `out` (17 values in PRESET_NAMES order). Rules:
 *
 * Mouth (aa ih ou ee oh). aperture = (jawOpen - mouthClose)+ + 0.5 * mean(mouthLowerDown,
 * mouthUpperUp); round = max(mouthFunnel, mouthPucker) / ROUND_FULL; spread = max(mouthStretch,
 * mouthSmile / 2) / SPREAD_FULL (all clamped to [0, 1]). The lip shape splits into round R = round,
 * spread S = spread * (1 - R) and neutral 1 - R - S; the opening into open = aperture / OPEN_FULL
 * and closed = 1 - open. Then aa = neutral, oh = R * open, ou = R * closed, ee = S * open,
 * ih = S * closed, all times the mouth activity A = max(aperture, round, stretch) (clamped).
 * So the five always sum to A <= 1: the mouth presets follow how far the mouth is from rest,
 * and a closed smile (no aperture, no rounding or stretching) moves none of them.
 *
 * Emotions (happy angry sad relaxed surprised), from the expression channels (means of left and right):
 *   happy     = 0.7 smile + 0.5 cheekSquint - 0.5 frown
 *   relaxed   = (0.6 smile - cheekSquint) * (1 - eyeWide)     (a soft smile without cheek raise)
 *   angry     = 0.7 browDown + 0.5 noseSneer + 0.3 mouthPress
 *   sad       = 0.6 frown + 0.5 browInnerUp * (1 - browOuterUp)
 *   surprised = 0.5 eyeWide + 0.4 browOuterUp + 0.2 browInnerUp
 * each clamped to [0, 1]; then each is multiplied by its ratio to the strongest (weaker emotions
 * fade instead of mixing in) and the five are scaled down to sum at most 1. Last, because typical
 * VRM emotion presets also shape the mouth, they are multiplied by 1 - EMOTION_MOUTH_DUCK * A:
 * while the mouth presets speak, the emotion keeps 40 % (its brows and eyes still read).
 *
 * Blinks: blink = min(eyeBlinkLeft, eyeBlinkRight), blinkLeft/blinkRight = the rest of each eye
 * (presets that bind the same morphs add up, so both eyes closed is `blink` alone), all multiplied
 * by 1 - max(happy, relaxed): those presets usually close the eyes themselves (VRM 1.0's
 * `overrideBlink: "blend"` rule, applied for files that do not declare it).
 *
 * Look: the net gaze of both eyes. up = mean(eyeLookUp) - mean(eyeLookDown) -> lookUp (if > 0)
 * or lookDown; to the avatar's left = mean(eyeLookOutLeft, eyeLookInRight) - mean(eyeLookInLeft,
 * eyeLookOutRight) -> lookLeft (if > 0) or lookRight (three-vrm's lookLeft is positive yaw, the
 * avatar's own left).
 */
function mapPresets(w, out) {
  // Mouth.
  const aperture = clamp01(Math.max(0, w[C.jawOpen] - w[C.mouthClose])
    + 0.125 * (w[C.mouthLowerDownLeft] + w[C.mouthLowerDownRight] + w[C.mouthUpperUpLeft] + w[C.mouthUpperUpRight]));
  const rounding = clamp01(Math.max(w[C.mouthFunnel], w[C.mouthPucker]));
  const stretch = clamp01(avg(w, C.mouthStretchLeft, C.mouthStretchRight));
  const smile = clamp01(avg(w, C.mouthSmileLeft, C.mouthSmileRight));
  const round = clamp01(rounding / ROUND_FULL);
  const spread = clamp01(Math.max(stretch, 0.5 * smile) / SPREAD_FULL) * (1 - round);
  const neutral = Math.max(0, 1 - round - spread);
  const open = clamp01(aperture / OPEN_FULL);
  const activity = clamp01(Math.max(aperture, rounding, stretch));
  out[0] = activity * neutral; // aa
  out[1] = activity * spread * (1 - open); // ih
  out[2] = activity * round * (1 - open); // ou
  out[3] = activity * spread * open; // ee
  out[4] = activity * round * open; // oh

  // Emotions.
  const cheek = avg(w, C.cheekSquintLeft, C.cheekSquintRight);
  const frown = avg(w, C.mouthFrownLeft, C.mouthFrownRight);
  const wide = avg(w, C.eyeWideLeft, C.eyeWideRight);
  const browDown = avg(w, C.browDownLeft, C.browDownRight);
  const browOuter = avg(w, C.browOuterUpLeft, C.browOuterUpRight);
  const browInner = w[C.browInnerUp];
  out[5] = clamp01(0.7 * smile + 0.5 * cheek - 0.5 * frown); // happy
  out[6] = clamp01(0.7 * browDown + 0.5 * avg(w, C.noseSneerLeft, C.noseSneerRight) + 0.3 * avg(w, C.mouthPressLeft, C.mouthPressRight)); // angry
  out[7] = clamp01(0.6 * frown + 0.5 * browInner * (1 - browOuter)); // sad
  out[8] = clamp01((0.6 * smile - cheek) * (1 - wide)); // relaxed
  out[9] = clamp01(0.5 * wide + 0.4 * browOuter + 0.2 * browInner); // surprised
  let strongest = 0;
  for (let i = 5; i < 10; i++) strongest = Math.max(strongest, out[i]);
  let sum = 0;
  if (strongest > 0) {
    for (let i = 5; i < 10; i++) {
      out[i] *= out[i] / strongest;
      sum += out[i];
    }
  }
  const emotionScale = (sum > 1 ? 1 / sum : 1) * (1 - EMOTION_MOUTH_DUCK * activity);
  for (let i = 5; i < 10; i++) out[i] *= emotionScale;

  // Blinks.
  const left = clamp01(w[C.eyeBlinkLeft]);
  const right = clamp01(w[C.eyeBlinkRight]);
  const both = Math.min(left, right);
  const blinkScale = 1 - Math.max(out[5], out[8]);
  out[10] = both * blinkScale;
  out[11] = (left - both) * blinkScale;
  out[12] = (right - both) * blinkScale;

  // Look.
  const up = avg(w, C.eyeLookUpLeft, C.eyeLookUpRight) - avg(w, C.eyeLookDownLeft, C.eyeLookDownRight);
  const toLeft = avg(w, C.eyeLookOutLeft, C.eyeLookInRight) - avg(w, C.eyeLookInLeft, C.eyeLookOutRight);
  out[13] = clamp01(up);
  out[14] = clamp01(-up);
  out[15] = clamp01(toLeft);
  out[16] = clamp01(-toLeft);
  return out;
}

/** The VRM preset weights the presets path applies for a 52-weight frame (rules: see mapPresets). */
export function presetWeights(weights) {
  const w = checkedFrame(weights, 'presetWeights');
  const values = mapPresets(w, new Float64Array(PRESET_NAMES.length));
  return Object.fromEntries(PRESET_NAMES.map((name, i) => [name, values[i]]));
}

// ---------------------------------------------------------------- input checks

function checkedFrame(weights, where) {
  if (weights == null || typeof weights.length !== 'number') {
    throw new TypeError(`${where}: expected 52 weights (a Float32Array or array in canonical channel order), got ${describe(weights)}`);
  }
  if (weights.length !== N) {
    throw new RangeError(`${where}: expected 52 weights (one per ARKit channel, canonical order), got ${weights.length}`);
  }
  for (let c = 0; c < N; c++) {
    if (typeof weights[c] !== 'number' || !Number.isFinite(weights[c])) {
      throw new RangeError(`${where}: weight ${c} (${CHANNEL_NAMES[c]}) is ${describe(weights[c])}; weights must be finite numbers in [0, 1]`);
    }
  }
  return weights;
}

function describe(value) {
  if (value === null) return 'null';
  if (typeof value === 'number') return String(value);
  if (typeof value === 'object') return value.constructor ? `a ${value.constructor.name}` : 'an object';
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}

/**
 * The avatar as `{scene, expressionManager}`: a three-vrm VRM as it is; a loaded glTF (GLTFLoader's
 * result) as its scene, or its VRM when three-vrm loaded one (`gltf.userData.vrm`); a three.js
 * Object3D (e.g. `gltf.scene`) as the scene itself. Without three-vrm there is no expression
 * manager: the ARKit-named morph targets are the whole face (perfect-sync).
 */
function checkedAvatar(avatar, where) {
  if (avatar == null || typeof avatar !== 'object') {
    throw new TypeError(`${where}: expected an avatar: a three-vrm VRM (gltf.userData.vrm), a loaded glTF (GLTFLoader's result) or a three.js object with ARKit-named morph targets; got ${describe(avatar)}`);
  }
  if (avatar.userData?.vrm?.scene != null) return checkedAvatar(avatar.userData.vrm, where);
  if (avatar.scene === undefined && typeof avatar.traverse === 'function') return { scene: avatar, expressionManager: null };
  if (avatar.scene == null || typeof avatar.scene.traverse !== 'function') {
    throw new TypeError(`${where}: the avatar has no scene (avatar.scene with traverse()); pass a three-vrm VRM (gltf.userData.vrm), the glTF GLTFLoader loaded, or its scene`);
  }
  const manager = avatar.expressionManager;
  if (manager != null && (typeof manager.getExpression !== 'function' || typeof manager.setValue !== 'function')) {
    throw new TypeError(`${where}: vrm.expressionManager has no getExpression()/setValue(); expected three-vrm's VRMExpressionManager`);
  }
  return { scene: avatar.scene, expressionManager: manager ?? null };
}

// ---------------------------------------------------------------- avatar discovery

const capitalised = (name) => name[0].toUpperCase() + name.slice(1);

/** Channel -> expression name for ARKit-named expressions (case-insensitive). */
function findExpressions(manager) {
  const names = new Array(N).fill(null);
  if (manager == null) return names;
  const known = Array.isArray(manager.expressions)
    ? manager.expressions.map((e) => e && e.expressionName).filter((name) => typeof name === 'string')
    : manager.expressionMap && typeof manager.expressionMap === 'object' ? Object.keys(manager.expressionMap) : null;
  if (known) {
    for (const name of known) {
      const c = LOWER_TO_CHANNEL.get(name.toLowerCase());
      // The exact ARKit spelling wins over another case variant.
      if (c !== undefined && (names[c] === null || name === CHANNEL_NAMES[c])) names[c] = name;
    }
  } else {
    // A manager that cannot list its expressions: ask for the two usual spellings.
    for (let c = 0; c < N; c++) {
      for (const name of [CHANNEL_NAMES[c], capitalised(CHANNEL_NAMES[c])]) {
        if (names[c] === null && manager.getExpression(name) != null) names[c] = name;
      }
    }
  }
  return names;
}

/** Channel -> [{mesh, index}] for ARKit-named morph targets on every mesh (case-insensitive; a
 * `prefix.` from some exporters, as in `blendShape1.jawOpen`, is ignored). */
function findMorphs(scene) {
  const slots = Array.from({ length: N }, () => []);
  scene.traverse((object) => {
    const dictionary = object && object.morphTargetDictionary;
    if (!dictionary || (!Array.isArray(object.morphTargetInfluences) && !ArrayBuffer.isView(object.morphTargetInfluences))) return;
    for (const [name, index] of Object.entries(dictionary)) {
      const lower = name.toLowerCase();
      const c = LOWER_TO_CHANNEL.get(lower) ?? LOWER_TO_CHANNEL.get(lower.slice(lower.lastIndexOf('.') + 1));
      if (c !== undefined && !slots[c].some((s) => s.mesh === object && s.index === index)) slots[c].push({ mesh: object, index });
    }
  });
  return slots;
}

function countCoverage(expressionNames, morphSlots) {
  let covered = 0;
  for (let c = 0; c < N; c++) if (expressionNames[c] !== null || morphSlots[c].length > 0) covered++;
  return covered;
}

/** How many of the 52 channels the avatar can show directly: through an ARKit-named expression
 * or ARKit-named morph targets (0 to 52). */
export function perfectSyncCoverage(avatar) {
  const { scene, expressionManager } = checkedAvatar(avatar, 'perfectSyncCoverage');
  return countCoverage(findExpressions(expressionManager), findMorphs(scene));
}

/** Morph targets that some expression binds (three-vrm's VRMExpressionMorphTargetBind: `primitives`
 * and `index`), as a Map mesh -> Set of indices. */
function boundMorphs(manager) {
  const bound = new Map();
  const expressions = manager && Array.isArray(manager.expressions) ? manager.expressions : [];
  for (const expression of expressions) {
    for (const bind of (expression && expression.binds) || []) {
      if (!bind || !Array.isArray(bind.primitives) || typeof bind.index !== 'number') continue;
      for (const mesh of bind.primitives) {
        if (!bound.has(mesh)) bound.set(mesh, new Set());
        bound.get(mesh).add(bind.index);
      }
    }
  }
  return bound;
}

// ---------------------------------------------------------------- the driver

export class VrmFaceDriver {
  /**
   * @param {import('./vrm.js').FaceAvatar} avatar a three-vrm VRM (`gltf.userData.vrm`), a loaded
   *   glTF or a three.js object with ARKit-named morph targets
   * @param {{mode?: 'auto' | 'perfect-sync' | 'presets', capacity?: number}} [options]
   */
  constructor(avatar, options = {}) {
    const vrm = checkedAvatar(avatar, 'VrmFaceDriver');
    if (options === null || typeof options !== 'object') throw new TypeError(`VrmFaceDriver: options must be an object, got ${describe(options)}`);
    const { mode = 'auto', capacity = 90 } = options;
    if (!['auto', 'perfect-sync', 'presets'].includes(mode)) {
      throw new RangeError(`VrmFaceDriver: unknown mode ${describe(mode)}; expected "auto", "perfect-sync" or "presets"`);
    }
    if (!Number.isInteger(capacity) || capacity < 2) {
      throw new RangeError(`VrmFaceDriver: capacity must be an integer >= 2 (frames kept for interpolation), got ${describe(capacity)}`);
    }
    this._vrm = vrm;
    this._manager = vrm.expressionManager;

    const expressionNames = findExpressions(this._manager);
    const morphSlots = findMorphs(vrm.scene);
    const coverage = countCoverage(expressionNames, morphSlots);
    const presets = this._manager ? PRESET_NAMES.filter((name) => this._manager.getExpression(name) != null) : [];

    let chosen = mode;
    if (mode === 'auto') {
      if (coverage >= PERFECT_SYNC_MIN_COVERAGE) chosen = 'perfect-sync';
      else if (presets.length > 0) chosen = 'presets';
      else if (coverage > 0) chosen = 'perfect-sync';
      else throw new TypeError('VrmFaceDriver: the avatar has neither ARKit-named expressions or morph targets nor VRM expression presets; nothing to drive');
    } else if (mode === 'perfect-sync' && coverage === 0) {
      throw new TypeError('VrmFaceDriver: mode "perfect-sync" needs ARKit-named expressions or morph targets (e.g. "jawOpen"); this avatar has none. Use mode "presets" or "auto".');
    } else if (mode === 'presets' && presets.length === 0) {
      throw new TypeError('VrmFaceDriver: mode "presets" needs a three-vrm VRM with VRM presets (aa, ih, ou, ee, oh, happy, ...); this avatar has none (a plain glTF has no presets: use "perfect-sync" with ARKit-named morph targets)');
    }
    this._mode = chosen;
    this._coverage = chosen === 'perfect-sync' ? coverage : 0;

    // Queue: a ring of `capacity` frames with their times.
    this._capacity = capacity;
    this._times = new Float64Array(capacity);
    this._frames = new Float32Array(capacity * N);
    this._head = 0;
    this._size = 0;
    this._current = new Float32Array(N);
    this._hook = null;

    if (chosen === 'presets') {
      this._presetNames = presets;
      this._presetIndex = presets.map((name) => PRESET_NAMES.indexOf(name));
      this._presetValues = new Float64Array(PRESET_NAMES.length);
    } else {
      // Per channel one source: the ARKit expression if there is one, else its morph targets.
      this._expressionChannels = [];
      this._expressionNames = [];
      const direct = [];
      for (let c = 0; c < N; c++) {
        if (expressionNames[c] !== null) {
          this._expressionChannels.push(c);
          this._expressionNames.push(expressionNames[c]);
        } else {
          for (const slot of morphSlots[c]) direct.push({ ...slot, channel: c });
        }
      }
      this._morphMeshes = direct.map((s) => s.mesh);
      this._morphIndices = Int32Array.from(direct, (s) => s.index);
      this._morphChannels = Int32Array.from(direct, (s) => s.channel);
      const bound = boundMorphs(this._manager);
      const managed = direct.filter((s) => bound.get(s.mesh)?.has(s.index));
      if (managed.length > 0 && typeof this._manager.registerExpression === 'function') {
        this._hook = this._makeHook(managed);
        this._manager.registerExpression(this._hook);
      }
    }
    this.reset();
  }

  /** `perfect-sync` or `presets` (the mode `auto` chose). */
  get mode() {
    return this._mode;
  }

  /** Channels the avatar shows directly on the perfect-sync path; 0 on the presets path. */
  get coverage() {
    return this._coverage;
  }

  /** Queues `count` frames (`count x 52`, row-major); frame k is at `time + k / fps` seconds. */
  push(frames, count, time, fps = 30) {
    this._checkAlive('push');
    if (frames == null || typeof frames.length !== 'number') {
      throw new TypeError(`push: frames must be a Float32Array of count x 52 weights, got ${describe(frames)}`);
    }
    if (!Number.isInteger(count) || count < 0) {
      throw new RangeError(`push: count must be a non-negative integer (the number of frames), got ${describe(count)}`);
    }
    if (frames.length !== count * N) {
      throw new RangeError(`push: frames has ${frames.length} weights but count ${count} needs count x 52 = ${count * N} (row-major, canonical channel order)`);
    }
    if (typeof time !== 'number' || !Number.isFinite(time)) {
      throw new RangeError(`push: time must be a finite number of seconds (the first frame's timestamp), got ${describe(time)}`);
    }
    if (typeof fps !== 'number' || !Number.isFinite(fps) || fps <= 0) {
      throw new RangeError(`push: fps must be a positive number, got ${describe(fps)}`);
    }
    for (let i = 0; i < frames.length; i++) {
      const x = frames[i];
      if (typeof x !== 'number' || !Number.isFinite(x)) {
        const c = i % N;
        throw new RangeError(`push: frame ${(i - c) / N}, channel ${c} (${CHANNEL_NAMES[c]}) is ${describe(x)}; weights must be finite numbers in [0, 1]. Nothing was queued.`);
      }
    }
    if (count === 0) return;
    // A batch that starts at or before queued frames replaces them (the stream restarted or
    // overlaps): drop the queued frames from its first timestamp on.
    while (this._size > 0 && this._times[(this._head + this._size - 1) % this._capacity] >= time) this._size--;
    // Only the last `capacity` frames of a long batch can be kept.
    const first = Math.max(0, count - this._capacity);
    for (let k = first; k < count; k++) {
      if (this._size === this._capacity) {
        this._head = (this._head + 1) % this._capacity;
        this._size--;
      }
      const slot = (this._head + this._size) % this._capacity;
      this._times[slot] = time + k / fps;
      this._frames.set(frames.subarray ? frames.subarray(k * N, (k + 1) * N) : Array.prototype.slice.call(frames, k * N, (k + 1) * N), slot * N);
      this._size++;
    }
  }

  /**
   * The weights at `time`: linear interpolation between the queued frames around it, the first or
   * last frame held outside them, zeros when nothing is queued. Applies them and returns them (one
   * Float32Array reused by every call: copy it to keep it). Frames older than the one at or before
   * `time` are dropped, so call with a clock that moves forward.
   */
  update(time) {
    this._checkAlive('update');
    if (typeof time !== 'number' || !Number.isFinite(time)) {
      throw new RangeError(`update: time must be a finite number of seconds on the push() clock, got ${describe(time)}`);
    }
    const out = this._current;
    const size = this._size;
    if (size === 0) {
      out.fill(0);
    } else {
      const cap = this._capacity;
      const head = this._head;
      const t = this._times;
      // Last queued frame at or before `time` (binary search over queue positions; -1 if none).
      let lo = 0;
      let hi = size - 1;
      let before = -1;
      while (lo <= hi) {
        const mid = (lo + hi) >> 1;
        if (t[(head + mid) % cap] <= time) {
          before = mid;
          lo = mid + 1;
        } else {
          hi = mid - 1;
        }
      }
      if (before === -1 || before === size - 1) {
        const slot = ((head + (before === -1 ? 0 : size - 1)) % cap) * N;
        for (let c = 0; c < N; c++) out[c] = clamp01(this._frames[slot + c]);
      } else {
        const a = (head + before) % cap;
        const b = (head + before + 1) % cap;
        const f = t[b] > t[a] ? (time - t[a]) / (t[b] - t[a]) : 1;
        const fa = a * N;
        const fb = b * N;
        for (let c = 0; c < N; c++) {
          const x = this._frames[fa + c];
          out[c] = clamp01(x + (this._frames[fb + c] - x) * f);
        }
      }
      if (before > 0) {
        this._head = (head + before) % cap;
        this._size -= before;
      }
    }
    this._apply(out);
    return out;
  }

  /** Applies one 52-weight frame at once (values clamped to [0, 1]; NaN or a wrong length throws). */
  apply(weights) {
    this._checkAlive('apply');
    checkedFrame(weights, 'apply');
    for (let c = 0; c < N; c++) this._current[c] = clamp01(weights[c]);
    this._apply(this._current);
  }

  /** Drops the queued frames and returns the face to rest (all 52 weights 0 applied). */
  reset() {
    this._checkAlive('reset');
    this._head = 0;
    this._size = 0;
    this._current.fill(0);
    this._apply(this._current);
  }

  /** Returns the face to rest and removes what the driver registered in the expression manager.
   * The driver cannot be used afterwards. */
  dispose() {
    if (this._vrm === null) return;
    this.reset();
    if (this._hook && typeof this._manager.unregisterExpression === 'function') this._manager.unregisterExpression(this._hook);
    this._hook = null;
    this._vrm = null;
  }

  _checkAlive(where) {
    if (this._vrm === null) throw new Error(`VrmFaceDriver.${where}: the driver was disposed; create a new one`);
  }

  _apply(w) {
    if (this._mode === 'presets') {
      const values = mapPresets(w, this._presetValues);
      for (let i = 0; i < this._presetNames.length; i++) this._manager.setValue(this._presetNames[i], values[this._presetIndex[i]]);
      return;
    }
    for (let i = 0; i < this._expressionChannels.length; i++) this._manager.setValue(this._expressionNames[i], w[this._expressionChannels[i]]);
    const meshes = this._morphMeshes;
    for (let i = 0; i < meshes.length; i++) {
      const influences = meshes[i].morphTargetInfluences;
      if (influences) influences[this._morphIndices[i]] = w[this._morphChannels[i]];
    }
  }

  /** The expression-shaped object that re-adds the channel weights of expression-bound morph
   * targets during `expressionManager.update()` (see the note at the top of this file). */
  _makeHook(managed) {
    const meshes = managed.map((s) => s.mesh);
    const indices = Int32Array.from(managed, (s) => s.index);
    const channels = Int32Array.from(managed, (s) => s.channel);
    const current = this._current;
    let name = 'animasyncFaceMorphs';
    for (let k = 2; this._manager.getExpression(name) != null; k++) name = `animasyncFaceMorphs${k}`;
    return {
      name: `VRMExpression_${name}`,
      expressionName: name,
      type: 'VRMExpression',
      weight: 1,
      isBinary: false,
      overrideBlink: 'none',
      overrideLookAt: 'none',
      overrideMouth: 'none',
      overrideBlinkAmount: 0,
      overrideLookAtAmount: 0,
      overrideMouthAmount: 0,
      outputWeight: 1,
      binds: [],
      addBind() {},
      deleteBind() {},
      clearAppliedWeight() {},
      applyWeight() {
        for (let i = 0; i < meshes.length; i++) {
          const influences = meshes[i].morphTargetInfluences;
          if (influences) influences[indices[i]] += current[channels[i]];
        }
      },
    };
  }
}
