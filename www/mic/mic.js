// Microphone page: the live path (microphone -> worklet -> worker -> frames) with the mouth
// channels as bars. The frames arrive in batches; the page shows the latest and counts them.
import { channelNames } from 'animasync-face';
import { startMicrophone } from 'animasync-face/microphone';
import init from 'animasync-face';

const $ = (id) => document.getElementById(id);
const SHOWN = ['jawOpen', 'mouthFunnel', 'mouthPucker', 'mouthStretchLeft', 'mouthLowerDownLeft', 'mouthUpperUpLeft', 'eyeBlinkLeft', 'eyeBlinkRight'];

await init();
const names = channelNames();
const card = document.createElement('div');
card.className = 'group';
card.innerHTML = '<h2>live</h2>';
const rows = SHOWN.map((name) => {
  const row = document.createElement('div');
  row.className = 'row';
  row.dataset.channel = name;
  row.dataset.class = name.startsWith('eye') ? 'expression' : 'lipsync';
  row.innerHTML = `<span class="name">${name}</span><span class="track"><span class="bar"></span></span><span class="value">0.000</span>`;
  card.append(row);
  return { index: names.indexOf(name), bar: row.querySelector('.bar'), value: row.querySelector('.value') };
});
$('weights').append(card);

let mic = null;
const stats = { frames: 0, started: 0, computeMs: 0 };
window.micStats = stats;

$('start').addEventListener('click', async () => {
  $('start').disabled = true;
  $('error').hidden = true;
  try {
    mic = await startMicrophone({
      emotion: { emotion: 'neutral', level: 1 },
      onFrames: ({ frames, count, computeMs }) => {
        stats.frames += count;
        stats.computeMs = computeMs / count;
        const last = frames.subarray((count - 1) * 52, count * 52);
        stats.last = Array.from(last);
        for (const { index, bar, value } of rows) {
          bar.style.width = `${(last[index] * 100).toFixed(1)}%`;
          value.textContent = last[index].toFixed(3);
        }
      },
      onError: (error) => { $('error').textContent = error.message; $('error').hidden = false; },
    });
    stats.started = performance.now();
    $('status').textContent = `running · ${mic.lipsync} · latency ${(mic.latency * 1000).toFixed(0)} ms`;
    $('stop').disabled = false;
  } catch (error) {
    $('error').textContent = error.message;
    $('error').hidden = false;
    $('start').disabled = false;
  }
});

$('stop').addEventListener('click', () => {
  mic?.stop();
  mic = null;
  $('status').textContent = 'stopped';
  $('start').disabled = false;
  $('stop').disabled = true;
});
document.body.dataset.ready = 'true';
