#!/usr/bin/env node
// The package's download budget (issue 18; docs/benchmarks.md, "Package size"), checked on the
// built pkg/ by `make pkg`: what a visitor downloads before the first live frame (the core module,
// with the live model inside, and every JavaScript file of the package but the ONNX module's glue)
// at most 2,000,000 bytes gzipped (`gzip -9`), and every .wasm the package ships under that too.
// Prints the table; exits 1 over budget.
//
//   node scripts/check-package-size.mjs [PKG_DIR]
import { execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const BUDGET = 2_000_000;
const dir = process.argv[2] ?? 'pkg';
const gzipped = (file) => execFileSync('gzip', ['-9', '-c', join(dir, file)], { maxBuffer: 1 << 26 }).length;
const row = (file) => ({ file, bytes: statSync(join(dir, file)).size, gzip: gzipped(file) });

const core = row('animasync_face_bg.wasm');
const onnx = row('animasync_face_onnx_bg.wasm');
// On demand: the ONNX module's JS glue is imported by loadOnnx() only.
const scripts = readdirSync(dir).filter((f) => f.endsWith('.js') && f !== 'animasync_face_onnx.js').sort().map(row);
const firstFrame = core.gzip + scripts.reduce((sum, s) => sum + s.gzip, 0);
const text = ['classifier.onnx', 'classifier.json', 'vocab.txt'].map((f) => row(join('text-emotion', f)));

const lines = [
  '| download | bytes | gzip -9 |',
  '|---|---|---|',
  `| core module (${core.file}) | ${core.bytes.toLocaleString('en')} | ${core.gzip.toLocaleString('en')} |`,
  `| the package's JavaScript (${scripts.length} files) | ${scripts.reduce((s, r) => s + r.bytes, 0).toLocaleString('en')} | ${(firstFrame - core.gzip).toLocaleString('en')} |`,
  `| **before the first live frame** | | **${firstFrame.toLocaleString('en')}** |`,
  `| on demand: ONNX module (${onnx.file}) | ${onnx.bytes.toLocaleString('en')} | ${onnx.gzip.toLocaleString('en')} |`,
  `| on demand: text classifier (text-emotion/) | ${text.reduce((s, r) => s + r.bytes, 0).toLocaleString('en')} | ${text.reduce((s, r) => s + r.gzip, 0).toLocaleString('en')} |`,
];
console.log(lines.join('\n'));
const over = [
  [`before the first live frame: ${firstFrame}`, firstFrame],
  [`${core.file}: ${core.gzip}`, core.gzip],
  [`${onnx.file}: ${onnx.gzip}`, onnx.gzip],
].filter(([, n]) => n > BUDGET);
if (over.length > 0) {
  console.error(`over the ${BUDGET.toLocaleString('en')}-byte budget (gzip -9): ${over.map(([m]) => m).join('; ')}`);
  process.exit(1);
}
console.log(`within the budget of ${BUDGET.toLocaleString('en')} bytes gzipped each`);
