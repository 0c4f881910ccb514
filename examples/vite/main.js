// The package in a bundled app: Vite resolves `animasync-face`, emits the .wasm, the worker and
// the worklet as assets, and the page runs both ways of getting frames: a whole clip on this
// thread (processClip) and a live source through the worker (startAudioSource).
import init, { Engine, channelNames } from 'animasync-face';
import { startAudioSource } from 'animasync-face/audio';

const $ = (id) => document.getElementById(id);
const result = { clip: null, live: { frames: 0, maxJaw: 0 } }; // read by the test
window.result = result;

await init();
const jaw = channelNames().indexOf('jawOpen');

// A whole clip: decode, mix to mono, one call.
const context = new AudioContext();
const decoded = await context.decodeAudioData(await (await fetch('/voice.wav')).arrayBuffer());
const engine = new Engine({ sampleRate: decoded.sampleRate });
const clip = engine.processClip(decoded.getChannelData(0), decoded.sampleRate);
engine.free();
let maxJaw = 0;
for (let i = 0; i < clip.frameCount; i++) maxJaw = Math.max(maxJaw, clip.blendshapes[i * 52 + jaw]);
result.clip = { frames: clip.frameCount, fps: clip.fps, maxJaw };
$('clip').textContent = `processClip: ${clip.frameCount} frames at ${clip.fps} fps, jawOpen up to ${maxJaw.toFixed(2)}`;

// Live: the <audio> element through the worklet and the worker.
$('play').addEventListener('click', async () => {
  const voice = await startAudioSource($('voice'), {
    context,
    onFrames: ({ frames, count }) => {
      result.live.frames += count;
      for (let k = 0; k < count; k++) result.live.maxJaw = Math.max(result.live.maxJaw, frames[k * 52 + jaw]);
      $('live').textContent = `startAudioSource: ${result.live.frames} frames, jawOpen up to ${result.live.maxJaw.toFixed(2)}`;
    },
  });
  $('voice').onended = () => voice.stop();
  await $('voice').play();
});
$('play').disabled = false;
document.body.dataset.ready = 'true';
