// The previous generation's wrapper API, imported by name as a migrating site would.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';

import { AnimasyncCompat } from 'animasync-face/compat';
import { Engine } from 'animasync-face';
import { decodeWav } from './wav.mjs';

const root = new URL('../../', import.meta.url);

test('the compatibility layer answers like the previous wrapper', async () => {
  const stages = [];
  const lipsync = new AnimasyncCompat();
  assert.throws(() => lipsync.processAudio(new Float32Array(160)), /call init\(\) first/);
  await lipsync.init({ onProgress: ({ stage }) => stages.push(stage) });
  assert.deepEqual(stages, ['wasm', 'engine', 'ready']);

  const { samples, sampleRate } = decodeWav(await readFile(new URL('tests/fixtures/speech16k.wav', root)));
  assert.equal(sampleRate, 16000);
  const whole = lipsync.processAudio(samples);
  assert.equal(whole.fps, 30);
  assert.equal(whole.mode, 'model'); // the built-in default model
  assert.equal(whole.frame_count, Math.ceil(samples.length * 30 / 16000));
  assert.equal(lipsync.getFrame(whole, 0).length, 52);
  assert.throws(() => lipsync.getFrame(whole, whole.frame_count), RangeError);

  // A whole clip is read by the playback model (it can wait for its look-ahead), the stream below
  // by the live one: the frames of an engine of each latency.
  const reference = new Engine({ sampleRate: 16000 });
  assert.deepEqual(whole.blendshapes, reference.processClip(samples, 16000, { latency: 'playback' }).blendshapes);
  const live = reference.processClip(samples, 16000, { latency: 'live' }).blendshapes;
  reference.free();

  // Streaming in 100 ms chunks: null until a frame is complete, then the same frames as a clip
  // read live.
  assert.equal(lipsync.processAudioChunk(new Float32Array(100)), null);
  lipsync.reset();
  const parts = [];
  for (let at = 0; at < samples.length; at += 1600) {
    const result = lipsync.processAudioChunk(samples.subarray(at, at + 1600), at + 1600 >= samples.length);
    if (result) parts.push(result.blendshapes);
  }
  const streamed = Float32Array.from(parts.flatMap((p) => Array.from(p)));
  assert.deepEqual(streamed, live);
  lipsync.dispose();
  assert.throws(() => lipsync.reset(), /call init\(\) first/);
});
