// The preset viewer against hostile storage and files, in headless Chromium: a corrupted and a
// foreign autosave, a full localStorage (quota exceeded) while editing and while starting from
// an unreadable autosave, and the import of a 50 MB file. Each leaves the author's library
// intact (in the page and in storage) and says what happened.
// Run: node --test --test-concurrency=1 tests/js/viewer-robust.test.mjs
// SCREENSHOTS=DIR keeps a picture of each message.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { startServer, launchBrowser, openPage } from './browser.mjs';

const STORE_LIBRARY = 'animasync-face.viewer.library';
const STORE_STATE = 'animasync-face.viewer.state';
const READY = { timeout: 90_000 };

let server;
let browser;
let dir;

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
  dir = await mkdtemp(join(tmpdir(), 'animasync-viewer-robust-'));
});

after(async () => {
  await browser?.close();
  server?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function shoot(page, name) {
  if (!process.env.SCREENSHOTS) return;
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: join(process.env.SCREENSHOTS, `${name}.png`), clip: { x: 0, y: 0, width: 1280, height: 300 } });
}

/** A fresh page of the viewer with `storage` (key -> text) in localStorage before it starts. */
async function viewerWith(storage, { quota = false } = {}) {
  const context = browser.context;
  const { page, errors } = await openPage(context, `${server.url}favicon.svg`); // same origin, no viewer yet
  await page.evaluate(([entries]) => {
    localStorage.clear();
    for (const [key, value] of entries) localStorage.setItem(key, value);
  }, [Object.entries(storage)]);
  if (quota) await page.addInitScript(fullStorage);
  errors.length = 0; // the placeholder page's own requests (favicon.ico) are not the viewer's
  await page.goto(`${server.url}viewer/`);
  await page.waitForSelector('body[data-ready="true"]', READY);
  return { page, errors };
}

/** Runs in the page: every write to localStorage fails as a full store does. */
function fullStorage() {
  Storage.prototype.setItem = function setItem() {
    throw new DOMException("Failed to execute 'setItem' on 'Storage': Setting the value exceeded the quota.", 'QuotaExceededError');
  };
}

const alertText = (page) => page.locator('#error-text').textContent();
const stored = (page, key) => page.evaluate((k) => localStorage.getItem(k), key);

test('a corrupted autosave is kept aside, named, and the viewer starts from the built-in library', { timeout: 180_000 }, async () => {
  const corrupted = '{"schema": "animasync-face/presets", "version": 1, "presets": {"joy": {"L3": {"jawOp';
  const { page, errors } = await viewerWith({ [STORE_LIBRARY]: corrupted, [STORE_STATE]: '{not json' });
  const message = await alertText(page);
  assert.match(message, /autosaved library could not be read/);
  assert.match(message, /\.unreadable/);
  await shoot(page, 'viewer-corrupted-autosave');
  assert.equal(await stored(page, `${STORE_LIBRARY}.unreadable`), corrupted, 'the unreadable autosave is kept, byte for byte');
  assert.equal(await page.evaluate(() => window.viewer.library.size), 48);
  // The viewer works: an edit is made and autosaved.
  await page.getByRole('button', { name: 'joy L3', exact: true }).click();
  await page.getByLabel('mouthSmileLeft value', { exact: true }).fill('0.8');
  await page.waitForFunction((key) => localStorage.getItem(key)?.includes('"mouthSmileLeft": 0.8'), STORE_LIBRARY);
  assert.deepEqual(errors, []);
  await page.close();
});

