// Scenario playback in the preset viewer: a bundled scenario (or one with its audio from disk)
// rendered through the real temporal layer (`renderScenario`, in a worker) with the library being
// edited, played with its audio, the avatar(s) in sync, and a timeline of chosen channels, of
// valence/arousal/dominance and of the speech gate, with the turn boundaries marked. CURRENT,
// MIDDLE and none can play side by side (three avatars, overlaid curves). An edit of the library
// re-renders the scenario without stopping the sound.
import { frameRate } from 'animasync-face';
import { VrmFaceDriver } from 'animasync-face/vrm';

import { SmoothClock, decodeMono } from '../shared/audio.js';
import { reason } from '../shared/page.js';

const MAX_SCENARIO_BYTES = 5e6;

const SETS = ['current', 'middle', 'none'];
const SET_LABEL = { current: 'CURRENT', middle: 'MIDDLE', none: 'none' };
const SET_DASH = { current: [], middle: [7, 4], none: [1.5, 3.5] };
const MODES = [
  ['abc', 'A/B/C: CURRENT · MIDDLE · none'],
  ['current', 'CURRENT'],
  ['middle', 'MIDDLE'],
  ['none', 'none (no smoothing)'],
];
const DEFAULT_CHANNELS = ['jawOpen', 'mouthSmileLeft', 'browInnerUp', 'browDownLeft'];
const MAX_CHANNELS = 6;
const CHANNEL_COLOURS = ['#3d5a99', '#d08a2c', '#2e8b6e', '#a23b72', '#6b5b95', '#8a6d3b'];
const VAD_NAMES = ['valence', 'arousal', 'dominance'];
const VAD_COLOURS = ['#2e8b57', '#d9622b', '#6b5b95'];
/** Colour of the turn boundary lines (the test looks for it on the canvas). */
export const BOUNDARY_RGB = [200, 40, 90];
const BOUNDARY = `rgb(${BOUNDARY_RGB.join(',')})`;
const RERENDER_MS = 150; // an edit re-renders the scenario after this pause

// The timeline's layout, in CSS pixels.
const PLOT = { left: 36, right: 10, labels: 24, channels: 112, gap: 10, vad: 64, axis: 18 };
const HEIGHT = PLOT.labels + PLOT.channels + PLOT.gap + PLOT.vad + PLOT.axis;

export class ScenarioPanel {
  /**
   * `names`: the 52 channel names; `libraryJson()`: the library being edited, as JSON text;
   * `makeStage(canvas, pane)`: a Stage (or null without WebGL); `avatar`: the VRM URL;
   * `showError(message)`, `saveState()`: the viewer's.
   */
  constructor({ names, libraryJson, makeStage, avatar, showError, saveState }) {
    Object.assign(this, { names, libraryJson, makeStage, avatar, showError, saveState });
    const $ = (id) => document.getElementById(id);
    this.el = {
      root: $('scenario'), select: $('scenario-select'), files: $('scenario-files'), play: $('scenario-play'),
      time: $('scenario-time'), mode: $('scenario-mode'), causal: $('scenario-causal'), state: $('scenario-state'),
      stage: $('scenario-stage'), chips: $('timeline-channels'), add: $('timeline-add'),
      timeline: $('timeline'), canvas: $('timeline-canvas'), head: $('timeline-head'), marks: $('turn-marks'),
      legend: $('timeline-legend'),
    };
    this.index = []; // the bundled scenarios (/viewer/scenarios.json): [{id, file (in /scenarios/), regime, description}]
    this.loads = 0;
    this.scenario = null; // {id, name, text, turns (parsed), audio: [{samples, sampleRate} | null]}
    this.results = new Map(); // smoothing set -> rendered result
    this.renderedLibrary = null; // the library text the results were rendered with
    this.renders = 0;
    this.mode = 'abc';
    this.causal = false;
    this.channels = [...DEFAULT_CHANNELS];
    this.worker = null;
    this.requests = new Map(); // id -> {resolve, reject}
    this.nextId = 1;
    this.inFlight = null;
    this.stale = false;
    this.editTimer = 0;
    // Playback: one AudioBuffer holding every turn's audio at its turn's start.
    this.context = null;
    this.clock = null;
    this.buffer = null;
    this.node = null;
    this.state = 'idle'; // 'idle' | 'playing' | 'paused' | 'ended'
    this.offset = 0; // seconds into the scenario where playback (re)started
    this.startedAt = 0; // context time of that start
    this.avatars = new Map(); // set -> {stage, driver, pane, shown}
    this.plot = null; // the static part of the timeline, redrawn when the data or size changes
    this.boundaries = [];
  }

