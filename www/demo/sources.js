// Where frames come from besides the microphone (pkg/microphone.js does that one): an audio
// file played with its frames computed just ahead of the playhead, the face at rest between
// sources, and the two clocks and the pause rule the page uses for both.
import { Engine, compileExpression } from 'animasync-face';

/** Engine frame rate: frame i of a stream starts at i / FPS seconds of its audio. */
export const FPS = 30;

/**
 * An audio context's clock, smoothed for display. `currentTime` advances in steps of the
 * audio callback (a few ms up to tens of ms); read once per animation frame it would make the
 * face stutter. This clock runs on performance.now() and slews towards currentTime (snapping
 * when more than 50 ms apart, e.g. after the context was suspended).
 */
export class SmoothClock {
  constructor(context) {
    this.context = context;
    this.offset = null;
  }

  now() {
    const wall = performance.now() / 1000;
    const error = this.context.currentTime - (wall + (this.offset ?? 0));
    if (this.offset === null || Math.abs(error) > 0.05) this.offset = this.context.currentTime - wall;
    else this.offset += error * 0.05;
    return wall + this.offset;
  }
}

/**
 * Automatic turns: a new turn starts when speech (RMS level above -40 dBFS, the speech gate's
 * `open_db`) resumes after at least `pause` seconds (default 0.8) below -48 dBFS (its
 * `close_db`). Levels in between neither count as silence nor as speech.
 */
export class PauseTurns {
  constructor({ pause = 0.8, speechDb = -40, silenceDb = -48 } = {}) {
    Object.assign(this, { pause, speechDb, silenceDb });
    this.silent = 0;
  }

  /** Feeds `seconds` of audio at `levelDb`; true when a new turn should start now. */
  feed(levelDb, seconds) {
    if (levelDb < this.silenceDb) {
      this.silent += seconds;
      return false;
    }
    if (levelDb > this.speechDb) {
      const resumed = this.silent >= this.pause;
      this.silent = 0;
      return resumed;
    }
    return false;
  }

  reset() {
    this.silent = 0;
  }
}

/** RMS level of `samples[from, to)` in dBFS (-120 for digital silence). */
export function levelDb(samples, from = 0, to = samples.length) {
  let sum = 0;
  for (let i = from; i < to; i++) sum += samples[i] * samples[i];
  return 10 * Math.log10(sum / Math.max(to - from, 1) + 1e-12);
}

/**
 * The face between sources: the chosen emotion's expression (compiled from the built-in
 * presets) with blinks at seeded, natural intervals (2-6 s, close 3 frames, open 6, like the
 * engine's eye motion), so the avatar looks alive before Start.
 */
export class IdleFace {
  constructor(library, names) {
    this.library = library;
    this.blinkLeft = names.indexOf('eyeBlinkLeft');
    this.blinkRight = names.indexOf('eyeBlinkRight');
    this.base = new Float32Array(names.length);
    this.out = new Float32Array(names.length);
    this.seed = 7;
    this.nextBlink = 1.5;
  }

  setEmotion(request) {
    this.base = compileExpression(this.library, request);
  }

  random() { // mulberry32: the same blinks on every run
    let t = (this.seed += 0x6d2b79f5);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** The 52 weights at time `t` seconds. */
  at(t) {
    this.out.set(this.base);
    if (t > this.nextBlink + 1) this.nextBlink = t + 0.5; // after a pause of the page
    const since = (t - this.nextBlink) * FPS; // frames since the blink began
    let closed = 0;
    if (since >= 0 && since < 3) closed = since / 3;
    else if (since >= 3 && since < 4) closed = 1;
    else if (since >= 4 && since < 10) closed = 1 - (since - 4) / 6;
    else if (since >= 10) this.nextBlink = t + 2 + 4 * this.random();
    for (const i of [this.blinkLeft, this.blinkRight]) this.out[i] = Math.max(this.out[i], closed);
    return this.out;
  }
}

/**
 * Plays one decoded clip with its frames. The engine (on the main thread; about 0.25 ms per
 * 33 ms frame) is fed the clip's samples only a little ahead of the playhead (LEAD seconds),
 * in one-frame blocks every 40 ms, so playback starts at once, nothing blocks for long, and an
 * emotion chosen during playback takes effect where the playhead is. The frames go to
 * `onFrames({frames, count, time, computeMs, level})` on the playback context's clock, like the
 * microphone's. The engine is kept between clips (building one loads the model) and rebuilt
 * only when the options change.
 */
export class ClipPlayer {
  static LEAD = 0.35;

