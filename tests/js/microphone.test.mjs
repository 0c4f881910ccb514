// The live microphone path in headless Chromium with a fake microphone playing a speech clip:
// worklet -> worker -> wasm engine -> frames on the main thread.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';

import { startServer, launchBrowser, openPage } from './browser.mjs';

const speech = fileURLToPath(new URL('../../www/scenarios/arc-monologue-2.wav', import.meta.url));
let server;
let browser;

before(async () => {
  server = await startServer();
  browser = await launchBrowser([
    '--use-fake-ui-for-media-stream',
    '--use-fake-device-for-media-stream',
    `--use-file-for-fake-audio-capture=${speech}`,
    '--autoplay-policy=no-user-gesture-required',
  ]);
});

after(async () => {
  await browser?.close();
  server?.stop();
});

test('speech from the microphone moves the mouth, frames keep flowing', async () => {
  const { page, errors } = await openPage(browser.context, `${server.url}mic/`);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 30_000 });
  await page.click('#start');
  await page.waitForFunction(() => window.micStats.frames > 0, null, { timeout: 20_000 });
  const jaw = [];
  const start = await page.evaluate(() => window.micStats.frames);
  const t0 = Date.now();
  while (Date.now() - t0 < 6_000) {
    await page.waitForTimeout(50);
    jaw.push(await page.evaluate(() => window.micStats.last?.[24] ?? 0));
  }
  const frames = (await page.evaluate(() => window.micStats.frames)) - start;
  const perSecond = frames / ((Date.now() - t0) / 1000);
  assert.ok(perSecond >= 25, `${perSecond.toFixed(1)} frames per second`);
  assert.ok(Math.max(...jaw) > 0.3, `the jaw opens in speech: max ${Math.max(...jaw)}`);
  assert.ok(Math.min(...jaw) < 0.1, `and closes in pauses: min ${Math.min(...jaw)}`);
  assert.match(await page.textContent('#status'), /running · animasync-lipsync-default · latency \d+ ms/);
  await page.click('#stop');
  assert.deepEqual(errors, []);
  await page.close();
});