  // -------------------------------------------------------------- state the viewer saves

  get savedState() {
    return { open: this.el.root.open, id: this.scenario?.bundled ? this.scenario.id : null, mode: this.mode, causal: this.causal, channels: this.channels };
  }

  /** Restores what `savedState` gave (unknown values are ignored). */
  restoreState(state) {
    if (!state || typeof state !== 'object') return;
    if (MODES.some(([m]) => m === state.mode)) this.mode = state.mode;
    if (typeof state.causal === 'boolean') this.causal = state.causal;
    if (Array.isArray(state.channels)) {
      const kept = state.channels.filter((n) => this.names.includes(n)).slice(0, MAX_CHANNELS);
      if (kept.length) this.channels = kept;
    }
    this.restoredId = typeof state.id === 'string' ? state.id : null;
    this.el.root.open = Boolean(state.open);
  }

  // -------------------------------------------------------------- set-up

  async start() {
    const { el } = this;
    for (const [value, text] of MODES) el.mode.append(new Option(text, value));
    el.mode.value = this.mode;
    el.causal.checked = this.causal;
    el.mode.addEventListener('change', () => { this.mode = el.mode.value; this.layoutPanes(); this.refresh(); this.saveState(); });
    el.causal.addEventListener('change', () => { this.causal = el.causal.checked; this.refresh(); this.saveState(); });
    el.play.addEventListener('click', () => (this.state === 'playing' ? this.pause() : this.play()));
    el.select.addEventListener('change', () => {
      const entry = this.index.find((s) => s.id === el.select.value);
      if (entry) this.loadBundled(entry);
    });
    el.files.addEventListener('change', () => {
      const files = [...(el.files.files ?? [])];
      el.files.value = '';
      if (files.length) this.loadFiles(files);
    });
    el.add.addEventListener('change', () => {
      if (el.add.value && !this.channels.includes(el.add.value)) this.channels.push(el.add.value);
      el.add.value = '';
      this.drawChips();
      this.invalidatePlot();
      this.saveState();
    });
    el.root.addEventListener('toggle', () => {
      this.saveState();
      if (!el.root.open) { this.pause(); return; }
      this.layoutPanes();
      this.ensureLoaded();
      if (this.stale) this.refresh();
    });
    // Seek: click or drag on the timeline.
    let dragging = false;
    const seekTo = (event) => {
      const box = el.canvas.getBoundingClientRect();
      const width = box.width - PLOT.left - PLOT.right;
      const frames = this.frameCount();
      if (!frames || width <= 0) return;
      const x = Math.min(Math.max(event.clientX - box.left - PLOT.left, 0), width);
      this.seek(((x / width) * frames) / frameRate());
    };
    el.canvas.addEventListener('pointerdown', (event) => { dragging = true; el.canvas.setPointerCapture(event.pointerId); seekTo(event); });
    el.canvas.addEventListener('pointermove', (event) => { if (dragging) seekTo(event); });
    el.canvas.addEventListener('pointerup', () => { dragging = false; });
    el.canvas.addEventListener('keydown', (event) => {
      const step = { ArrowLeft: -1, ArrowRight: 1 }[event.key];
      if (step) { event.preventDefault(); this.seek(this.time() + step); }
      if (event.key === ' ') { event.preventDefault(); el.play.click(); }
    });
    new ResizeObserver(() => this.invalidatePlot()).observe(el.timeline);
    for (const name of this.names) el.add.append(new Option(name, name));
    this.drawChips();
    this.drawLegend();
    this.layoutPanes();
    try {
      const response = await fetch('/viewer/scenarios.json');
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      this.index = (await response.json()).scenarios;
      for (const s of this.index) el.select.append(new Option(s.id, s.id));
      if (this.index.some((s) => s.id === this.restoredId)) el.select.value = this.restoredId;
    } catch (error) {
      this.setStatus(`The bundled scenarios could not be listed (${reason(error)}); open one from disk.`);
    }
    this.drawControls();
    if (el.root.open) this.ensureLoaded();
  }

