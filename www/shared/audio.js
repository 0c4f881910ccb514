// Audio on a page, shared by the demo and the viewer: a display clock that follows an audio
// context smoothly, decoding a file to mono, and the RMS level of samples.

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

/** RMS level of `samples[from, to)` in dBFS (-120 for digital silence). */
export function levelDb(samples, from = 0, to = samples.length) {
  let sum = 0;
  for (let i = from; i < to; i++) sum += samples[i] * samples[i];
  return 10 * Math.log10(sum / Math.max(to - from, 1) + 1e-12);
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
