// The expression compiler page (/compile/) in headless Chromium: it loads the built package
// through the import map, compiles the chosen emotion in WebAssembly and shows the 52 weights as
// labelled bars.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';

import { startServer, launchBrowser, openPage } from './browser.mjs';

let server;
let browser;

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  server?.stop();
});

const value = async (page, channel) => Number(await page.locator(`[data-channel="${channel}"] .value`).textContent());

test('the page shows the 52 weights of the chosen emotion and level', async () => {
  const { page, errors } = await openPage(browser.context, `${server.url}compile/`);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 30_000 });
  assert.equal(await page.locator('[data-channel]').count(), 52);
  assert.equal(await page.locator('#emotion option').count(), 16);

  await page.selectOption('#emotion', 'joy');
  await page.locator('#level').fill('5');
  assert.equal(await value(page, 'mouthSmileLeft'), 0.9);
  assert.equal(await value(page, 'cheekSquintRight'), 0.65);
  assert.equal(await value(page, 'browDownLeft'), 0);

  await page.locator('#level').fill('1');
  assert.equal(await value(page, 'mouthSmileLeft'), 0.3);

  await page.selectOption('#emotion', 'anger');
  await page.locator('#level').fill('3');
  assert.equal(await value(page, 'browDownLeft'), 0.6);
  assert.equal(await value(page, 'mouthSmileLeft'), 0);
  assert.match(page.url(), /#emotion=anger&level=3&mode=expressive$/);

  await page.selectOption('#emotion', 'surprise');
  await page.locator('#level').fill('5');
  await page.waitForTimeout(300); // let the bars' 120 ms width transition finish
  await mkdir('test-results', { recursive: true });
  await page.screenshot({ path: 'test-results/first-page.png', fullPage: true });
  // (An SVG document has no <link rel="icon">: the browser asks for /favicon.ico, which is not served.)
  assert.deepEqual(errors.filter((e) => !e.includes('/favicon.ico')), []);
  await page.close();
});

test('a linked view opens as linked, and a bad link falls back to defaults', async () => {
  const { page, errors } = await openPage(browser.context, `${server.url}compile/#emotion=contempt&level=5&mode=archetype`);
  await page.waitForSelector('body[data-ready="true"]');
  assert.equal(await page.inputValue('#emotion'), 'contempt');
  assert.equal(await page.inputValue('#mode'), 'archetype');
  assert.ok((await value(page, 'mouthDimpleRight')) > 0.2);

  await page.goto(`${server.url}compile/#emotion=nonsense&level=abc&mode=zzz`);
  await page.reload();
  await page.waitForSelector('body[data-ready="true"]');
  assert.equal(await page.inputValue('#mode'), 'expressive');
  assert.equal(await page.locator('#error').isHidden(), true);
  // (An SVG document has no <link rel="icon">: the browser asks for /favicon.ico, which is not served.)
  assert.deepEqual(errors.filter((e) => !e.includes('/favicon.ico')), []);
  await page.close();
});

test('init reports the module arriving, byte by byte up to its size, and a bad callback is refused', async () => {
  // A document that has not loaded the package, so this is the module's first load.
  const { page, errors } = await openPage(browser.context, `${server.url}favicon.svg`);
  const seen = await page.evaluate(async () => {
    const pkg = await import('/pkg/index.js');
    let refused = null;
    await pkg.init(undefined, { onProgress: 'yes' }).catch((error) => { refused = error.message; });
    const progress = [];
    await pkg.init(undefined, { onProgress: (p) => progress.push(p) });
    const engine = new pkg.Engine({ sampleRate: 16000 });
    const ready = engine.push(new Float32Array(16000));
    engine.free();
    const size = Number((await fetch('/pkg/animasync_face_bg.wasm', { method: 'HEAD' })).headers.get('Content-Length'));
    return { refused, progress, ready, size };
  });
  assert.match(seen.refused, /onProgress must be a function/);
  assert.ok(seen.progress.length >= 3, `${seen.progress.length} reports`);
  assert.deepEqual(seen.progress[0], { loaded: 0, total: seen.size });
  assert.deepEqual(seen.progress.at(-1), { loaded: seen.size, total: seen.size });
  assert.ok(seen.progress.every((p, i) => i === 0 || p.loaded >= seen.progress[i - 1].loaded));
  assert.ok(seen.ready > 0, 'the engine made frames after a progress-reported load');
  // (An SVG document has no <link rel="icon">: the browser asks for /favicon.ico, which is not served.)
  assert.deepEqual(errors.filter((e) => !e.includes('/favicon.ico')), []);
  await page.close();
});