  /** Loads the selected bundled scenario the first time the panel is open. */
  ensureLoaded() {
    if (this.scenario || this.loading || !this.el.root.open) return;
    const entry = this.index.find((s) => s.id === this.el.select.value) ?? this.index[0];
    if (entry) this.loadBundled(entry);
  }

  audioContext() {
    if (!this.context) {
      this.context = new AudioContext({ latencyHint: 'interactive' });
      this.clock = new SmoothClock(this.context);
    }
    return this.context;
  }

  // -------------------------------------------------------------- loading

  async loadBundled(entry) {
    await this.load(entry.id, true, async () => {
      const response = await fetch(`/scenarios/${entry.file}`);
      if (!response.ok) throw new Error(`/scenarios/${entry.file}: HTTP ${response.status}`);
      return response.text();
    }, async (name) => {
      const response = await fetch(`/scenarios/${encodeURIComponent(name)}`);
      if (!response.ok) throw new Error(`/scenarios/${name}: HTTP ${response.status}`);
      return response.arrayBuffer();
    });
  }

  /** A scenario's .json and the audio files it names, chosen together. */
  async loadFiles(files) {
    const scenarios = files.filter((f) => /\.json$/i.test(f.name));
    if (scenarios.length !== 1) {
      this.showError(`Choose one scenario (.json) together with the audio files it names; you chose ${scenarios.length === 0 ? 'no .json file' : `${scenarios.length} .json files`}. The current scenario stays.`);
      return;
    }
    const [file] = scenarios;
    // A scenario's JSON is a few kB; a huge one would stall the page (its audio may be large).
    if (file.size > MAX_SCENARIO_BYTES) {
      this.showError(`"${file.name}" was not loaded: it is ${(file.size / 1e6).toFixed(1)} MB, and a scenario's JSON is at most ${MAX_SCENARIO_BYTES / 1e6} MB (its audio goes in separate files). The current scenario stays.`);
      return;
    }
    const byName = new Map(files.map((f) => [f.name, f]));
    await this.load(file.name.replace(/\.json$/i, ''), false, () => file.text(), async (name) => {
      const audio = byName.get(name.split(/[\\/]/).pop());
      if (!audio) throw new Error(`it names the audio "${name}", which was not among the chosen files: choose the .json and its audio files together`);
      return audio.arrayBuffer();
    });
  }

  /**
   * Reads a scenario and its audio, renders it, and only then replaces the current one: a
   * scenario that cannot be read, decoded or rendered leaves everything as it was.
   */
  async load(id, bundled, readText, readAudio) {
    const token = ++this.loads; // a later load supersedes this one
    this.loading = true;
    this.setStatus(`Loading ${id}…`);
    try {
      const text = await readText();
      let parsed;
      try {
        parsed = JSON.parse(text);
      } catch (error) {
        throw new Error(`it is not valid JSON (${reason(error)})`);
      }
      if (!Array.isArray(parsed?.turns)) throw new Error('it has no "turns" list');
      const context = this.audioContext();
      const audio = await Promise.all(parsed.turns.map(async (turn, i) => {
        if (typeof turn?.audio !== 'string') return null;
        const bytes = await readAudio(turn.audio);
        try {
          const { samples } = await decodeMono(context, bytes);
          return { samples, sampleRate: context.sampleRate };
        } catch (error) {
          throw new Error(`turn ${i + 1}'s audio "${turn.audio}" could not be decoded (${reason(error)})`);
        }
      }));
      const candidate = { id, bundled, text, turns: parsed.turns, audio };
      const rendered = await this.render(candidate);
      if (token !== this.loads) return;
      this.stop();
      this.scenario = candidate;
      this.apply(rendered);
      this.buildBuffer();
      this.offset = 0;
      this.state = 'idle';
      if (bundled) this.el.select.value = id;
      else this.markFromDisk(id);
      this.saveState();
    } catch (error) {
      if (token !== this.loads) return;
      this.showError(`The scenario "${id}" was not loaded: ${reason(error)}. ${this.scenario ? 'The current scenario stays.' : ''}`.trim());
      this.setStatus(this.scenario ? this.statusText() : 'No scenario loaded.');
      if (this.scenario?.bundled) this.el.select.value = this.scenario.id;
    } finally {
      if (token === this.loads) {
        this.loading = false;
        this.drawControls();
      }
    }
  }

