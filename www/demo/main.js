// The demo: speak (or play a recording) and the avatar speaks and emotes with you.
//
// Frames come from the microphone or a recorded voice played by an <audio> element (both
// animasync-face/audio: AudioWorklet -> Web Worker -> wasm Engine), or from a file
// (../shared/clip-player.js: the engine on this thread, fed just ahead of the playhead); each
// carries its audio-context time. Every animation frame shows the frame for
// `display time = source clock - display delay`:
//  - microphone: delay = the source's displayDelay: its latency (the engine's look-ahead and
//    resampling plus the capture chunk) + one frame span (a frame is complete, and sent, one span
//    after it starts) + 15 ms for the worker's compute and the two message hops. So the frame for
//    the shown moment has arrived (the driver holds it until the next one is there, then
//    interpolates towards it);
//  - voice: the element's sound is delayed by that much (delayOutput), so every frame is there
//    before its sound is heard; delay = the context's base + output latency (displayDelay again);
//  - file: delay = the context's base + output latency, so the face moves with the sound you
//    hear rather than with the sound the context is rendering.
// The VRM driver (animasync-face/vrm) interpolates the queued frames at that time and applies
// them; between sources the face rests on the chosen emotion with blinks (IdleFace).
import init, { channelNames, channelTable, classifyEmotion, emotionTaxonomy, frameRate, PresetLibrary } from 'animasync-face';
import { startAudioSource, startMicrophone, AudioSourceError } from 'animasync-face/audio';
import { VrmFaceDriver } from 'animasync-face/vrm';

import { SmoothClock, decodeMono } from '../shared/audio.js';
import { ClipPlayer } from '../shared/clip-player.js';
import { errorBox, reason } from '../shared/page.js';
import { weightsPanel, emotionChips } from '../shared/panel.js';
import { PauseTurns, IdleFace } from './sources.js';

const $ = (id) => document.getElementById(id);
const DEFAULT_AVATAR = '/avatar/default.vrm';
const PANEL_INTERVAL_MS = 1000 / 15; // the bars and the status line: at most 15 times a second
const FADE_S = 0.25; // idle face <-> live frames crossfade
const AUDIO_EXTENSIONS = /\.(wav|wave|mp3|ogg|oga|opus|flac|m4a|aac|webm)$/i;
// "Play a voice": recorded lines streamed through an <audio> element, one per press, in turn
// (the same path a TTS stream or a call's remote voice would take).
const VOICE_LINES = ['/scenarios/arc-monologue-1.wav', '/scenarios/arc-monologue-2.wav', '/scenarios/arc-monologue-3.wav'];

// What tests and curious visitors can read (see docs/demo.md).
const demo = {
  ready: false,
  source: null, // 'microphone' | 'voice' | 'file' | null
  frames: 0, // frames received since the page loaded
  fps: 0, // frames received per second, over the last 2 s (batches arrive in bursts)
  computeMs: null, // engine time per frame (median of the last 2 s of batches)
  latencyMs: null, // estimated voice-to-face latency (microphone)
  displayDelayMs: null,
  arrivalLagMs: null, // how long after its span ended a frame arrives (median of the last 30 batches)
  turns: 0, // turns started by the current source
  autoTurns: 0,
  model: null,
  mode: null, // the driver's mode: 'perfect-sync' | 'presets'
  avatar: null,
  errors: [],
  jawTrace: [], // jawOpen of the last 30 s of frames received, in order (the panel shows a sample)
  applied: new Float32Array(52),
  get last() { return Array.from(this.applied); },
  canvasStats: () => stage?.canvasStats() ?? null,
  get stage() { return stage; }, // the three.js stage: renderer, scene, camera, vrm
  get renderFps() { return renderInterval > 0 ? Math.min(60, 1000 / renderInterval) : 60; },
  renderer: null,
  hold: false, // true freezes the face and the panel (for screenshots)
  fromText: null, // the last "Set from text" answer, with its `text` and `method`: 'model' | 'lexicon'
  textModelError: null, // why the trained text classifier could not be loaded, if it could not
};
window.demo = demo;

