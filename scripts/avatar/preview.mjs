// Contact sheet of the generated avatar: renders it in headless Chromium (three.js +
// @pixiv/three-vrm from node_modules) once per pose and tiles the shots into one PNG.
//
//   node scripts/avatar/preview.mjs [out.png] [pose...]
// A pose is "label=shape:weight,shape:weight[@view[!hidden,meshes]]" (view: front, side, three, bust, close).
import { createServer } from 'node:http';
import { readFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, extname, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const root = fileURLToPath(new URL('../../', import.meta.url));
const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.vrm': 'model/gltf-binary', '.png': 'image/png' };
const DEFAULT_POSES = [
  'rest=', 'rest bust=@bust', 'side=@side', 'three-quarter=@three', 'jawOpen=jawOpen:1', 'aa=aa:1', 'ou=ou:1', 'ee=ee:1',
  'happy=happy:1', 'angry=angry:1', 'sad=sad:1', 'surprised=surprised:1', 'blink=blink:1', 'look left=lookLeft:1',
  'tongueOut=jawOpen:0.6,tongueOut:1', 'funnel=mouthFunnel:1', 'pucker=mouthPucker:1', 'smile+talk=mouthSmileLeft:0.8,mouthSmileRight:0.8,jawOpen:0.5',
];

const [out = join(root, 'target', 'avatar-sheet.png'), ...poses] = process.argv.slice(2);
const server = createServer(async (req, res) => {
  const path = normalize(decodeURIComponent(new URL(req.url, 'http://x').pathname)).replace(/^\/+/, '');
  try {
    const body = await readFile(join(root, path));
    res.writeHead(200, { 'content-type': TYPES[extname(path)] ?? 'application/octet-stream' });
    res.end(body);
  } catch {
    res.writeHead(404).end();
  }
}).listen(0, '127.0.0.1');
await new Promise((r) => server.once('listening', r));
const base = `http://127.0.0.1:${server.address().port}`;
const profile = await mkdtemp(join(tmpdir(), 'avatar-preview-'));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--enable-unsafe-swiftshader'],
});
const shots = [];
const list = poses.length ? poses : DEFAULT_POSES;
for (const pose of list) {
  const [label, rest] = pose.split('=');
  const [weights, viewAndHide = 'front'] = rest.split('@');
  const [view, hide = ''] = viewAndHide.split('!');
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') errors.push(m.text()); });
  await page.goto(`${base}/scripts/avatar/preview.html?size=${process.env.SIZE ?? 360}&w=${encodeURIComponent(weights)}&view=${view}&hide=${hide}`);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 60_000 }).catch(() => {});
  if (errors.length) console.error(`${label}: ${errors.join(' | ')}`);
  shots.push({ label, png: await page.locator('canvas').screenshot() });
  await page.close();
}
// Tile with a canvas in the browser itself (no image library needed).
const page = await context.newPage();
const cols = Math.min(6, shots.length);
const tiled = await page.evaluate(async ({ images, cols }) => {
  const bitmaps = await Promise.all(images.map(async ({ label, b64 }) => ({ label, bmp: await createImageBitmap(await (await fetch(`data:image/png;base64,${b64}`)).blob()) })));
  const w = bitmaps[0].bmp.width, h = bitmaps[0].bmp.height;
  const canvas = document.createElement('canvas');
  canvas.width = cols * w; canvas.height = Math.ceil(bitmaps.length / cols) * (h + 20);
  const g = canvas.getContext('2d');
  g.fillStyle = '#fff'; g.fillRect(0, 0, canvas.width, canvas.height);
  g.font = '14px sans-serif'; g.fillStyle = '#222';
  bitmaps.forEach(({ label, bmp }, i) => {
    const x = (i % cols) * w, y = Math.floor(i / cols) * (h + 20);
    g.drawImage(bmp, x, y + 20); g.fillText(label, x + 6, y + 15);
  });
  return canvas.toDataURL('image/png').split(',')[1];
}, { images: shots.map((s) => ({ label: s.label, b64: s.png.toString('base64') })), cols });
const { writeFile } = await import('node:fs/promises');
await writeFile(out, Buffer.from(tiled, 'base64'));
await context.close();
await rm(profile, { recursive: true, force: true });
server.close();
console.log(`wrote ${out} (${shots.length} poses)`);
