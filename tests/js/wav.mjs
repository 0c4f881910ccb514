// A minimal WAV reader and writer for the tests (16-bit PCM or 32-bit float, any channel count ->
// mono), and the speech-with-pauses clip the browser tests play.
import { readFile } from 'node:fs/promises';

export function decodeWav(bytes) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const tag = (at) => String.fromCharCode(...bytes.subarray(at, at + 4));
  if (tag(0) !== 'RIFF' || tag(8) !== 'WAVE') throw new Error('not a RIFF/WAVE file');
  let format;
  for (let at = 12; at + 8 <= bytes.length; at += 8 + view.getUint32(at + 4, true) + (view.getUint32(at + 4, true) % 2)) {
    const size = view.getUint32(at + 4, true);
    if (tag(at) === 'fmt ') {
      format = { code: view.getUint16(at + 8, true), channels: view.getUint16(at + 10, true), sampleRate: view.getUint32(at + 12, true), bits: view.getUint16(at + 22, true) };
    } else if (tag(at) === 'data') {
      const { code, channels, sampleRate, bits } = format;
      const frames = Math.floor(size / (bits / 8) / channels);
      const samples = new Float32Array(frames);
      for (let i = 0; i < frames; i++) {
        let sum = 0;
        for (let c = 0; c < channels; c++) {
          const offset = at + 8 + (i * channels + c) * (bits / 8);
          sum += code === 3 ? view.getFloat32(offset, true) : view.getInt16(offset, true) / 32768;
        }
        samples[i] = sum / channels;
      }
      return { samples, sampleRate };
    }
  }
  throw new Error('no data chunk');
}

/** 16-bit mono WAV bytes. */
export function encodeWav(samples, sampleRate) {
  const bytes = Buffer.alloc(44 + samples.length * 2);
  bytes.write('RIFF', 0);
  bytes.writeUInt32LE(36 + samples.length * 2, 4);
  bytes.write('WAVEfmt ', 8);
  bytes.writeUInt32LE(16, 16);
  bytes.writeUInt16LE(1, 20);
  bytes.writeUInt16LE(1, 22);
  bytes.writeUInt32LE(sampleRate, 24);
  bytes.writeUInt32LE(sampleRate * 2, 28);
  bytes.writeUInt16LE(2, 32);
  bytes.writeUInt16LE(16, 34);
  bytes.write('data', 36);
  bytes.writeUInt32LE(samples.length * 2, 40);
  samples.forEach((x, i) => bytes.writeInt16LE(Math.round(Math.max(-1, Math.min(1, x)) * 32767), 44 + i * 2));
  return bytes;
}

/** WAV bytes of two real speech clips (www/scenarios/arc-monologue-2 and -3), each followed by
 * 1.2 s of silence: speech, and pauses long enough for a new turn and for the mouth to rest. */
export async function speechWithPauses() {
  const parts = [];
  let rate;
  for (const name of ['arc-monologue-2', 'arc-monologue-3']) {
    const { samples, sampleRate } = decodeWav(await readFile(new URL(`../../www/scenarios/${name}.wav`, import.meta.url)));
    rate = sampleRate;
    parts.push(samples, new Float32Array(Math.round(1.2 * sampleRate)));
  }
  const all = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    all.set(part, at);
    at += part.length;
  }
  return encodeWav(all, rate);
}