// Messages a visitor can act on gather in the box until it is dismissed.
const { show: showError, clear: clearError } = errorBox({ gather: true, log: demo.errors });

// ---------------------------------------------------------------- state

let names;
let idleFace;
let stage = null;
let driver;
let source = null; // { kind, clock, delay, firstTime, endTime?, live?, name?, duration? }
let player = null; // ClipPlayer, created with the file context
let fileContext = null;
let voiceContext = null; // kept: an <audio> element can be connected to one context only, ever
let voiceLine = 0;
const micTurns = new PauseTurns(); // the microphone's and the voice's
const fileTurns = new PauseTurns();
const arrivals = []; // [performance.now(), count] of the last 2 s of batches
const lags = []; // arrival lags of the last batches, ms
const computes = []; // engine time per frame of the last batches, ms
// Until an avatar is worn, the driver works on a stand-in mesh with the 52 ARKit morph targets:
// it still interpolates the frames for the panel.
const standIn = (channels) => {
  const mesh = { morphTargetDictionary: Object.fromEntries(channels.map((name, i) => [name, i])), morphTargetInfluences: new Float32Array(channels.length) };
  return { scene: { traverse: (visit) => visit(mesh) }, expressionManager: null };
};

const emotion = () => ({
  emotion: document.querySelector('input[name=emotion]:checked')?.value ?? 'neutral',
  level: Number($('level').value),
});
const engineOptions = () => ({ smoothing: $('smoothing').value });
const autoTurns = () => $('auto-turns').checked;

// ---------------------------------------------------------------- frames in

function onFrames(event, from) {
  if (!from || source !== from) return; // a late batch of a stopped source
  driver.push(event.frames, event.count, event.time);
  from.firstTime ??= event.time;
  demo.frames += event.count;
  for (let k = 0; k < event.count; k++) demo.jawTrace.push(event.frames[k * 52 + JAW_OPEN]);
  if (demo.jawTrace.length > 30 * frameRate()) demo.jawTrace.splice(0, demo.jawTrace.length - 30 * frameRate());
  const now = performance.now();
  arrivals.push([now, event.count]);
  if (event.computeMs > 0) {
    // The median of the last 2 s: robust to the batches in which the worker was preempted.
    computes.push(event.computeMs / event.count);
    if (computes.length > 60) computes.shift();
    demo.computeMs = computes.toSorted((a, b) => a - b)[computes.length >> 1];
  }
  if (from.kind === 'microphone' || from.kind === 'voice') {
    lags.push((from.clock.now() - (event.time + event.count / frameRate())) * 1000);
    if (lags.length > 30) lags.shift();
    demo.arrivalLagMs = lags.toSorted((a, b) => a - b)[lags.length >> 1];
    if (autoTurns() && Number.isFinite(event.level) && micTurns.feed(event.level, event.count / frameRate())) newTurn(true);
  }
}

/**
 * "Set from text": the line's emotion and level, guessed on this device, become the picker's
 * and start a new turn. The line typed before is the context (the same speaker's previous line).
 * The trained classifier is downloaded on the first use (about 2.3 MB); if it cannot be, the
 * lexicon-and-rules classifier inside the module answers, and the result says so.
 */
