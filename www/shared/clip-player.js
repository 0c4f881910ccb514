// File playback: a decoded clip played with its frames computed just ahead of the playhead, by
// the engine on the page's thread; the twin of the package's microphone (pkg/microphone.js),
// with the same `onFrames` events. Kept with the pages (not in the package, whose exports stay
// as they are) until a user needs it.
import { Engine, frameRate } from 'animasync-face';

import { levelDb } from './audio.js';

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
    const block = Math.round(rate / frameRate());
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
    this.onFrames({ frames, count, time: this.streamStart + first / frameRate(), computeMs, level });
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
