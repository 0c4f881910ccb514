// The preset viewer (www/viewer/) in headless Chromium: edit joy L3 mouthSmileLeft by its label,
// export and find the edit in the downloaded JSON, reload and find it kept (autosave), import a
// malformed file and see the error with the edit untouched, undo, the intensity sweep, no console
// errors. Run: node --test --test-concurrency=1 tests/js/viewer.test.mjs
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { startServer, launchBrowser, openPage } from './browser.mjs';

let server;
let browser;
let dir;

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
  dir = await mkdtemp(join(tmpdir(), 'animasync-viewer-'));
});

after(async () => {
  await browser?.close();
  server?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const READY = { timeout: 90_000 };

test('edit, export, reload, import a malformed file, undo', { timeout: 300_000 }, async () => {
  const { page, errors } = await openPage(browser.context, `${server.url}viewer/`);
  await page.waitForSelector('body[data-ready="true"]', READY);
  assert.equal(await page.locator('.cell').count(), 48, '16 emotions x L1/L3/L5');
  assert.equal(await page.locator('.channel').count(), 52);

  await page.getByRole('button', { name: 'joy L3', exact: true }).click();
  assert.equal(await page.locator('#editor-title').textContent(), 'Joy L3');
  const slider = page.getByLabel('mouthSmileLeft', { exact: true });
  const field = page.getByLabel('mouthSmileLeft value', { exact: true });
  const before = Number(await field.inputValue());
  assert.notEqual(before, 0.9);

  // The numeric field: bad values are marked and not applied.
  await field.fill('1.5');
  assert.equal(await field.getAttribute('aria-invalid'), 'true');
  assert.match(await page.locator('#msg-mouthSmileLeft').textContent(), /outside \[0, 1\]/);
  assert.equal(await page.evaluate(() => window.viewer.value('mouthSmileLeft')), Math.fround(before));
  await field.fill('');
  await field.pressSequentially('-'); // not (yet) a number
  assert.equal(await field.getAttribute('aria-invalid'), 'true');
  assert.match(await page.locator('#msg-mouthSmileLeft').textContent(), /Not a number/);
  assert.equal(await page.evaluate(() => window.viewer.value('mouthSmileLeft')), Math.fround(before));

  // The slider, found by its label, sets the value; the field follows; the avatar shows it.
  await slider.fill('0.9');
  assert.equal(await field.inputValue(), '0.9');
  assert.equal(await field.getAttribute('aria-invalid'), 'false');
  assert.equal(await page.evaluate(() => window.viewer.value('mouthSmileLeft')), Math.fround(0.9));
  const shownSmile = await page.evaluate(async () => {
    const { channelNames } = await import('animasync-face');
    return window.viewer.shown[channelNames().indexOf('mouthSmileLeft')];
  });
  assert.equal(shownSmile, Math.fround(0.9), 'the avatar shows the edited preset');
  assert.equal(await page.locator('.cell[data-emotion=joy][data-level="3"]').getAttribute('data-state'), 'edited');

  // Export: the downloaded file holds the edit and round-trips exactly.
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: /Export/ }).click()]);
  assert.equal(download.suggestedFilename(), 'presets.json');
  const exported = await readFile(await download.path(), 'utf8');
  assert.equal(JSON.parse(exported).presets.joy.L3.mouthSmileLeft, 0.9);
  const roundTrip = await page.evaluate(async (text) => {
    const { PresetLibrary } = await import('animasync-face');
    return PresetLibrary.fromJson(text).toJson() === text && window.viewer.library.toJson() === text;
  }, exported);
  assert.ok(roundTrip, 'fromJson(export).toJson() is the export, and the library itself');

  // Reload: the autosaved library and the selection come back.
  await page.reload();
  await page.waitForSelector('body[data-ready="true"]', READY);
  assert.equal(await page.locator('#editor-title').textContent(), 'Joy L3');
  assert.equal(await page.getByLabel('mouthSmileLeft value', { exact: true }).inputValue(), '0.9');

  // A malformed file is rejected with what and where; the edit stays.
  const bad = JSON.parse(exported);
  bad.presets.joy.L5.jawOpen = 7;
  const badPath = join(dir, 'bad-presets.json');
  await writeFile(badPath, JSON.stringify(bad));
  await page.locator('#import').setInputFiles(badPath);
  const alert = page.getByRole('alert');
  await alert.waitFor({ state: 'visible' });
  const message = await alert.textContent();
  assert.match(message, /bad-presets\.json/);
  assert.match(message, /presets\.joy\.L5\.jawOpen/);
  assert.match(message, /unchanged/);
  assert.equal(await page.evaluate(() => window.viewer.value('mouthSmileLeft')), Math.fround(0.9));
  const truncated = join(dir, 'truncated.json');
  await writeFile(truncated, exported.slice(0, 200));
  await page.locator('#import').setInputFiles(truncated);
  await page.waitForFunction(() => document.getElementById('error-text').textContent.includes('truncated.json'));
  assert.match(await alert.textContent(), /line \d+ column \d+/);
  assert.equal(await page.getByLabel('mouthSmileLeft value', { exact: true }).inputValue(), '0.9');

  // Another edit, then undo (button) and Ctrl+Z restore the previous values; redo again.
  await page.getByLabel('mouthSmileLeft value', { exact: true }).fill('0.25');
  await page.getByLabel('mouthSmileLeft value', { exact: true }).press('Tab');
  assert.equal(await page.evaluate(() => window.viewer.value('mouthSmileLeft')), Math.fround(0.25));
  await page.getByRole('button', { name: /Undo/ }).click();
  assert.equal(await page.getByLabel('mouthSmileLeft value', { exact: true }).inputValue(), '0.9');
  await page.locator('body').press('Control+Shift+Z');
  assert.equal(await page.getByLabel('mouthSmileLeft value', { exact: true }).inputValue(), '0.25');
  await page.locator('body').press('Control+z');
  assert.equal(await page.getByLabel('mouthSmileLeft value', { exact: true }).inputValue(), '0.9');

  // Link the pair and mirror: the right side follows.
  await page.getByRole('button', { name: 'Link mouthSmileLeft and mouthSmileRight' }).click();
  await page.getByLabel('mouthSmileLeft value', { exact: true }).fill('0.7');
  assert.equal(await page.getByLabel('mouthSmileRight value', { exact: true }).inputValue(), '0.7');
  await page.getByRole('button', { name: 'Reset to built-in' }).click();
  assert.equal(await page.locator('.cell[data-emotion=joy][data-level="3"]').getAttribute('data-state'), 'built-in');

  // The intensity sweep goes through the compiler with the edited library.
  await page.getByLabel('Intensity').fill('2.4');
  const sweep = await page.evaluate(async () => {
    const { compileExpression } = await import('animasync-face');
    const expected = compileExpression(window.viewer.library, { emotion: 'joy', level: 2.4 });
    return { preview: window.viewer.preview, same: window.viewer.shown.every((x, i) => x === expected[i]) };
  });
  assert.deepEqual(sweep, { preview: 'compiled', same: true });

  const stats = await page.evaluate(() => window.viewer.canvasStats());
  if (stats) assert.ok(stats.covered > 0.05, `the avatar is drawn: ${JSON.stringify(stats)}`);
  assert.deepEqual(errors, []);
});