let previousLine = null;
let textRequest = 0;
async function setFromText(text) {
  const result = $('line-result');
  const request = ++textRequest;
  const options = previousLine === null ? {} : { previous: previousLine };
  let guess;
  let method = 'model';
  result.classList.remove('error');
  const slow = setTimeout(() => { if (request === textRequest) result.textContent = 'loading the text classifier…'; }, 150);
  try {
    try {
      guess = await classifyEmotion(text, options);
    } catch (error) {
      if (!/loadEmotionModel/.test(error.message)) throw error; // refused text: say why
      method = 'lexicon';
      guess = await classifyEmotion(text, { ...options, method });
      demo.textModelError = error.message;
    }
  } catch (error) {
    if (request !== textRequest) return;
    result.textContent = reason(error);
    result.classList.add('error');
    return;
  } finally {
    clearTimeout(slow);
  }
  if (request !== textRequest) return; // a later line was set while this one was classified
  previousLine = text;
  const input = document.querySelector(`input[name=emotion][value="${guess.emotion}"]`);
  if (input) input.checked = true;
  $('level').value = String(guess.level);
  $('level-value').textContent = String(guess.level);
  const sure = Math.round(guess.confidence * 100);
  const vad = guess.vad.map((x) => x.toFixed(2)).join(' ');
  const by = method === 'model' ? '' : ' · lexicon (the model could not be loaded)';
  result.textContent = guess.emotion === 'neutral' && sure < 60
    ? `neutral: no clear emotion in the line (${sure}% sure) · VAD ${vad}${by}`
    : `${guess.emotion} L${guess.level} · ${sure}% sure · VAD ${vad}${by}`;
  demo.fromText = { ...guess, method, text };
  newTurn();
}

function newTurn(automatic = false) {
  const request = emotion();
  idleFace.setEmotion(request);
  source?.live?.setEmotion(request); // the microphone or the voice
  player?.setEmotion(request); // on a file: starts the turn at the engine's input position
  if (!source) return;
  demo.turns++;
  if (automatic) demo.autoTurns++;
  const label = $('stat-turns');
  label.classList.remove('flash');
  void label.offsetWidth; // restart the highlight
  label.classList.add('flash');
}

// File playback: the automatic turns are the player's (it knows the exact sample).
function filePlayer() {
  if (!player) {
    player = new ClipPlayer({
      context: fileContext,
      engineOptions: engineOptions(),
      emotion: emotion(),
      turns: { feed: (level, seconds) => autoTurns() && fileTurns.feed(level, seconds) && (countAutoTurn(), true), reset: () => fileTurns.reset() },
      onFrames: (event) => onFrames(event, source?.kind === 'file' ? source : null),
      onEnded: () => { if (source?.kind === 'file') source.endTime = player.startAt + source.duration; },
    });
  }
  return player;
}
function countAutoTurn() {
  demo.turns++;
  demo.autoTurns++;
}

// ---------------------------------------------------------------- sources

async function startMic() {
  stopSource();
  clearError();
  const button = $('mic');
  button.disabled = true;
  $('mic-label').textContent = 'Starting…';
  const from = { kind: 'microphone', clock: null, delay: 0, firstTime: null };
  try {
    from.live = await startMicrophone({
      engine: engineOptions(),
      emotion: emotion(),
      onFrames: (event) => onFrames(event, from),
      onError: (error) => showError(error.message),
    });
  } catch (error) {
    showError(error instanceof AudioSourceError ? error.message : `The microphone could not start: ${reason(error)}.`);
    $('mic-label').textContent = 'Start microphone';
    button.disabled = false;
    return;
  }
  from.clock = new SmoothClock(from.live.context);
  from.delay = from.live.displayDelay;
  micTurns.reset();
  driver.reset();
  arrivals.length = 0;
  lags.length = 0;
  computes.length = 0;
  Object.assign(demo, { source: 'microphone', turns: 1, autoTurns: 0, model: from.live.lipsync, computeMs: null });
  demo.displayDelayMs = from.delay * 1000;
  demo.latencyMs = (from.delay + 1 / 60) * 1000;
  source = from;
  button.classList.add('live');
  button.setAttribute('aria-pressed', 'true');
  $('mic-label').textContent = 'Stop microphone';
  button.disabled = false;
  status(performance.now()); // the status line says so at once, not at the next panel tick
}

/** "Play a voice": the next recorded line through an <audio> element into startAudioSource,
 * with the playback model and the element's sound delayed so the face is in sync with it. */
