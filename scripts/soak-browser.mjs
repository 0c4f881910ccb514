// The microphone soak in headless Chromium (`make soak`): www/soak/ streams a WAV file through
// Chromium's fake microphone (looped) -> AudioWorklet -> worker -> wasm Engine for MINUTES,
// cycling the emotion every 7 s, and this script samples, every SAMPLE seconds, the page's JS heap
// (after a forced GC), the worker's wasm memory, the frames received and the audio time. It
// prints one JSON line: memory at start (after the first sample) and end, frames against the
// frames the audio time covers, gaps in the frame indices (dropped frames) and the frame rate.
// Exits 1 when frames were dropped, a weight left [0, 1], or an error was reported.
//
//   node scripts/soak-browser.mjs [MINUTES=10] [WAV=www/scenarios/arc-monologue-2.wav] [SAMPLE=30]
import { resolve } from 'node:path';

import { startServer, launchBrowser, openPage } from '../tests/js/browser.mjs';

const minutes = Number(process.argv[2] ?? 10);
const wav = resolve(process.argv[3] ?? 'www/scenarios/arc-monologue-2.wav');
const sampleEvery = Number(process.argv[4] ?? 30);
if (!(minutes > 0)) throw new Error('MINUTES must be a positive number');

const server = await startServer();
const browser = await launchBrowser([
  '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream',
  `--use-file-for-fake-audio-capture=${wav}`, '--autoplay-policy=no-user-gesture-required',
  '--enable-precise-memory-info',
]);
let code = 1;
try {
  const { page, errors } = await openPage(browser.context, `${server.url}soak/`);
  const cdp = await browser.context.newCDPSession(page);
  const emotions = ['joy', 'sadness', 'anger', 'surprise', 'neutral'].flatMap((emotion) => [1, 3, 5].map((level) => ({ emotion, level })));
  await page.evaluate((list) => window.startSoak(list), emotions);
  const worker = await (async () => {
    for (let i = 0; i < 100 && page.workers().length === 0; i++) await new Promise((r) => setTimeout(r, 100));
    return page.workers()[0];
  })();
  // The worker's own module instance: wasm-bindgen's init returns the instance's exports (and
  // its memory) when it has already run.
  const wasmBytes = () => worker.evaluate(async () => {
    const glue = await import(new URL('./animasync_face.js', self.location.href));
    return (await glue.default()).memory.buffer.byteLength;
  });
  const sample = async () => {
    await cdp.send('HeapProfiler.collectGarbage');
    const { usedSize } = await cdp.send('Runtime.getHeapUsage');
    const state = await page.evaluate(() => window.soakState());
    return { ...state, heapUsed: usedSize, wasm: await wasmBytes(), wall: performance.now() / 1000 };
  };
  const samples = [];
  const endAt = performance.now() + minutes * 60_000;
  await new Promise((r) => setTimeout(r, Math.min(sampleEvery, minutes * 60) * 1000));
  samples.push(await sample());
  while (performance.now() < endAt) {
    await new Promise((r) => setTimeout(r, Math.max(0, Math.min(sampleEvery * 1000, endAt - performance.now()))));
    samples.push(await sample());
  }
  const [first, last] = [samples[0], samples.at(-1)];
  const mb = (bytes) => Math.round(bytes / 1e4) / 100;
  // Frames the audio clock covers, less the frames still waiting for the model's look-ahead
  // and the last partial batch (a few frames).
  const expected = Math.floor(last.audioSeconds * 30);
  const result = {
    soak: 'chromium-microphone',
    minutes,
    wav: process.argv[3] ?? 'www/scenarios/arc-monologue-2.wav',
    audio_seconds: Math.round(last.audioSeconds * 10) / 10,
    frames: last.frames,
    frames_expected_from_audio_clock: expected,
    frames_behind: expected - last.frames,
    frame_rate: Math.round((last.frames - first.frames) / (last.audioSeconds - first.audioSeconds) * 100) / 100,
    gaps: last.gaps,
    dropped_frames: last.missing,
    out_of_range_weights: last.outOfRange,
    batches: last.batches,
    engine_ms_per_frame: Math.round(last.computeMs / Math.max(last.frames, 1) * 1000) / 1000,
    max_batch_compute_ms: Math.round(last.maxComputeMs * 10) / 10,
    js_heap_mb_start: mb(first.heapUsed),
    js_heap_mb_end: mb(last.heapUsed),
    js_heap_mb_max: mb(Math.max(...samples.map((s) => s.heapUsed))),
    wasm_memory_mb_start: mb(first.wasm),
    wasm_memory_mb_end: mb(last.wasm),
    samples: samples.length,
    errors: [...last.errors, ...errors].slice(0, 5),
  };
  console.log(JSON.stringify(result));
  code = result.dropped_frames === 0 && result.gaps === 0 && result.out_of_range_weights === 0 && result.errors.length === 0
    && Math.abs(result.frame_rate - 30) < 0.5 ? 0 : 1;
} finally {
  await browser.close();
  server.stop();
}
process.exit(code);
