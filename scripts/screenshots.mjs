// Regenerates the demo's screenshots in headless Chromium (after `make pkg`):
//   docs/demo-rest.png      the page after load, the avatar at rest (neutral, level 3)
//   docs/demo-voice.png     mid-line from "Play a voice" (an <audio> element into startAudioSource)
//   docs/demo-speaking.png  mid-speech from a fake microphone playing a speech clip, emotion joy
// then measures the status line's figures (frames per second, compute per frame, latency) over
// 15 s of speech with the avatar drawn and 15 s with the drawing paused, and prints them.
//
//   node scripts/screenshots.mjs [out-dir]        (default docs/)
import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

import { startServer, launchBrowser, openPage } from '../tests/js/browser.mjs';

const root = new URL('../', import.meta.url);
const out = process.argv[2] ?? fileURLToPath(new URL('docs/', root));
const speech = fileURLToPath(new URL('www/scenarios/arc-monologue-1.wav', root));
const VIEWPORT = { width: 1360, height: 860 };

await mkdir(out, { recursive: true });
const server = await startServer();
const browser = await launchBrowser([
  '--use-fake-ui-for-media-stream',
  '--use-fake-device-for-media-stream',
  `--use-file-for-fake-audio-capture=${speech}`,
  '--autoplay-policy=no-user-gesture-required',
]);
try {
  const { page, errors } = await openPage(browser.context, server.url);
  await page.setViewportSize(VIEWPORT);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 60_000 });
  await page.waitForTimeout(1500); // the first blink is over at 1.5 s; let the bars settle
  await page.screenshot({ path: `${out}/demo-rest.png` });

  await page.click('#voice');
  await page.waitForFunction(() => {
    if (window.demo.source !== 'voice' || window.demo.applied[24] < 0.3) return false;
    window.demo.hold = true;
    return true;
  }, null, { timeout: 30_000, polling: 'raf' });
  await page.waitForTimeout(300);
  await page.screenshot({ path: `${out}/demo-voice.png` });
  await page.evaluate(() => { window.demo.hold = false; });
  await page.click('#stop-file');

  await page.click('.chip:has(input[value=joy])');
  await page.click('#mic');
  await page.waitForFunction(() => window.demo.frames > 90, null, { timeout: 30_000 });
  // Mid-speech: freeze the face and the panel at a moment with the jaw well open.
  await page.waitForFunction(() => {
    if (window.demo.applied[24] < 0.35) return false;
    window.demo.hold = true;
    return true;
  }, null, { timeout: 30_000, polling: 'raf' });
  await page.waitForTimeout(300);
  await page.screenshot({ path: `${out}/demo-speaking.png` });
  await page.evaluate(() => { window.demo.hold = false; });

  // The status line's figures over 15 s of speech, twice: with the avatar drawn (here by a
  // software rasteriser, SwiftShader, which competes with the engine for the CPU) and with the
  // drawing paused, which is closer to a machine with a GPU.
  const measure = async () => {
    const samples = [];
    for (let i = 0; i < 15; i++) {
      await page.waitForTimeout(1000);
      samples.push(await page.evaluate(() => ({ fps: window.demo.fps, compute: window.demo.computeMs, lag: window.demo.arrivalLagMs })));
    }
    const median = (key) => samples.map((x) => x[key]).sort((a, b) => a - b)[samples.length >> 1];
    return { framesPerSecond: median('fps'), computeMsPerFrame: +median('compute').toFixed(3), arrivalLagMs: Math.round(median('lag')) };
  };
  const drawn = await measure();
  await page.evaluate(() => { window.demo.hold = true; });
  const paused = await measure();
  const fixed = await page.evaluate(() => ({
    model: window.demo.model, mode: window.demo.mode, renderer: window.demo.renderer,
    latencyMs: Math.round(window.demo.latencyMs), displayDelayMs: Math.round(window.demo.displayDelayMs),
  }));
  console.log(JSON.stringify({ ...fixed, drawn, paused }, null, 1));
  if (errors.length) console.error('page errors:', errors);
} finally {
  await browser.close();
  server.stop();
}