async function playVoice() {
  stopSource();
  clearError();
  const button = $('voice');
  button.disabled = true;
  voiceContext ??= new AudioContext({ latencyHint: 'interactive' });
  const audio = $('voice-audio');
  const url = VOICE_LINES[voiceLine++ % VOICE_LINES.length];
  audio.src = url;
  const from = { kind: 'voice', clock: new SmoothClock(voiceContext), delay: 0, firstTime: null, name: url.split('/').pop(), duration: null };
  try {
    from.live = await startAudioSource(audio, {
      context: voiceContext,
      engine: { ...engineOptions(), latency: 'playback' },
      delayOutput: true,
      emotion: emotion(),
      onFrames: (event) => onFrames(event, from),
      onError: (error) => showError(error.message),
    });
    await audio.play();
  } catch (error) {
    from.live?.stop();
    button.disabled = false;
    showError(error instanceof AudioSourceError ? error.message : `The voice could not play (${reason(error)}): click the page and press Play a voice again.`);
    return;
  }
  from.delay = from.live.displayDelay;
  from.duration = audio.duration;
  // The element has played its last sample; the face goes on until the delayed sound has ended.
  audio.onended = () => { if (source === from) from.endTime = from.clock.now() + from.live.outputDelay; };
  micTurns.reset();
  driver.reset();
  arrivals.length = 0;
  lags.length = 0;
  computes.length = 0;
  Object.assign(demo, { source: 'voice', turns: 1, autoTurns: 0, model: from.live.lipsync, computeMs: null, latencyMs: null });
  demo.displayDelayMs = from.delay * 1000;
  source = from;
  button.disabled = false;
  $('stop-file').hidden = false;
  status(performance.now());
}

async function playFile(file) {
  clearError();
  fileContext ??= new AudioContext({ latencyHint: 'interactive' });
  let decoded;
  try {
    decoded = await decodeMono(fileContext, await file.arrayBuffer());
  } catch (error) {
    showError(`Could not decode ${file.name} (${reason(error)}): choose a WAV, MP3, OGG or FLAC file.`);
    return;
  }
  if (fileContext.state !== 'running') await fileContext.resume().catch(() => {});
  if (fileContext.state !== 'running') {
    showError('The browser keeps audio off until you interact with the page: click anywhere, then choose the file again.');
    return;
  }
  stopSource();
  const from = {
    kind: 'file', clock: new SmoothClock(fileContext), firstTime: null, name: file.name, duration: decoded.duration,
    delay: (fileContext.baseLatency || 0) + (fileContext.outputLatency || 0),
  };
  source = from;
  driver.reset();
  arrivals.length = 0;
  computes.length = 0;
  Object.assign(demo, { source: 'file', turns: 1, autoTurns: 0, computeMs: null, latencyMs: null, arrivalLagMs: null });
  demo.displayDelayMs = from.delay * 1000;
  const clip = filePlayer();
  clip.setEmotion(emotion()); // before the stream starts: the clip's first turn
  clip.play(decoded.samples);
  demo.model = clip.lipsync ?? demo.model;
  $('stop-file').hidden = false;
  status(performance.now());
}

function stopSource() {
  if (source?.kind === 'microphone') source.live.stop();
  if (source?.kind === 'voice') {
    $('voice-audio').pause();
    source.live.stop();
  }
  if (source?.kind === 'file') player.stop();
  source = null;
  driver?.reset();
  demo.source = null;
  const button = $('mic');
  button.classList.remove('live');
  button.setAttribute('aria-pressed', 'false');
  $('mic-label').textContent = 'Start microphone';
  $('stop-file').hidden = true;
  status(performance.now());
}

async function setSmoothing() {
  player?.setEngineOptions(engineOptions());
  if (!source?.live) return;
  try {
    await source.live.restart({ ...engineOptions(), ...(source.kind === 'voice' ? { latency: 'playback' } : {}) });
    demo.turns = 1;
  } catch (error) {
    showError(`Could not switch the smoothing: ${reason(error)}.`);
  }
}

// ---------------------------------------------------------------- avatar

