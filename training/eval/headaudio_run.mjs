// Runs the peer, HeadAudio (@met4citizen/headaudio, MIT), on the evaluation clips the way it runs in a
// page: headless Chromium, the package's own AudioWorkletNode (dist/headaudio.min.mjs) and processor
// (dist/headworklet.min.mjs) with its shipped model (dist/model-en-mixed.bin), default parameters.
//
//   node training/eval/headaudio_run.mjs JOBS.json OUT_DIR
//
// JOBS.json: [{ "id": ..., "wav": "/abs/path/16-bit.wav", "sha256": ... }, ...]. Writes OUT_DIR/<id>.json.
//
// How a clip is run:
// * The WAV is decoded by the page's decodeAudioData in a 48 kHz context (so the browser resamples it, as
//   it does when a page plays a file), and played by an AudioBufferSourceNode into the HeadAudio node in an
//   OfflineAudioContext at 48 kHz. The clip starts after 0.5 s of silence (the node is already running
//   when speech starts, as in a live page; it also gives the model message time to reach the processor)
//   and 0.5 s of silence follows it.
// * Every message the processor posts is collected with its stream time. A viseme message carries the
//   centre of its 32 ms analysis window (t - 16 ms); it is posted when the window ends, so it is replayed
//   at t + 16 ms. started/ended carry the posting time.
// * The messages are then replayed, in order and at those times, into the same HeadAudio instance's own
//   handler (_onmessage), and its own animation method update(dt) is called at 60 Hz, as a
//   requestAnimationFrame loop would; the onvalue callbacks give the 15 viseme weights at every tick.
//   This is the real-time behaviour without wall-clock jitter (messages arrive within one 128-sample
//   render quantum, 2.7 ms, of their stream time in a live page).
// * Two replays are written: "shipped" (the package as published) and "aa_fixed": in 0.1.0 the node
//   ignores viseme id 0 ('viseme_aa') because its handler tests `if (viseme)`; the second replay also
//   makes viseme 0 active, to show what the classifier itself would give.

import { createServer } from 'node:http';
import { readFile, writeFile, mkdtemp, rm, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, dirname, resolve, extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '..', '..');
const PKG = join(ROOT, 'node_modules', '@met4citizen', 'headaudio');
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--autoplay-policy=no-user-gesture-required'];

const PAGE = `<!doctype html><meta charset="utf-8"><title>headaudio eval</title>
<script type="module">
import { HeadAudio } from '/pkg/dist/headaudio.min.mjs';
const SR = 48000, PAD = 0.5, TAIL = 0.5, TICK_HZ = 60;
async function runClip(url) {
  const bytes = await (await fetch(url)).arrayBuffer();
  const buf = await new OfflineAudioContext(1, 1, SR).decodeAudioData(bytes);
  const ctx = new OfflineAudioContext(1, Math.ceil((PAD + buf.duration + TAIL) * SR), SR);
  await ctx.audioWorklet.addModule('/pkg/dist/headworklet.min.mjs');
  const node = new HeadAudio(ctx, { processorOptions: {}, parameterData: {} });
  const events = [];
  const original = node.port.onmessage;
  node.port.onmessage = (m) => events.push(m.data);
  // reset=false: the default reset message would also zero the processor's sample counter whenever it
  // arrives, i.e. shift every timestamp by a variable amount; a fresh node has no model to reset anyway.
  await node.loadModel('/pkg/dist/model-en-mixed.bin', false);
  const src = new AudioBufferSourceNode(ctx, { buffer: buf });
  src.connect(node);
  src.start(PAD);
  // The model reaches the processor as a port message, which an offline render does not wait for:
  // hold the render at 0.1 s (well before the clip starts) until the message has been delivered.
  ctx.suspend(0.1).then(async () => { await new Promise(r => setTimeout(r, 200)); ctx.resume(); });
  await ctx.startRendering();
  for (let last = -1; last !== events.length;) { last = events.length; await new Promise(r => setTimeout(r, 250)); }
  const emitted = events.map(d => ({ d, at: d.event === 'viseme' ? d.t + d.d / 2 : (d.t ?? 0) }));
  const visemes = emitted.filter(e => e.d.event === 'viseme');
  if (!visemes.length) throw new Error('no viseme messages: did the model reach the processor?');
  if (visemes[0].at < PAD) throw new Error('viseme at ' + visemes[0].at + ' s, before the clip starts: timestamps are off');
  const total = PAD + buf.duration + TAIL;
  const replay = (fixAa) => {
    node.visemeAlphas.fill(0); node.visemeActive = -1;
    const value = Object.fromEntries(node.visemeNames.map(k => [k, 0]));
    node.onvalue = (k, v) => { value[k] = v; };
    const ticks = node.visemeNames.map(() => []);
    let j = 0;
    for (let i = 0; i / TICK_HZ <= total + 1e-9; i++) {
      const now = i / TICK_HZ;
      while (j < emitted.length && emitted[j].at <= now + 1e-9) {
        const d = emitted[j].d;
        original.call(node.port, { data: d });
        if (fixAa && d.event === 'viseme' && d.viseme === 0) node.visemeActive = 0;
        j++;
      }
      node.update(1000 / TICK_HZ);
      node.visemeNames.forEach((k, v) => ticks[v].push(Math.round(value[k] * 1000) / 1000));
    }
    return ticks;
  };
  const counts = Object.fromEntries(node.visemeNames.map(k => [k, 0]));
  for (const e of events) if (e.event === 'viseme' && e.viseme !== null) counts[node.visemeNames[e.viseme]]++;
  return {
    context_rate: SR, decoded_rate: buf.sampleRate, decoded_length: buf.length, pad_s: PAD, tail_s: TAIL,
    tick_hz: TICK_HZ, t0_s: -PAD, names: node.visemeNames,
    n_messages: events.length, viseme_counts: counts,
    started: events.filter(e => e.event === 'started').length,
    first_viseme_t: (emitted.find(e => e.d.event === 'viseme') || { at: null }).at,
    weights: { shipped: replay(false), aa_fixed: replay(true) },
  };
}
window.runClip = runClip;
window.ready = true;
</script>`;

