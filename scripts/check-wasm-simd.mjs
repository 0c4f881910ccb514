#!/usr/bin/env node
// Fails unless a release module was compiled with wasm SIMD (its target_features section lists
// simd128) and, with --tract, unless tract's wasm SIMD kernels are in it (run on cargo's output,
// before wasm-bindgen strips the name section). Without `+simd128` (.cargo/config.toml) our own
// network's SIMD loop is not compiled in and tract-linalg silently falls back to scalar kernels:
// inference gets 3-4x slower. Run on cargo's output:
//
//   node scripts/check-wasm-simd.mjs MODULE.wasm [--tract]
import { readFileSync } from 'node:fs';

const KERNELS = ['wasm_f32_8x8', 'wasm_f32_32x1', 'wasm_i32_4x4'];

const [path, flag] = process.argv.slice(2);
if (!path || (flag !== undefined && flag !== '--tract')) {
  console.error('usage: check-wasm-simd.mjs MODULE.wasm [--tract]');
  process.exit(2);
}
const module = new WebAssembly.Module(readFileSync(path));
const section = (name) => WebAssembly.Module.customSections(module, name)
  .map((s) => Buffer.from(s).toString('latin1')).join('');
if (!/\+\x07simd128/.test(section('target_features'))) {
  console.error(`${path}: not compiled with wasm SIMD (no +simd128 in its target_features; is it set in .cargo/config.toml?)`);
  process.exit(1);
}
if (flag === '--tract') {
  const names = section('name');
  if (!names) {
    console.error(`${path}: no name section; run this check before names are stripped`);
    process.exit(1);
  }
  const missing = KERNELS.filter((k) => !names.includes(k));
  if (missing.length > 0) {
    console.error(`${path}: tract wasm SIMD kernels missing: ${missing.join(', ')}`);
    process.exit(1);
  }
}
console.log(`${path}: wasm SIMD${flag ? `, tract kernels present (${KERNELS.join(', ')})` : ''}`);