/** Loads and wears an avatar (a URL or an ArrayBuffer); the current one stays if it fails. */
async function wear(sourceOrBytes, name) {
  const next = await stage.load(sourceOrBytes, (vrm) => new VrmFaceDriver(vrm));
  driver.dispose();
  driver = next;
  demo.mode = driver.mode;
  demo.avatar = name;
  const shown = driver.mode === 'perfect-sync' ? `perfect-sync, ${driver.coverage} of 52 channels` : 'VRM presets (aa ih ou ee oh, emotions, blinks)';
  $('drive-mode').textContent = `${name}: ${shown}`;
  $('stage-note').hidden = true;
}

async function loadAvatarFile(file) {
  clearError();
  if (!stage) {
    showError('This browser cannot draw the avatar (WebGL 2 is unavailable): use a current Chrome, Edge, Firefox or Safari with hardware acceleration on.');
    return;
  }
  try {
    await wear(await file.arrayBuffer(), file.name);
  } catch (error) {
    showError(`Could not load ${file.name} as an avatar (${reason(error)}). Choose a VRM 0.x or 1.0 file (.vrm), e.g. from VRoid Studio or Blender's VRM add-on; the current avatar stays.`);
  }
}

// ---------------------------------------------------------------- the loop

let lastMs = performance.now();
let lastPanelMs = 0;
let lastRenderMs = 0;
let renderInterval = 0; // least ms between renders: 0 on a GPU; on a software rasteriser see below
let renderCost = 1000 / 60; // ms from a render to the next animation frame (moving average)
let measureRender = false;
let frozen = false;
let mix = 0; // 0: the idle face, 1: the live frames
const held = new Float32Array(52); // the live weights at the last frame a source was live
let draw;

function tick(nowMs) {
  if (demo.hold) { // frozen as it is (scripts/screenshots.mjs); the sources run on
    if (!frozen) { // show the face and the panel of this very moment
      frozen = true;
      stage?.animate(nowMs / 1000, 0, demo.applied[JAW_OPEN]);
      stage?.render();
      draw(demo.applied);
      status(nowMs);
    }
    requestAnimationFrame(tick);
    return;
  }
  frozen = false;
  const dt = Math.min((nowMs - lastMs) / 1000, 0.1);
  lastMs = nowMs;
  const t = nowMs / 1000;
  const idle = idleFace.at(t);
  let live = false;
  if (source && source.firstTime !== null) {
    const displayTime = source.clock.now() - source.delay;
    if (source.endTime !== undefined && displayTime > source.endTime + 0.1) {
      stopSource(); // the clip has been shown to its end
    } else if (displayTime >= source.firstTime) {
      held.set(driver.update(displayTime));
      live = true;
    }
  }
  mix = Math.min(1, Math.max(0, mix + (live ? dt : -dt) / FADE_S));
  const applied = demo.applied;
  if (mix === 1) {
    applied.set(held);
  } else {
    for (let i = 0; i < 52; i++) applied[i] = idle[i] + (held[i] - idle[i]) * mix;
    driver.apply(applied);
  }
  if (measureRender) {
    // A software rasteriser presents a frame by reading it back, and the page's thread waits:
    // the gap from a render to the next animation frame is what a render costs. Rendering at
    // most every other such gap keeps half the thread for the frames arriving from the worker.
    measureRender = false;
    renderCost = renderCost * 0.8 + (nowMs - lastRenderMs) * 0.2;
    if (stage.software) renderInterval = Math.min(500, Math.max(1000 / 30 - 2, 2 * renderCost));
  }
  if (stage && nowMs - lastRenderMs >= renderInterval) {
    stage.animate(t, Math.min((nowMs - lastRenderMs) / 1000, 0.1), applied[JAW_OPEN]);
    stage.render();
    lastRenderMs = nowMs;
    measureRender = true;
  }
  if (nowMs - lastPanelMs >= PANEL_INTERVAL_MS) {
    lastPanelMs = nowMs;
    draw(applied);
    status(nowMs);
  }
  requestAnimationFrame(tick);
}
let JAW_OPEN = 24;

