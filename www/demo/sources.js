// The demo's own rules for its sources (the microphone is pkg/microphone.js, a file is
// ../shared/clip-player.js): the pause rule that starts turns automatically, and the face at
// rest between sources.
import { compileExpression, frameRate } from 'animasync-face';

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
    const since = (t - this.nextBlink) * frameRate(); // frames since the blink began
    let closed = 0;
    if (since >= 0 && since < 3) closed = since / 3;
    else if (since >= 3 && since < 4) closed = 1;
    else if (since >= 4 && since < 10) closed = 1 - (since - 4) / 6;
    else if (since >= 10) this.nextBlink = t + 2 + 4 * this.random();
    for (const i of [this.blinkLeft, this.blinkRight]) this.out[i] = Math.max(this.out[i], closed);
    return this.out;
  }
}
