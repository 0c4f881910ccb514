#!/usr/bin/env node
// Fails unless tract's wasm SIMD kernels are in a release module (run on cargo's output, before
// wasm-bindgen strips the name section). Without `+simd128` (.cargo/config.toml) tract-linalg
// silently falls back to scalar kernels and inference gets 3-4x slower.
//
//   node scripts/check-wasm-simd.mjs target/wasm32-unknown-unknown/wasm-release/animasync_face.wasm
import { readFileSync } from 'node:fs';

const KERNELS = ['wasm_f32_8x8', 'wasm_f32_32x1', 'wasm_i32_4x4'];

const path = process.argv[2];
if (!path) {
  console.error('usage: check-wasm-simd.mjs MODULE.wasm');
  process.exit(2);
}
const module = new WebAssembly.Module(readFileSync(path));
const sections = WebAssembly.Module.customSections(module, 'name');
if (sections.length === 0) {
  console.error(`${path}: no name section; run this check before names are stripped`);
  process.exit(1);
}
const names = Buffer.from(sections[0]).toString('latin1');
const missing = KERNELS.filter((k) => !names.includes(k));
if (missing.length > 0) {
  console.error(`${path}: tract wasm SIMD kernels missing: ${missing.join(', ')} (is +simd128 set?)`);
  process.exit(1);
}
console.log(`${path}: tract wasm SIMD kernels present (${KERNELS.join(', ')})`);