test('a foreign autosave (another document, a newer version, odd saved state) is kept aside and said so', { timeout: 180_000 }, async () => {
  for (const foreign of [
    JSON.stringify({ id: 'scenario', regime: 'monologue', turns: [] }),
    JSON.stringify({ schema: 'animasync-face/presets', version: 99, presets: {} }),
    '"just a string"',
  ]) {
    const state = JSON.stringify({ selection: { emotion: 'glee', level: 9 }, links: 'all', sweepLevel: 'x', mode: 'loud', compareTo: 42, scenario: 5 });
    const { page, errors } = await viewerWith({ [STORE_LIBRARY]: foreign, [STORE_STATE]: state });
    assert.match(await alertText(page), /autosaved library could not be read \(presets/);
    assert.equal(await stored(page, `${STORE_LIBRARY}.unreadable`), foreign);
    assert.equal(await page.evaluate(() => window.viewer.library.size), 48);
    assert.equal(await page.locator('.cell').count(), 48, 'the grid is drawn');
    assert.deepEqual(errors, [], `no uncaught errors with ${foreign}`);
    await page.close();
  }
});

test('a full localStorage: edits stay in the page, the viewer says autosave failed, export still works', { timeout: 180_000 }, async () => {
  const { page, errors } = await viewerWith({});
  await page.evaluate(fullStorage);
  await page.getByRole('button', { name: 'joy L3', exact: true }).click();
  await page.getByLabel('mouthSmileLeft value', { exact: true }).fill('0.85');
  await page.getByLabel('mouthSmileLeft value', { exact: true }).press('Tab');
  await page.waitForFunction(() => document.getElementById('error-text').textContent.includes('Autosave failed'));
  const message = await alertText(page);
  assert.match(message, /quota/);
  assert.match(message, /export the library to keep your work/);
  assert.equal(await page.locator('#save-state').textContent(), 'Not saved');
  await shoot(page, 'viewer-quota');
  assert.equal(await page.evaluate(() => window.viewer.value('mouthSmileLeft')), Math.fround(0.85), 'the edit is kept in the page');
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: /Export/ }).click()]);
  const exported = JSON.parse(await (await import('node:fs/promises')).readFile(await download.path(), 'utf8'));
  assert.equal(exported.presets.joy.L3.mouthSmileLeft, 0.85, 'the export holds the edit');
  assert.deepEqual(errors, []);
  await page.close();
});

test('an unreadable autosave and a full localStorage: the autosave is left alone and autosave pauses', { timeout: 180_000 }, async () => {
  const corrupted = '{"schema": "animasync-face/presets", "version": 1, "presets": {"joy": {';
  const { page, errors } = await viewerWith({ [STORE_LIBRARY]: corrupted }, { quota: true });
  const message = await alertText(page);
  assert.match(message, /no room to keep a copy of it/);
  assert.match(message, /autosave is paused/);
  await shoot(page, 'viewer-quota-corrupted');
  await page.getByRole('button', { name: 'joy L3', exact: true }).click();
  await page.getByLabel('mouthSmileLeft value', { exact: true }).fill('0.6');
  await page.getByLabel('mouthSmileLeft value', { exact: true }).press('Tab');
  await page.waitForFunction(() => document.getElementById('save-state').textContent.includes('autosave paused'));
  assert.equal(await stored(page, STORE_LIBRARY), corrupted, 'nothing was saved over the unreadable autosave');
  assert.deepEqual(errors, []);
  await page.close();
});

test('a 50 MB file is not imported, and says why; the library is unchanged', { timeout: 180_000 }, async () => {
  const big = join(dir, 'huge-presets.json');
  const handle = await open(big, 'w');
  await handle.write('{"schema": "animasync-face/presets", "version": 1, "presets": {}}');
  await handle.truncate(50e6); // the rest: zero bytes, 50 MB in all
  await handle.close();
  const { page, errors } = await viewerWith({});
  await page.getByRole('button', { name: 'joy L3', exact: true }).click();
  await page.getByLabel('mouthSmileLeft value', { exact: true }).fill('0.7');
  await page.getByLabel('mouthSmileLeft value', { exact: true }).press('Tab');
  const memoryBefore = await page.evaluate(async () => {
    const glue = await import('/pkg/animasync_face.js');
    return (await glue.default()).memory.buffer.byteLength;
  });
  await page.locator('#import').setInputFiles(big);
  await page.waitForFunction(() => document.getElementById('error-text').textContent.includes('huge-presets.json'));
  const message = await alertText(page);
  assert.match(message, /it is 50\.0 MB/);
  assert.match(message, /Your library is unchanged/);
  await shoot(page, 'viewer-import-50mb');
  assert.equal(await page.evaluate(() => window.viewer.value('mouthSmileLeft')), Math.fround(0.7));
  assert.equal(await page.evaluate(() => window.viewer.library.size), 48);
  const memoryAfter = await page.evaluate(async () => {
    const glue = await import('/pkg/animasync_face.js');
    return (await glue.default()).memory.buffer.byteLength;
  });
  assert.equal(memoryAfter, memoryBefore, 'the file never reached the wasm memory');
  // The same file offered as a scenario: refused before it is read, the scenario panel says so.
  await page.locator('#scenario-files').setInputFiles(big);
  await page.waitForFunction(() => document.getElementById('error-text').textContent.includes('"huge-presets.json" was not loaded: it is 50.0 MB'));
  await shoot(page, 'viewer-scenario-50mb');
  assert.equal(await page.evaluate(() => window.viewer.library.size), 48);
  assert.deepEqual(errors, []);
  await page.close();
});