  markFromDisk(id) {
    const select = this.el.select;
    select.querySelector('option[data-disk]')?.remove();
    const option = new Option(`${id} (from disk)`, `disk:${id}`);
    option.dataset.disk = 'true';
    select.append(option);
    select.value = option.value;
  }

  /** Every turn's audio at its turn's start frame, silence between: the sound that plays. */
  buildBuffer() {
    const first = this.results.values().next().value;
    const context = this.audioContext();
    const length = Math.max(1, Math.ceil((first.frameCount / frameRate()) * context.sampleRate));
    this.buffer = context.createBuffer(1, length, context.sampleRate);
    const out = this.buffer.getChannelData(0);
    this.scenario.audio.forEach((audio, i) => {
      if (!audio) return;
      const at = Math.round((first.turns[i].startFrame / frameRate()) * context.sampleRate);
      out.set(audio.samples.subarray(0, Math.max(0, out.length - at)), at);
    });
  }

  // -------------------------------------------------------------- rendering

  sets() { return this.mode === 'abc' ? SETS : [this.mode]; }

  /** Renders `scenario` with the library as it is now, in the worker. */
  render(scenario) {
    if (!this.worker) {
      // A worker has no import map: it imports the package from the URL the page's map gives.
      const url = new URL('./scenario-worker.js', import.meta.url);
      url.searchParams.set('package', import.meta.resolve('animasync-face'));
      this.worker = new Worker(url, { type: 'module' });
      this.worker.onmessage = ({ data }) => {
        const request = this.requests.get(data.id);
        this.requests.delete(data.id);
        if (data.error) request?.reject(new Error(data.error));
        else request?.resolve(data);
      };
      this.worker.onerror = (event) => {
        event.preventDefault();
        for (const request of this.requests.values()) request.reject(new Error(`the render worker failed (${event.message || 'it could not load'})`));
        this.requests.clear();
        this.worker = null;
      };
    }
    const id = this.nextId++;
    const library = this.libraryJson();
    const { causal } = this;
    this.setStatus(`Rendering ${scenario.id}…`);
    return new Promise((resolve, reject) => {
      this.requests.set(id, {
        resolve: (data) => resolve({ ...data, library, causal }),
        reject,
      });
      this.worker.postMessage({ id, library, scenario: scenario.text, audio: scenario.audio, sets: this.sets(), causal });
    });
  }

  /** Shows a render: `rendered` as the worker answered, plus the library it was made with. */
  apply(rendered) {
    this.results = new Map(rendered.results.map((r) => [r.set, r]));
    this.renderedLibrary = rendered.library;
    this.renderedCausal = rendered.causal;
    this.renders++;
    this.renderMs = rendered.ms;
    this.error = null;
    this.invalidatePlot();
    this.drawMarks();
    this.setStatus(this.statusText());
  }

  statusText() {
    if (!this.scenario || this.results.size === 0) return 'No scenario loaded.';
    const sets = [...this.results.keys()].map((s) => SET_LABEL[s]).join(', ');
    const first = this.results.values().next().value;
    const stale = this.error ? ` · the last edit could not be rendered (${this.error}); showing the previous render` : '';
    // The smoothing sets act across a monologue's turns; a dialogue's turns snap in all of them.
    const same = first.regime === 'dialogue' && this.results.size > 1 ? ' (a dialogue: turns snap, so the smoothing sets render the same)' : '';
    return `${this.scenario.turns.length} turns · ${first.regime}${same} · ${sets} rendered in ${Math.round(this.renderMs ?? 0)} ms · lip sync ${first.lipsync}${stale}`;
  }

