// Shared by the page tests: the demo server (scripts/serve.py on a free port) and Debian's
// Chromium driven by playwright-core with a fresh profile (no browser download).
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const root = new URL('../../', import.meta.url);

export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

/** Starts scripts/serve.py on a free port; resolves to { url, stop }. */
export function startServer() {
  const server = spawn('python3', ['scripts/serve.py', '--port', '0'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let out = '';
    server.stdout.on('data', (chunk) => {
      out += chunk;
      const match = out.match(/http:\/\/127\.0\.0\.1:(\d+)\//);
      if (match) resolve({ url: match[0], stop: () => server.kill() });
    });
    server.on('exit', (code) => reject(new Error(`serve.py exited with ${code}: ${out}`)));
  });
}

/** Launches headless Chromium with a fresh user-data-dir; resolves to { context, close }. */
export async function launchBrowser(extraArgs = []) {
  const profile = await mkdtemp(join(tmpdir(), 'animasync-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [...CHROMIUM_ARGS, ...extraArgs],
    viewport: { width: 1280, height: 900 },
  });
  return {
    context,
    close: async () => {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}

/** Opens `url` in a new page that records console errors and uncaught exceptions. */
export async function openPage(context, url) {
  const page = await context.newPage();
  const errors = [];
  // Chromium asks for /favicon.ico on its own, now and then; its 404 is not the page's error.
  const favicon = (url) => /\/favicon\.ico$/.test(url ?? '');
  page.on('console', (msg) => {
    if (msg.type() === 'error' && !favicon(msg.location().url)) errors.push(`${msg.text()} (${msg.location().url})`);
  });
  page.on('pageerror', (error) => errors.push(String(error)));
  page.on('response', (response) => {
    if (response.status() >= 400 && !favicon(response.url())) errors.push(`HTTP ${response.status()} ${response.url()}`);
  });
  await page.goto(url);
  return { page, errors };
}

/** Serves the files of `dir` (symlinks followed) on 127.0.0.1, a free port; resolves to { url, stop }.
 * For pages outside www/ (the examples), with the MIME types module scripts and wasm need. */
export async function serveDirectory(dir) {
  const { createServer } = await import('node:http');
  const { readFile } = await import('node:fs/promises');
  const { extname, resolve, sep } = await import('node:path');
  const types = {
    '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript', '.json': 'application/json',
    '.wasm': 'application/wasm', '.wav': 'audio/wav', '.glb': 'model/gltf-binary', '.css': 'text/css', '.svg': 'image/svg+xml',
  };
  const base = resolve(dir);
  const server = createServer(async (request, response) => {
    let path = decodeURIComponent(new URL(request.url, 'http://x').pathname);
    if (path.endsWith('/')) path += 'index.html';
    const file = resolve(base, `.${path}`);
    try {
      if (file !== base && !file.startsWith(base + sep)) throw new Error('outside');
      const body = await readFile(file);
      response.writeHead(200, { 'Content-Type': types[extname(file)] ?? 'application/octet-stream' });
      response.end(body);
    } catch {
      response.writeHead(404).end('not found');
    }
  });
  await new Promise((done) => server.listen(0, '127.0.0.1', done));
  return { url: `http://127.0.0.1:${server.address().port}/`, stop: () => server.close() };
}
