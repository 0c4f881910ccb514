#!/usr/bin/env node
// Page load to the first frame, in headless Chromium (Debian's, through playwright-core) on
// localhost: www/bench/first-frame.html loaded `runs` times, each in a fresh browser profile
// (nothing cached), and the median of each mark printed with every run's figures.
// Needs `make pkg` first (`make bench` does everything).
//
//   node scripts/bench-first-frame.mjs [runs]
import { startServer, launchBrowser, openPage } from '../tests/js/browser.mjs';

const runs = Number(process.argv[2] ?? 7);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const server = await startServer();
const results = [];
try {
  for (let i = 0; i < runs; i++) {
    const browser = await launchBrowser();
    try {
      const { page, errors } = await openPage(browser.context, `${server.url}bench/first-frame.html`);
      await page.waitForFunction(() => window.benchResult, null, { timeout: 120_000, polling: 50 });
      const result = await page.evaluate(() => window.benchResult);
      if (result.error || errors.length) throw new Error(`${result.error ?? ''}\n${errors.join('\n')}`);
      results.push(result);
    } finally {
      await browser.close();
    }
  }
} finally {
  server.stop();
}
const names = Object.keys(results[0].marks);
const medians = Object.fromEntries(names.map((name) => [name, median(results.map((r) => r.marks[name]))]));
console.log(JSON.stringify({
  runs,
  median_ms: medians,
  moduleBytes: results[0].moduleBytes,
  audioBeforeFirstFrameMs: results[0].audioBeforeFirstFrameMs,
  avatarMode: results[0].mode,
  perRun: results.map((r) => r.marks),
}, null, 2));