  /** The library changed: re-render (after a short pause) if the scenario is showing. */
  libraryChanged() {
    clearTimeout(this.editTimer);
    this.editTimer = setTimeout(() => this.refresh(), RERENDER_MS);
  }

  /** Re-renders the current scenario if the library, the sets or `causal` changed. */
  refresh() {
    if (!this.scenario) return;
    if (!this.el.root.open) { this.stale = true; return; }
    if (this.inFlight) { this.stale = true; return; }
    const sameSets = this.sets().every((s) => this.results.has(s)) && this.results.size === this.sets().length;
    if (sameSets && this.renderedCausal === this.causal && this.libraryJson() === this.renderedLibrary) return;
    this.stale = false;
    const scenario = this.scenario;
    this.inFlight = this.render(scenario)
      .then((rendered) => { if (this.scenario === scenario) this.apply(rendered); })
      .catch((error) => {
        if (this.scenario !== scenario) return;
        this.error = reason(error);
        this.setStatus(this.statusText());
      })
      .finally(() => {
        this.inFlight = null;
        if (this.stale) this.refresh();
      });
  }

  // -------------------------------------------------------------- playback

  frameCount() { return this.results.values().next().value?.frameCount ?? 0; }
  duration() { return this.frameCount() / frameRate(); }

  /** Seconds into the scenario that are being heard now. */
  time() {
    if (this.state !== 'playing') return this.offset;
    const latency = (this.context.outputLatency || this.context.baseLatency || 0);
    return Math.min(this.duration(), Math.max(this.offset, this.offset + this.clock.now() - this.startedAt - latency));
  }

  async play() {
    if (!this.buffer) return;
    const context = this.audioContext();
    if (context.state !== 'running') await context.resume().catch(() => {});
    if (context.state !== 'running') {
      this.showError('The browser keeps audio off until you interact with the page: click Play again.');
      return;
    }
    if (this.state === 'ended' || this.offset >= this.duration()) this.offset = 0;
    this.startNode();
    this.state = 'playing';
    this.drawControls();
  }

  startNode() {
    this.stopNode();
    const node = this.context.createBufferSource();
    node.buffer = this.buffer;
    node.connect(this.context.destination);
    node.onended = () => {
      if (this.node !== node) return;
      this.node = null;
      this.offset = this.duration();
      this.state = 'ended';
      this.drawControls();
    };
    this.startedAt = this.context.currentTime + 0.02;
    node.start(this.startedAt, this.offset);
    this.node = node;
  }

  stopNode() {
    if (!this.node) return;
    const node = this.node;
    this.node = null;
    try { node.stop(); } catch { /* never started */ }
    node.disconnect();
  }

  pause() {
    if (this.state !== 'playing') return;
    this.offset = this.time();
    this.stopNode();
    this.state = 'paused';
    this.drawControls();
  }

  stop() {
    this.stopNode();
    this.state = 'idle';
    this.offset = 0;
  }

  seek(seconds) {
    this.offset = Math.min(Math.max(seconds, 0), this.duration());
    if (this.state === 'playing') this.startNode();
    else if (this.state === 'ended') this.state = 'paused';
    this.drawControls();
  }

  /** The weights of `set` at `seconds`, linearly between the two nearest frames. */
  weightsAt(set, seconds, out = new Float32Array(52)) {
    const r = this.results.get(set);
    if (!r || r.frameCount === 0) return out.fill(0);
    const position = Math.min(Math.max(seconds * frameRate() - 0.5, 0), r.frameCount - 1);
    const a = Math.floor(position);
    const b = Math.min(a + 1, r.frameCount - 1);
    const t = position - a;
    for (let i = 0; i < 52; i++) out[i] = r.blendshapes[a * 52 + i] * (1 - t) + r.blendshapes[b * 52 + i] * t;
    return out;
  }

  // -------------------------------------------------------------- the avatars

