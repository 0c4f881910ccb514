// The preset viewer's screenshot in headless Chromium (after `make pkg`):
//   docs/viewer-editor.png   joy L3 selected, mouthSmileLeft/Right linked and raised a little
//   docs/viewer-compare.png  the same, compared side by side with the built-in joy L3
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
  if (errors.length) console.error('console errors:', errors);
  console.log(`wrote ${out}/viewer-editor.png and viewer-compare.png`);
} finally {
  await browser.close();
  server.stop();
}