function status(nowMs) {
  while (arrivals.length && arrivals[0][0] < nowMs - 2000) arrivals.shift();
  demo.fps = Math.round(arrivals.reduce((sum, [, count]) => sum + count, 0) / 2);
  const on = source !== null;
  let where = 'idle: press Start, or play a file';
  if (source?.kind === 'microphone') where = 'microphone';
  if (source?.kind === 'voice') {
    const audio = $('voice-audio');
    where = `voice: ${source.name} ${Math.min(audio.currentTime, source.duration).toFixed(1)} / ${source.duration.toFixed(1)} s`;
  }
  if (source?.kind === 'file') {
    const position = Math.max(0, Math.min(source.duration, source.clock.now() - source.delay - player.startAt));
    where = `${source.name} ${position.toFixed(1)} / ${source.duration.toFixed(1)} s`;
  }
  $('stat-source').textContent = where;
  for (const id of ['stat-fps', 'stat-compute', 'stat-latency', 'stat-model']) $(id).hidden = !on;
  $('stat-fps').textContent = on ? `${demo.fps} frames/s` : '– frames/s';
  $('stat-compute').textContent = demo.computeMs === null ? '– ms/frame' : `${demo.computeMs.toFixed(2)} ms/frame`;
  $('stat-model').textContent = demo.model ?? '–';
  $('stat-turns').textContent = on ? `turn ${demo.turns}` : 'turn –';
  const latency = $('stat-latency');
  if (source?.kind === 'microphone') {
    const mic = source.live;
    latency.textContent = `latency ≈ ${Math.round(demo.latencyMs)} ms`;
    latency.title = `Voice to face, estimated: the engine's look-ahead and resampling with the capture chunk `
      + `(${Math.round(mic.latency * 1000)} ms), one frame span, after which the frame is complete (33 ms), `
      + `15 ms for the worker and its messages, and one screen refresh (17 ms). The microphone's own `
      + `input latency (hardware and system, often 5-20 ms) is not known to the page and not included.`;
  } else if (source?.kind === 'voice') {
    latency.textContent = 'in sync with playback';
    latency.title = `The voice's sound is delayed by ${Math.round(source.live.outputDelay * 1000)} ms (the playback model's look-ahead, `
      + `one frame span and 15 ms for the worker), so each frame is ready before its sound is heard; the face shows the frame of the sound being heard.`;
  } else if (source?.kind === 'file') {
    latency.textContent = 'in sync with playback';
    latency.title = `The face shows the frame of the sound being heard: the audio output latency `
      + `(${Math.round(source.delay * 1000)} ms, as the browser reports it) is subtracted from the playback clock.`;
  } else {
    latency.textContent = 'latency –';
    latency.title = '';
  }
}

// ---------------------------------------------------------------- start-up

function wireControls() {
  $('mic').addEventListener('click', () => (source?.kind === 'microphone' ? stopSource() : startMic()));
  $('stop-file').addEventListener('click', stopSource);
  $('voice').addEventListener('click', playVoice);
  $('new-turn').addEventListener('click', () => newTurn());
  $('level').addEventListener('input', () => { $('level-value').textContent = $('level').value; });
  $('level').addEventListener('change', () => newTurn());
  $('from-text').addEventListener('submit', (event) => {
    event.preventDefault();
    setFromText($('line').value);
  });
  $('smoothing').addEventListener('change', setSmoothing);
  $('audio-file').addEventListener('change', (event) => {
    const [file] = event.target.files;
    event.target.value = ''; // the same file can be chosen again
    if (file) playFile(file);
  });
  $('vrm-file').addEventListener('change', (event) => {
    const [file] = event.target.files;
    event.target.value = '';
    if (file) loadAvatarFile(file);
  });
  // Drop anywhere: audio plays, a .vrm is worn.
  let depth = 0;
  const hint = $('drop-hint');
  document.addEventListener('dragenter', (event) => { event.preventDefault(); depth++; hint.hidden = false; });
  document.addEventListener('dragleave', () => { if (--depth <= 0) { depth = 0; hint.hidden = true; } });
  document.addEventListener('dragover', (event) => event.preventDefault());
  document.addEventListener('drop', (event) => {
    event.preventDefault();
    depth = 0;
    hint.hidden = true;
    const [file] = event.dataTransfer?.files ?? [];
    if (!file) return;
    if (/\.(vrm|glb)$/i.test(file.name)) loadAvatarFile(file);
    else if (file.type.startsWith('audio/') || AUDIO_EXTENSIONS.test(file.name)) playFile(file);
    else showError(`${file.name} is neither an audio file nor a .vrm: drop a WAV, MP3, OGG or FLAC recording, or a VRM avatar.`);
  });
  // Audio may only start after an interaction: a first click anywhere readies the file context.
  document.addEventListener('pointerdown', () => {
    fileContext ??= new AudioContext({ latencyHint: 'interactive' });
    if (fileContext.state === 'suspended') fileContext.resume().catch(() => {});
  }, { once: true });
}