  layoutPanes() {
    const sets = this.sets();
    for (const pane of this.el.stage.querySelectorAll('.pane')) pane.hidden = !sets.includes(pane.dataset.set);
    this.el.stage.dataset.count = String(sets.length);
    if (!this.el.root.open) return;
    for (const set of sets) {
      if (this.avatars.has(set)) continue;
      const pane = this.el.stage.querySelector(`.pane[data-set="${set}"]`);
      const stage = this.makeStage(pane.querySelector('canvas'), pane);
      const entry = { stage, driver: null, pane, shown: new Float32Array(52) };
      this.avatars.set(set, entry);
      if (!stage) continue;
      stage.load(this.avatar, (vrm) => new VrmFaceDriver(vrm))
        .then((driver) => { entry.driver = driver; })
        .catch((error) => this.showError(`The ${SET_LABEL[set]} avatar could not be loaded (${reason(error)}); the timeline still works.`));
    }
  }

  /** Called by the viewer's animation loop; `render`: whether to draw the avatars this time. */
  tick(nowMs, dt, render) {
    if (!this.el.root.open || !this.scenario) return;
    const t = this.time();
    for (const [set, entry] of this.avatars) {
      if (!this.results.has(set)) continue;
      this.weightsAt(set, t, entry.shown);
      if (!render || !entry.driver || entry.pane.hidden) continue;
      entry.driver.apply(entry.shown);
      entry.stage.animate(nowMs / 1000, dt, entry.shown[this.names.indexOf('jawOpen')] * 0.3);
      entry.stage.render();
    }
    this.drawPlayhead(t);
  }

  // -------------------------------------------------------------- the timeline

  drawControls() {
    const { el } = this;
    const ready = Boolean(this.scenario) && !this.loading;
    el.play.disabled = !ready;
    el.play.textContent = this.state === 'playing' ? '❚❚ Pause' : '▶ Play';
    el.play.setAttribute('aria-pressed', String(this.state === 'playing'));
    el.time.textContent = this.timeText(this.time());
    el.timeline.dataset.state = this.state;
  }

  /** "3.2 / 11.6 s", or a dash while there is nothing to play. */
  timeText(seconds) {
    return this.scenario && !this.loading ? `${seconds.toFixed(1)} / ${this.duration().toFixed(1)} s` : '–';
  }

  setStatus(text) { this.el.state.textContent = text; }

  drawChips() {
    const { chips } = this.el;
    chips.replaceChildren();
    this.channels.forEach((name, i) => {
      const chip = document.createElement('span');
      chip.className = 'chip';
      chip.style.setProperty('--colour', CHANNEL_COLOURS[i % CHANNEL_COLOURS.length]);
      chip.textContent = name;
      const remove = document.createElement('button');
      remove.type = 'button';
      remove.textContent = '×';
      remove.setAttribute('aria-label', `Remove ${name} from the timeline`);
      remove.addEventListener('click', () => {
        this.channels = this.channels.filter((n) => n !== name);
        this.drawChips();
        this.invalidatePlot();
        this.saveState();
      });
      chip.append(remove);
      chips.append(chip);
    });
    this.el.add.disabled = this.channels.length >= MAX_CHANNELS;
    this.el.add.options[0].text = this.channels.length >= MAX_CHANNELS ? `at most ${MAX_CHANNELS} channels` : '+ channel';
  }

  drawLegend() {
    const { legend } = this.el;
    legend.replaceChildren();
    const line = (dash, colour = '#444') => {
      const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
      svg.setAttribute('width', '26');
      svg.setAttribute('height', '8');
      svg.setAttribute('aria-hidden', 'true');
      svg.innerHTML = `<line x1="1" y1="4" x2="25" y2="4" stroke="${colour}" stroke-width="2" stroke-dasharray="${dash.join(' ')}"/>`;
      return svg;
    };
    for (const set of SETS) {
      const item = document.createElement('span');
      item.className = 'legend-item';
      item.dataset.set = set;
      item.append(line(SET_DASH[set]), SET_LABEL[set]);
      legend.append(item);
    }
    VAD_NAMES.forEach((name, i) => {
      const item = document.createElement('span');
      item.className = 'legend-item vad';
      item.append(line([], VAD_COLOURS[i]), name);
      legend.append(item);
    });
    const gate = document.createElement('span');
    gate.className = 'legend-item gate';
    gate.textContent = 'speech gate';
    const boundary = document.createElement('span');
    boundary.className = 'legend-item boundary';
    boundary.textContent = 'turn boundary';
    legend.append(gate, boundary);
  }

