// Removes the custom sections named `.debug*` (DWARF) from a wasm module, in place.
import { readFileSync, writeFileSync } from 'node:fs';

const path = process.argv[2];
const bytes = readFileSync(path);
const leb = (at) => { // unsigned LEB128 -> [value, next offset]
  let value = 0; let shift = 0; let b;
  do { b = bytes[at++]; value += (b & 0x7f) * 2 ** shift; shift += 7; } while (b & 0x80);
  return [value, at];
};
const kept = [bytes.subarray(0, 8)];
let at = 8;
while (at < bytes.length) {
  const start = at;
  const id = bytes[at];
  const [size, body] = leb(at + 1);
  const end = body + size;
  let drop = false;
  if (id === 0) {
    const [nameLength, nameAt] = leb(body);
    drop = bytes.subarray(nameAt, nameAt + nameLength).toString('utf8').startsWith('.debug');
  }
  if (!drop) kept.push(bytes.subarray(start, end));
  at = end;
}
writeFileSync(path, Buffer.concat(kept));