test('drag-drop import, a missing preset created from the compiled value, revert with confirmation, compare', { timeout: 300_000 }, async () => {
  const { page, errors } = await openPage(browser.context, `${server.url}viewer/`);
  await page.waitForSelector('body[data-ready="true"]', READY);
  // A library without joy L5, dropped on the page.
  const text = await page.evaluate(async () => {
    const { PresetLibrary } = await import('animasync-face');
    const library = PresetLibrary.builtin();
    library.removePreset('joy', 5);
    return library.toJson();
  });
  const drop = async (content, name) => page.evaluate(([content, name]) => {
    const data = new DataTransfer();
    data.items.add(new File([content], name, { type: 'application/json' }));
    document.body.dispatchEvent(new DragEvent('drop', { dataTransfer: data, bubbles: true, cancelable: true }));
  }, [content, name]);
  await drop('{"schema": "animasync-face/presets", "version": 1, "presets": {"joy": {"L3": {"jawOpen": "wide"}}}}', 'dropped-bad.json');
  await page.waitForFunction(() => document.getElementById('error-text').textContent.includes('dropped-bad.json'));
  assert.equal(await page.evaluate(() => window.viewer.library.size), 48, 'a rejected drop leaves the library as it was');
  await drop(text, 'no-joy-l5.json');
  await page.waitForFunction(() => window.viewer.library.size === 47);
  const cell = page.locator('.cell[data-emotion=joy][data-level="5"]');
  assert.equal(await cell.getAttribute('data-state'), 'missing');

  // Select it: the editor offers to create it from the compiled value at L5.
  await cell.click();
  assert.ok(await page.locator('#missing').isVisible());
  assert.ok(await page.getByLabel('mouthSmileLeft', { exact: true }).isDisabled());
  await page.getByRole('button', { name: 'Create from the compiled value' }).click();
  assert.equal(await cell.getAttribute('data-state'), 'edited');
  const created = await page.evaluate(async () => {
    const { compileExpression, PresetLibrary } = await import('animasync-face');
    const library = PresetLibrary.fromJson(window.viewer.library.toJson());
    library.removePreset('joy', 5);
    const expected = compileExpression(library, { emotion: 'joy', level: 5 });
    const preset = window.viewer.library.preset('joy', 5);
    return preset.every((x, i) => x === expected[i]);
  });
  assert.ok(created, 'the new preset is the compiled value at L5');

  // Revert to the built-in library: asks first; dismissing keeps the work, accepting reverts.
  page.once('dialog', (dialog) => dialog.dismiss());
  await page.getByRole('button', { name: 'Revert to built-in library' }).click();
  assert.equal(await cell.getAttribute('data-state'), 'edited');
  page.once('dialog', (dialog) => dialog.accept());
  await page.getByRole('button', { name: 'Revert to built-in library' }).click();
  assert.equal(await cell.getAttribute('data-state'), 'built-in');
  await page.keyboard.press('Control+z');
  assert.equal(await cell.getAttribute('data-state'), 'edited');

  // Compare with the built-in joy L5: a second avatar, ghost ticks, the differing rows marked.
  await page.getByLabel('Compare with').selectOption('builtin');
  await page.locator('#pane-b').waitFor({ state: 'visible' });
  const compared = await page.evaluate(() => {
    const builtin = window.viewer.compareShown;
    return { ghosts: document.querySelectorAll('.ghost:not([hidden])').length, differs: document.querySelectorAll('.channel.differs').length, builtin };
  });
  assert.ok(compared.differs > 0, 'the created preset differs from the built-in one somewhere');
  assert.equal(compared.ghosts, compared.differs, 'a tick at the built-in value on every differing row');
  const builtinL5 = await page.evaluate(async () => {
    const { PresetLibrary } = await import('animasync-face');
    return Array.from(PresetLibrary.builtin().preset('joy', 5));
  });
  assert.deepEqual(compared.builtin, builtinL5);
  await page.waitForFunction(() => document.querySelector('#pane-b canvas').width > 0);
  await page.getByLabel('Compare with').selectOption('none');
  assert.ok(await page.locator('#pane-b').isHidden());
  assert.deepEqual(errors, []);
});