  /** The turn labels above the plot: buttons that seek to their turn. */
  drawMarks() {
    const { marks } = this.el;
    marks.replaceChildren();
    const first = this.results.values().next().value;
    if (!first) return;
    first.turns.forEach((span, i) => {
      const turn = this.scenario.turns[i];
      const intensity = turn.level !== undefined ? `L${turn.level}` : Array.isArray(turn.vad) ? `VAD ${turn.vad.join(' ')}` : '';
      const button = document.createElement('button');
      button.type = 'button';
      button.className = 'turn-mark';
      button.dataset.turn = String(i);
      button.style.setProperty('--from', String(span.startFrame / first.frameCount));
      button.style.setProperty('--to', String(span.endFrame / first.frameCount));
      button.textContent = `${i + 1} · ${turn.emotion} ${intensity}`.trim();
      button.title = `${turn.text ? `“${turn.text}” · ` : ''}from ${(span.startFrame / frameRate()).toFixed(2)} s`;
      button.setAttribute('aria-label', `Turn ${i + 1}: ${turn.emotion} ${intensity}, from ${(span.startFrame / frameRate()).toFixed(1)} s`);
      button.addEventListener('click', () => this.seek(span.startFrame / frameRate()));
      marks.append(button);
    });
  }

  invalidatePlot() { this.plot = null; }

