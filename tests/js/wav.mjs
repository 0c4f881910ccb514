// A minimal WAV reader for the tests (16-bit PCM or 32-bit float, any channel count -> mono).
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
