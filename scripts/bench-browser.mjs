#!/usr/bin/env node
// Runs www/bench/ in headless Chromium (Debian's, through playwright-core) and prints its JSON:
// animasync-face (the built-in network, or tract for the ONNX benchmark graph) vs
// onnxruntime-web on the same model, and the whole per-frame pipeline.
// Needs `make pkg` first (`make bench` does everything).
//
//   node scripts/bench-browser.mjs [rounds] [inferences-per-round] [default|playback|bench]
import { startServer, launchBrowser, openPage } from '../tests/js/browser.mjs';

// One inference of the default model takes about 0.1 ms, near the browser's timer resolution:
// 7 rounds of 200 put the ratio anywhere from 0.5 to 1.25 on this 2-core machine, and 15 rounds
// of 1,000 within 0.62-0.79 (six runs on 2026-12-02).
const [rounds = '15', inferences = '1000', model = 'default'] = process.argv.slice(2);
const server = await startServer();
const browser = await launchBrowser();
try {
  const { page, errors } = await openPage(browser.context, `${server.url}bench/?rounds=${rounds}&inferences=${inferences}&model=${model}`);
  await page.waitForFunction(() => window.benchResult, null, { timeout: 600_000, polling: 500 });
  const result = await page.evaluate(() => window.benchResult);
  if (result.error || errors.length) {
    console.error(result.error ?? '', errors.join('\n'));
    process.exitCode = 1;
  }
  console.log(JSON.stringify(result, null, 2));
} finally {
  await browser.close();
  server.stop();
}