async function main() {
  if (typeof WebAssembly !== 'object') {
    showError('This browser has no WebAssembly: use a current Chrome, Edge, Firefox or Safari.');
    return;
  }
  // The module is most of what a first visit downloads: say how far it has come.
  const megabytes = (bytes) => (bytes / 1e6).toFixed(1);
  await init(undefined, {
    onProgress: ({ loaded, total }) => {
      $('stage-note').textContent = `loading the engine: ${megabytes(loaded)}${total ? ` of ${megabytes(total)}` : ''} MB…`;
    },
  });
  $('stage-note').textContent = 'loading the avatar…';
  names = channelNames();
  JAW_OPEN = names.indexOf('jawOpen');
  const taxonomy = emotionTaxonomy();
  draw = weightsPanel($('weights'), channelTable());
  emotionChips($('emotions'), taxonomy, 'neutral', () => newTurn());
  idleFace = new IdleFace(PresetLibrary.builtin(), names); // the library lives as long as the page
  idleFace.setEmotion(emotion());
  driver = new VrmFaceDriver(standIn(names));
  wireControls();

  const micSupported = typeof AudioWorkletNode !== 'undefined' && Boolean(navigator.mediaDevices?.getUserMedia);
  if (micSupported) {
    $('mic').disabled = false;
  } else {
    $('mic').title = 'This browser cannot capture the microphone here';
    showError('This browser cannot capture the microphone here (no AudioWorklet or getUserMedia; pages must be served over https or from localhost): use a current Chrome, Edge, Firefox or Safari. Audio files still play.');
  }

  const { Stage, webglSupport } = await import('../shared/stage.js');
  const webgl = webglSupport();
  if (webgl) {
    const pixelRatio = Number(new URLSearchParams(location.search).get('pixelRatio')) || undefined;
    stage = new Stage($('avatar'), $('stage'), { ...webgl, pixelRatio });
    renderInterval = webgl.software ? 1000 / 30 - 2 : 0;
    demo.renderer = webgl.renderer;
  } else {
    $('stage-note').textContent = 'No WebGL 2: the avatar cannot be drawn';
    showError('This browser cannot draw the 3D avatar (WebGL 2 is unavailable or turned off): turn on hardware acceleration or use a current Chrome, Edge, Firefox or Safari. The weights panel still works.');
  }
  requestAnimationFrame(tick);

  if (stage) {
    try {
      await wear(DEFAULT_AVATAR, 'default.vrm');
    } catch (error) {
      $('stage-note').textContent = 'No avatar: drop a .vrm here';
      document.body.dataset.avatar = 'failed';
      showError(`The avatar (${DEFAULT_AVATAR}) could not be loaded (${reason(error)}). Reload the page; if it persists, serve the demo with \`make demo\` from the repository, or drop your own .vrm here.`);
      return;
    }
  }
  if (!stage) document.body.dataset.avatar = 'unavailable';
  demo.ready = true;
  document.body.dataset.ready = 'true';
}

main().catch((error) => showError(`The demo could not start: ${reason(error)}. Reload the page; if it persists, run \`make demo\` again (it rebuilds the package).`));