  /** Sizes the canvas to its box and draws the static plot (curves, gate, boundaries, axes). */
  drawPlot() {
    const { canvas } = this.el;
    const width = this.el.timeline.clientWidth;
    if (width === 0) return false;
    const ratio = Math.min(window.devicePixelRatio || 1, 2);
    canvas.width = Math.round(width * ratio);
    canvas.height = Math.round(HEIGHT * ratio);
    canvas.style.height = `${HEIGHT}px`;
    const plot = document.createElement('canvas');
    plot.width = canvas.width;
    plot.height = canvas.height;
    const g = plot.getContext('2d');
    g.scale(ratio, ratio);
    const frames = this.frameCount();
    const w = width - PLOT.left - PLOT.right;
    const x = (frame) => PLOT.left + (frame / Math.max(frames, 1)) * w;
    const top = PLOT.labels;
    const chBottom = top + PLOT.channels;
    const vadTop = chBottom + PLOT.gap;
    const vadBottom = vadTop + PLOT.vad;
    const yCh = (v) => chBottom - v * PLOT.channels;
    const yVad = (v) => vadTop + ((1 - v) / 2) * PLOT.vad;

    g.fillStyle = '#fff';
    g.fillRect(PLOT.left, top, w, PLOT.channels);
    g.fillRect(PLOT.left, vadTop, w, PLOT.vad);
    const first = this.results.values().next().value;
    if (first && frames > 0) {
      // The speech gate: a band whose strength is the gate's weight.
      for (let f = 0; f < frames; f++) {
        const s = first.speech[f];
        if (s <= 0.01) continue;
        g.fillStyle = `rgba(61, 126, 166, ${0.16 * s})`;
        g.fillRect(x(f), top, x(f + 1) - x(f) + 0.5, PLOT.channels);
      }
      // Each turn's trailing gap (after its audio), hatched lightly.
      first.turns.forEach((span, i) => {
        const audio = this.scenario.audio[i];
        const audioFrames = audio ? Math.ceil((audio.samples.length / audio.sampleRate) * frameRate()) : 0;
        const from = Math.min(span.startFrame + audioFrames, span.endFrame);
        if (from >= span.endFrame) return;
        g.fillStyle = 'rgba(0, 0, 0, 0.035)';
        g.fillRect(x(from), top, x(span.endFrame) - x(from), PLOT.channels);
      });
      // Grid lines.
      g.strokeStyle = '#ece8e2';
      g.lineWidth = 1;
      g.beginPath();
      for (const v of [0.25, 0.5, 0.75]) { g.moveTo(PLOT.left, yCh(v)); g.lineTo(PLOT.left + w, yCh(v)); }
      g.moveTo(PLOT.left, yVad(0)); g.lineTo(PLOT.left + w, yVad(0));
      g.stroke();
      // Channels, one colour each, one dash per smoothing set.
      const curve = (values, stride, offset, y, colour, dash, width = 1.6) => {
        g.strokeStyle = colour;
        g.lineWidth = width;
        g.setLineDash(dash);
        g.beginPath();
        for (let f = 0; f < frames; f++) {
          const px = x(f + 0.5);
          const py = y(values[f * stride + offset]);
          if (f === 0) g.moveTo(px, py); else g.lineTo(px, py);
        }
        g.stroke();
        g.setLineDash([]);
      };
      for (const [set, r] of this.results) {
        this.channels.forEach((name, i) => {
          curve(r.blendshapes, 52, this.names.indexOf(name), yCh, CHANNEL_COLOURS[i % CHANNEL_COLOURS.length], SET_DASH[set]);
        });
        VAD_NAMES.forEach((_, i) => curve(r.vad, 3, i, yVad, VAD_COLOURS[i], SET_DASH[set], 1.4));
      }
    }
    // Frames and labels.
    g.strokeStyle = '#cfc9c1';
    g.lineWidth = 1;
    g.strokeRect(PLOT.left + 0.5, top + 0.5, w - 1, PLOT.channels - 1);
    g.strokeRect(PLOT.left + 0.5, vadTop + 0.5, w - 1, PLOT.vad - 1);
    g.fillStyle = '#7a746c';
    g.font = '10px system-ui, sans-serif';
    g.textAlign = 'right';
    g.textBaseline = 'middle';
    g.fillText('1', PLOT.left - 5, yCh(1) + 4);
    g.fillText('0', PLOT.left - 5, yCh(0) - 4);
    g.fillText('+1', PLOT.left - 5, yVad(1) + 4);
    g.fillText('0', PLOT.left - 5, yVad(0));
    g.fillText('−1', PLOT.left - 5, yVad(-1) - 4);
    g.save();
    g.translate(10, (vadTop + vadBottom) / 2);
    g.rotate(-Math.PI / 2);
    g.textAlign = 'center';
    g.fillText('VAD', 0, 0);
    g.restore();
    g.textAlign = 'center';
    g.textBaseline = 'top';
    if (frames > 0) {
      const seconds = frames / frameRate();
      const step = seconds > 30 ? 5 : seconds > 12 ? 2 : 1;
      for (let s = 0; s <= seconds; s += step) g.fillText(`${s} s`, x(s * frameRate()), vadBottom + 4);
    }
    // Turn boundaries: every turn's start after the first, across both plots.
    this.boundaries = [];
    if (first) {
      g.strokeStyle = BOUNDARY;
      g.lineWidth = 2;
      g.beginPath();
      for (const span of first.turns.slice(1)) {
        const bx = Math.round(x(span.startFrame)) + 0.5;
        g.moveTo(bx, top - 4);
        g.lineTo(bx, vadBottom);
        this.boundaries.push({ frame: span.startFrame, x: bx, top: top - 4, bottom: vadBottom });
      }
      g.stroke();
    }
    this.plot = { image: plot, width, ratio };
    return true;
  }

  drawPlayhead(seconds) {
    if (!this.plot && !this.drawPlot()) return;
    const { canvas } = this.el;
    const g = canvas.getContext('2d');
    g.setTransform(1, 0, 0, 1, 0, 0);
    g.clearRect(0, 0, canvas.width, canvas.height);
    g.drawImage(this.plot.image, 0, 0);
    const frames = this.frameCount();
    if (frames > 0) {
      const { ratio, width } = this.plot;
      const px = (PLOT.left + ((seconds * frameRate()) / frames) * (width - PLOT.left - PLOT.right)) * ratio;
      g.fillStyle = '#1b1b1b';
      g.fillRect(Math.round(px) - ratio, (PLOT.labels - 4) * ratio, 2 * ratio, (HEIGHT - PLOT.labels - PLOT.axis + 4) * ratio);
    }
    const text = this.timeText(seconds);
    if (this.el.time.textContent !== text) this.el.time.textContent = text;
  }
}