  constructor({ context, engineOptions, emotion, turns, onFrames, onEnded }) {
    Object.assign(this, { context, engineOptions, emotion, turns, onFrames, onEnded });
    this.engine = null;
    this.feeding = false; // samples remain to be fed to the engine
    this.timer = null;
    this.node = null;
    this.startAt = 0;
  }

  /** Starts `samples` (mono, at the context's rate) from the beginning; stops what played before. */
  play(samples) {
    this.stop();
    this.samples = samples;
    this.pushed = 0; // samples fed to the engine
    if (this.engine) this.engine.reset();
    else this.engine = this.makeEngine();
    this.engine.setEmotion(this.emotion); // the clip's first turn
    this.turns.reset();
    const buffer = this.context.createBuffer(1, samples.length, this.context.sampleRate);
    buffer.copyToChannel(samples, 0);
    const node = this.context.createBufferSource();
    node.buffer = buffer;
    node.connect(this.context.destination);
    node.onended = () => {
      if (this.node !== node) return;
      this.node = null;
      this.onEnded?.();
    };
    this.node = node;
    this.startAt = this.context.currentTime + 0.1; // the first frames are ready before the sound
    this.streamStart = this.startAt; // context time of the engine stream's first sample
    node.start(this.startAt);
    this.feeding = true;
    this.pump();
    this.timer = setInterval(() => this.pump(), 40);
  }

  get playing() {
    return this.node !== null;
  }

  get lipsync() {
    return this.engine?.lipsync ?? null;
  }

  makeEngine() {
    const engine = new Engine({ ...this.engineOptions, sampleRate: this.context.sampleRate });
    engine.setEmotion(this.emotion);
    return engine;
  }

  setEmotion(request) {
    this.emotion = request;
    if (this.feeding) this.engine.setEmotion(request);
  }

  /** New engine options (smoothing): mid-clip, a new engine continues from the current sample. */
  setEngineOptions(options) {
    this.engineOptions = options;
    if (!this.feeding) { // built at the next play
      this.engine?.free();
      this.engine = null;
      return;
    }
    const next = this.makeEngine();
    this.engine.free();
    this.engine = next;
    this.streamStart = this.startAt + this.pushed / this.context.sampleRate;
  }

  pump() {
    if (!this.feeding) return;
    const rate = this.context.sampleRate;
    const block = Math.round(rate / FPS);
    const until = Math.min(this.samples.length, Math.round((this.context.currentTime - this.startAt + ClipPlayer.LEAD) * rate));
    if (until <= this.pushed) return;
    const started = performance.now();
    let level = -120;
    while (this.pushed < until) {
      const end = Math.min(this.pushed + block, until);
      level = levelDb(this.samples, this.pushed, end);
      if (this.turns.feed(level, (end - this.pushed) / rate)) this.engine.setEmotion(this.emotion);
      this.engine.push(this.samples.subarray(this.pushed, end));
      this.pushed = end;
    }
    let first = this.engine.firstReadyFrame;
    this.emit(first, this.engine.takeFrames(), performance.now() - started, level);
    if (this.pushed === this.samples.length) {
      // The end of the clip: the engine's look-ahead releases its last frames now.
      first = this.engine.firstReadyFrame;
      this.emit(first, this.engine.finish(), 0, level);
      this.feeding = false;
      clearInterval(this.timer);
      this.timer = null;
    }
  }

  emit(first, frames, computeMs, level) {
    const count = frames.length / 52;
    if (count === 0) return;
    this.onFrames({ frames, count, time: this.streamStart + first / FPS, computeMs, level });
  }

  stop() {
    clearInterval(this.timer);
    this.timer = null;
    this.feeding = false;
    if (this.node) {
      const node = this.node;
      this.node = null;
      node.onended = null;
      node.stop();
      node.disconnect();
    }
  }
}

/** Decodes an audio file to mono samples at the context's rate. */
export async function decodeMono(context, bytes) {
  const buffer = await context.decodeAudioData(bytes);
  const samples = new Float32Array(buffer.length);
  for (let c = 0; c < buffer.numberOfChannels; c++) {
    const channel = buffer.getChannelData(c);
    for (let i = 0; i < samples.length; i++) samples[i] += channel[i] / buffer.numberOfChannels;
  }
  return { samples, duration: buffer.duration };
}
