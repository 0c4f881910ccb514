// The preset viewer's screenshot in headless Chromium (after `make pkg`):
//   docs/viewer-editor.png   joy L3 selected, mouthSmileLeft/Right linked and raised a little
//   docs/viewer-compare.png  the same, compared side by side with the built-in joy L3
//   docs/viewer-scenario.png scenario playback, A/B/C: arc-monologue rendered with CURRENT, MIDDLE
//                            and none, paused just after the surprise -> sadness boundary, where
//                            the three differ most; the editor on sadness L3 (turn 2's preset)
//
//   node scripts/viewer-screenshot.mjs [out-dir]        (default docs/)
import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

import { startServer, launchBrowser, openPage } from '../tests/js/browser.mjs';

const root = new URL('../', import.meta.url);
const out = process.argv[2] ?? fileURLToPath(new URL('docs/', root));
const VIEWPORT = { width: 1480, height: 900 };

await mkdir(out, { recursive: true });
const server = await startServer();
const browser = await launchBrowser();
try {
  const { page, errors } = await openPage(browser.context, `${server.url}viewer/`);
  await page.setViewportSize(VIEWPORT);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 90_000 });
  await page.getByRole('button', { name: 'joy L3', exact: true }).click();
  await page.getByRole('button', { name: 'Link mouthSmileLeft and mouthSmileRight' }).click();
  await page.getByLabel('mouthSmileLeft value', { exact: true }).fill('0.82');
  await page.getByLabel('mouthSmileLeft value', { exact: true }).press('Tab');
  await page.locator('body').click({ position: { x: 5, y: 5 } }); // no focus ring in the picture
  await page.waitForTimeout(1500);
  await page.screenshot({ path: `${out}/viewer-editor.png` });
  await page.getByLabel('Compare with').selectOption('builtin');
  await page.waitForFunction(() => document.querySelector('#pane-b canvas').width > 0);
  await page.waitForTimeout(2500); // the second avatar loads and draws
  await page.screenshot({ path: `${out}/viewer-compare.png` });
  await page.getByLabel('Compare with').selectOption('none'); // the next visit starts single

  await page.getByRole('button', { name: 'sadness L3', exact: true }).click();
  await page.locator('#scenario > summary').click();
  await page.getByLabel('Scenario', { exact: true }).selectOption('arc-monologue');
  await page.waitForFunction(() => {
    const s = window.viewer.scenario;
    return s?.scenario?.id === 'arc-monologue' && !s.loading && s.results.size === 3 && [...s.avatars.values()].every((a) => a.driver);
  }, null, { timeout: 90_000 });
  await page.evaluate(() => window.viewer.scenario.seek(3.2));
  await page.locator('body').click({ position: { x: 5, y: 5 } });
  await page.waitForTimeout(2500); // the avatars draw the frame at 3.2 s
  await page.screenshot({ path: `${out}/viewer-scenario.png` });
  await page.locator('#scenario > summary').click(); // the next visit starts with the panel closed
  if (errors.length) console.error('console errors:', errors);
  console.log(`wrote ${out}/viewer-editor.png, viewer-compare.png and viewer-scenario.png`);
} finally {
  await browser.close();
  server.stop();
}