const TYPES = { '.mjs': 'text/javascript', '.js': 'text/javascript', '.bin': 'application/octet-stream',
  '.wav': 'audio/wav', '.html': 'text/html' };

async function main() {
  const [jobsPath, outDir] = process.argv.slice(2);
  if (!jobsPath || !outDir) {
    console.error('usage: node headaudio_run.mjs JOBS.json OUT_DIR');
    process.exit(2);
  }
  const jobs = JSON.parse(await readFile(jobsPath, 'utf8'));
  const pkgJson = JSON.parse(await readFile(join(PKG, 'package.json'), 'utf8').catch(() => {
    console.error(`HeadAudio is not installed at ${PKG}: run \`npm ci\` (it is a devDependency)`);
    process.exit(2);
  }));
  const wavs = new Map(jobs.map((j, i) => [`/clip/${i}.wav`, j.wav]));
  const server = createServer(async (req, res) => {
    const url = new URL(req.url, 'http://x').pathname;
    let file = null;
    if (url === '/' || url === '/index.html') { res.writeHead(200, { 'content-type': 'text/html' }); res.end(PAGE); return; }
    if (url.startsWith('/pkg/dist/')) file = join(PKG, 'dist', url.slice('/pkg/dist/'.length).replace(/\.\./g, ''));
    if (wavs.has(url)) file = wavs.get(url);
    try {
      const body = await readFile(file);
      res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
      res.end(body);
    } catch {
      res.writeHead(404); res.end();
    }
  });
  await new Promise(r => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${server.address().port}`;
  const profile = await mkdtemp(join(tmpdir(), 'headaudio-eval-'));
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: ARGS });
  try {
    const page = await context.newPage();
    page.on('pageerror', e => console.error('page error:', e.message));
    await page.goto(`${base}/index.html`);
    await page.waitForFunction(() => window.ready === true);
    await mkdir(outDir, { recursive: true });
    for (const [i, job] of jobs.entries()) {
      const t = Date.now();
      const r = await page.evaluate(u => window.runClip(u), `/clip/${i}.wav`);
      const out = { clip: job.id, sha256: job.sha256, peer: `${pkgJson.name}@${pkgJson.version}`,
        worklet: 'dist/headworklet.min.mjs', node: 'dist/headaudio.min.mjs', model: 'dist/model-en-mixed.bin',
        parameters: 'package defaults (vadMode 1, vadGateActiveDb -40, vadGateInactiveDb -50, silMode 1 without calibration, speakerMeanHz 150)',
        browser: await context.browser()?.version() ?? 'chromium', ...r };
      await writeFile(join(outDir, `${job.id}.json`), JSON.stringify(out) + '\n');
      console.log(`headaudio ${job.id}: ${r.n_messages} messages, ${r.started} speech starts, ${Date.now() - t} ms`);
    }
  } finally {
    await context.close();
    server.close();
    await rm(profile, { recursive: true, force: true });
  }
}

main().catch(e => { console.error(e); process.exit(1); });
