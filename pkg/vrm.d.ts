// animasync-face/vrm: applies animasync-face frames (the 52 ARKit weights, canonical order) to a
// three-vrm avatar, or to a plain glTF/GLB with ARKit-named morph targets loaded by three.js
// alone. No import of three or @pixiv/three-vrm: the avatar is used through the few members
// below, so any three-vrm 1.x-3.x VRM (VRM 0.x or 1.0 files) and any three.js glTF fit.

/** A three.js object (e.g. `gltf.scene`): meshes with `morphTargetDictionary` are searched for ARKit names. */
export interface SceneLike {
  traverse(callback: (object: any) => void): void;
}

/** What three.js's GLTFLoader resolves to (only `scene` is used; `userData.vrm` when three-vrm loaded a VRM). */
export interface GltfLike {
  scene: SceneLike;
  userData?: { vrm?: VrmLike };
}

/** What the driver takes: a three-vrm VRM, a loaded glTF, or a three.js object. */
export type FaceAvatar = VrmLike | GltfLike | SceneLike;

/** The parts of a three-vrm `VRM` the driver uses. */
export interface VrmLike {
  /** The avatar's scene graph; meshes with `morphTargetDictionary` are searched for ARKit names. */
  scene: { traverse(callback: (object: any) => void): void };
  expressionManager?: {
    getExpression(name: string): unknown | null;
    setValue(name: string, weight: number): void;
    /** Lists the expressions: lets names match case-insensitively and shows which morph targets
     * the expressions bind (without it, "jawOpen" and "JawOpen" are tried). */
    readonly expressions?: ReadonlyArray<{ expressionName: string; binds?: ReadonlyArray<unknown> }>;
    /** Used on the morph-target path when expressions also bind ARKit morph targets (see `VrmFaceDriver`). */
    registerExpression?(expression: any): void;
    unregisterExpression?(expression: any): void;
  } | null;
}

/**
 * How frames reach the avatar:
 * - `perfect-sync`: the avatar has ARKit-named expressions (or morph targets) and each of the 52
 *   channels drives its own shape;
 * - `presets`: only the VRM presets exist; the mouth drives aa/ih/ou/ee/oh, the expression
 *   channels drive happy/angry/sad/relaxed/surprised, blinks and look (see `presetWeights`).
 */
export type VrmDriveMode = 'perfect-sync' | 'presets';

export interface VrmFaceDriverOptions {
  /**
   * `auto` (default) picks perfect-sync when at least `PERFECT_SYNC_MIN_COVERAGE` (40) of the 52
   * channels are reachable, else the presets (or perfect-sync with what there is, when the avatar
   * has no presets). Forcing a mode the avatar cannot do throws.
   */
  mode?: 'auto' | VrmDriveMode;
  /** Frames kept for interpolation (an integer >= 2); default 90 (3 s at 30 fps). */
  capacity?: number;
}

/**
 * Drives an avatar's face with animasync-face frames: a three-vrm VRM, or a plain glTF whose
 * morph targets carry ARKit names (three.js alone: pass the GLTFLoader result or its scene; the
 * morph targets are the whole face, perfect-sync, and there are no presets).
 *
 * Perfect-sync: a channel goes through its ARKit-named custom expression when there is one (names
 * match case-insensitively: "browDownLeft", "BrowDownLeft"), else to the morph targets of that name
 * on every mesh of `vrm.scene`, written directly. three-vrm's `expressionManager.update()` (run by
 * `vrm.update()`) zeroes every morph target an expression binds before re-applying the expressions;
 * for ARKit morph targets bound that way (e.g. by the `blink` preset) the driver registers one extra
 * expression, `animasyncFaceMorphs`, that adds their weights back, so the result is the same whether
 * or not `vrm.update()` runs after `update()`. `dispose()` removes it. Create the driver after any
 * `VRMUtils.combineMorphs(vrm)`.
 */
export class VrmFaceDriver {
  /** Throws a TypeError for a missing avatar or scene, or an avatar with nothing to drive. */
  constructor(avatar: FaceAvatar, options?: VrmFaceDriverOptions);
  readonly mode: VrmDriveMode;
  /** How many of the 52 channels the avatar shows directly (perfect-sync), 0 on the presets path. */
  readonly coverage: number;
  /**
   * Queues `count` frames (`count x 52`, row-major); frame k is at `time + k / fps` seconds.
   * A batch starting at or before queued frames replaces those from its first timestamp on (a
   * restarted or overlapping stream); beyond `capacity` the oldest frames go. Throws a RangeError,
   * queuing nothing, when `frames.length !== count * 52` or a weight is NaN or infinite.
   */
  push(frames: Float32Array, count: number, time: number, fps?: number): void;
  /**
   * The weights at `time` (same clock as `push`), linearly interpolated between the queued frames
   * around it and held at the ends (zeros when nothing is queued), applied to the avatar; returns
   * the 52 weights applied, in one array reused by every call. Frames before the one at or before
   * `time` are dropped. Call once per displayed frame, before `vrm.update(delta)`.
   */
  update(time: number): Float32Array;
  /** Applies one 52-weight frame at once (clamped to [0, 1]; NaN or a wrong length throws). */
  apply(weights: ArrayLike<number>): void;
  /** Drops the queued frames and returns the face to rest (all 52 weights 0 applied). */
  reset(): void;
  /** Returns the face to rest and unregisters what the driver added to the expression manager. */
  dispose(): void;
}

/**
 * The VRM preset weights the presets path applies for a 52-weight frame (pure; throws like `apply`).
 * - Mouth: aa (open, neutral lips), oh/ou (round lips, open/closed), ee/ih (spread lips,
 *   open/closed); they always sum to the mouth's activity, max(aperture, rounding, stretch) <= 1,
 *   with aperture = (jawOpen - mouthClose)+ + half the mean of mouthLowerDown/mouthUpperUp.
 * - Emotions: happy (smile, cheek squint), relaxed (a smile without cheek squint), angry (brow down,
 *   nose sneer, mouth press), sad (frown, inner brow up), surprised (eyes wide, brows up); weaker
 *   ones fade against the strongest, the five sum to at most 1, and they are scaled by
 *   1 - 0.6 x mouth activity so emotion presets (which also shape the mouth) do not fight speech.
 * - Blinks: blink = both eyes' common closure, blinkLeft/Right the rest; scaled by
 *   1 - max(happy, relaxed) (those presets usually close the eyes themselves).
 * - Look: the net gaze of both eyes to lookUp/lookDown and lookLeft/lookRight (the avatar's left/right).
 */
export function presetWeights(weights: ArrayLike<number>): Record<VrmPresetName, number>;

export type VrmPresetName =
  | 'aa' | 'ih' | 'ou' | 'ee' | 'oh'
  | 'happy' | 'angry' | 'sad' | 'relaxed' | 'surprised'
  | 'blink' | 'blinkLeft' | 'blinkRight'
  | 'lookUp' | 'lookDown' | 'lookLeft' | 'lookRight';

/** How many of the 52 channels the avatar can show directly (ARKit-named expressions or morph targets), 0 to 52. */
export function perfectSyncCoverage(avatar: FaceAvatar): number;

/** `auto` picks perfect-sync at this coverage or above: 40. */
export const PERFECT_SYNC_MIN_COVERAGE: number;
/** The 52 ARKit channel names in canonical order (the same as the package's `channelNames()`). */
export const CHANNEL_NAMES: readonly string[];
/** The presets the presets path drives, in `presetWeights` order. */
export const PRESET_NAMES: readonly VrmPresetName[];
