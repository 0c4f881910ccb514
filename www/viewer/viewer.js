// The preset viewer: edit the authored presets (16 emotions x L1/L3/L5, 52 ARKit weights each)
// with the avatar updating live, sweep the intensity through the real compiler, import and
// export preset libraries, undo/redo, and autosave to localStorage; scenario playback (scenario.js)
// re-renders the scenario with every edit.
//
// The library lives in wasm (PresetLibrary) and is only changed through `setPreset` /
// `removePreset` / `fromJson`, which validate. History is a list of whole-library JSON texts
// (about 80 kB each, canonical, so `fromJson(toJson())` gives back the same library bit for bit):
// an edit remembers the text before and after it; a slider drag is one edit.
import init, {
  channelNames, channelTable, compileExpression, compileModes, emotionTaxonomy, levelVad, PresetLibrary,
} from 'animasync-face';
import { VrmFaceDriver } from 'animasync-face/vrm';
import { errorBox, reason } from '../shared/page.js';
import { ScenarioPanel } from './scenario.js';

const $ = (id) => document.getElementById(id);
const LEVELS = [1, 3, 5];
const STORE_LIBRARY = 'animasync-face.viewer.library';
const STORE_STATE = 'animasync-face.viewer.state';
const AUTOSAVE_MS = 250;
// Files larger than this are not read: a preset library is a few hundred kB at most (the
// built-in one is 76 kB), and a huge file would only stall the page and grow its memory.
const MAX_IMPORT_BYTES = 5e6;
const COMMIT_IDLE_MS = 600; // a typed value becomes one undo step after this pause
const HISTORY_LIMIT = 200;
const DEFAULT_AVATAR = '/avatar/default.vrm';
// A chain link (two rounded links), drawn so it does not depend on the fonts installed.
const LINK_ICON = '<svg viewBox="0 0 16 16" width="14" height="14" aria-hidden="true" fill="none" stroke="currentColor" stroke-width="1.6" stroke-linecap="round">'
  + '<path d="M6.5 9.5l3-3"/><path d="M7.2 4.6l1.4-1.4a2.6 2.6 0 0 1 3.7 3.7l-1.4 1.4"/><path d="M8.8 11.4l-1.4 1.4a2.6 2.6 0 0 1-3.7-3.7l1.4-1.4"/></svg>';

let names;
let table;
let taxonomy;
let builtin; // PresetLibrary.builtin(), for "reset" and the edited marks
let library;
let selection = { emotion: 'joy', level: 3 };
let preview = 'preset'; // what the avatar shows: 'preset' | 'compiled'
let sweepLevel = 3;
let links = new Set(); // names of *Left channels moving with their mirror
let undoStack = [];
let redoStack = [];
let pending = null; // { before } while an edit (a drag, typing) is in progress
let commitTimer = 0;
let saveTimer = 0;
let pointerDown = false;
let stage = null;
let driver = null;
let compareStage = null; // the second avatar, created the first time a comparison is chosen
let compareDriver = null;
let compareTo = 'none'; // 'none' | 'builtin' | 'emotion:level'
let StageClass = null;
let webgl = null;
let scenario = null; // the scenario playback panel
let scenarioState = null; // its saved state, until the panel exists
// An autosave that could not be read, nor copied aside (storage full), stays where it is and
// nothing is saved over it: the author decides (export, or clear the site's storage).
let autosavePaused = false;
const compareShown = new Float32Array(52);
const shown = new Float32Array(52);
const rows = new Map(); // channel name -> { range, number, message, row, link? }

const viewer = {
  ready: false,
  errors: [],
  get library() { return library; },
  get selection() { return { ...selection }; },
  get preview() { return preview; },
  get shown() { return Array.from(shown); },
  get compareTo() { return compareTo; },
  get compareShown() { return compareTo === 'none' ? null : Array.from(compareShown); },
  compare: (value) => { $('compare').value = value; setCompare(value); },
  get undoDepth() { return undoStack.length; },
  get redoDepth() { return redoStack.length; },
  select: (emotion, level) => select(emotion, level),
  value: (name) => library.preset(selection.emotion, selection.level)?.[names.indexOf(name)],
  undo: () => undo(),
  redo: () => redo(),
  canvasStats: () => stage?.canvasStats() ?? null,
  get scenario() { return scenario; },
};
window.viewer = viewer;

// ---------------------------------------------------------------- messages

// The latest message replaces the others.
const { show: showError, clear: clearError } = errorBox({ log: viewer.errors });

let noteTimer = 0;
function note(text) {
  $('save-state').textContent = text;
  clearTimeout(noteTimer);
  noteTimer = setTimeout(() => { $('save-state').textContent = savedText(); }, 2500);
}
function savedText() {
  return undoStack.length ? `Saved in this browser · ${undoStack.length} edit${undoStack.length === 1 ? '' : 's'} to undo` : 'Saved in this browser';
}

// ---------------------------------------------------------------- history and autosave

function beginEdit() {
  if (!pending) pending = { before: library.toJson() };
}

/** Ends the edit in progress: one undo step, unless nothing changed. */
function commitEdit() {
  clearTimeout(commitTimer);
  if (!pending) return;
  const after = library.toJson();
  if (after !== pending.before) {
    undoStack.push({ before: pending.before, after });
    if (undoStack.length > HISTORY_LIMIT) undoStack.shift();
    redoStack = [];
  }
  pending = null;
  updateHistoryButtons();
}

function scheduleCommit() {
  clearTimeout(commitTimer);
  commitTimer = setTimeout(() => { if (!pointerDown) commitEdit(); else scheduleCommit(); }, COMMIT_IDLE_MS);
}

/** A whole edit at once (buttons, import): `change()` edits the library; throws leave it as it was. */
function edit(change) {
  commitEdit();
  beginEdit();
  try {
    change();
  } finally {
    commitEdit();
    changed();
  }
}

function replaceLibrary(next) {
  library?.free();
  library = next;
}

/** Moves one step from one history stack to the other, restoring the library of its `side`. */
function travel(from, to, side) {
  commitEdit();
  const step = from.pop();
  if (!step) return;
  replaceLibrary(PresetLibrary.fromJson(step[side]));
  to.push(step);
  updateHistoryButtons();
  changed();
}

function undo() { travel(undoStack, redoStack, 'before'); }
function redo() { travel(redoStack, undoStack, 'after'); }

function updateHistoryButtons() {
  $('undo').disabled = undoStack.length === 0 && !pending;
  $('redo').disabled = redoStack.length === 0;
}

function scheduleSave() {
  clearTimeout(saveTimer);
  $('save-state').textContent = 'Saving…';
  saveTimer = setTimeout(save, AUTOSAVE_MS);
}

function save() {
  clearTimeout(saveTimer);
  if (autosavePaused) {
    $('save-state').textContent = 'Not saved (autosave paused)';
    return;
  }
  try {
    localStorage.setItem(STORE_LIBRARY, library.toJson());
    localStorage.setItem(STORE_STATE, JSON.stringify({
      selection, links: [...links], sweepLevel, mode: $('mode').value, compareTo, scenario: scenario?.savedState ?? scenarioState,
    }));
    $('save-state').textContent = savedText();
  } catch (error) {
    $('save-state').textContent = 'Not saved';
    showError(`Autosave failed (${reason(error)}): export the library to keep your work.`);
  }
}
window.addEventListener('pagehide', () => { commitEdit(); save(); });
// Two viewer tabs share one autosave: the last to save wins, so say so when the other one saved.
window.addEventListener('storage', (event) => {
  if (event.key !== STORE_LIBRARY || event.newValue === null || !library || event.newValue === library.toJson()) return;
  showError('The library was changed in another viewer tab. Both save to the same place: the next change here replaces that tab\'s work (export it there first to keep it).');
});

function restore() {
  let text = null;
  try {
    text = localStorage.getItem(STORE_LIBRARY);
    const state = JSON.parse(localStorage.getItem(STORE_STATE) ?? 'null');
    if (state?.selection && taxonomy.emotions.some((e) => e.id === state.selection.emotion) && LEVELS.includes(state.selection.level)) {
      selection = state.selection;
    }
    if (Array.isArray(state?.links)) links = new Set(state.links.filter((n) => names.includes(n)));
    if (Number.isFinite(state?.sweepLevel)) sweepLevel = Math.min(5, Math.max(1, state.sweepLevel));
    if (state?.mode && compileModes().includes(state.mode)) $('mode').value = state.mode;
    if (typeof state?.compareTo === 'string') compareTo = state.compareTo;
    scenarioState = state?.scenario ?? null;
  } catch { /* storage unavailable or state unreadable: start fresh */ }
  if (text) {
    try {
      return PresetLibrary.fromJson(text);
    } catch (error) {
      try {
        localStorage.setItem(`${STORE_LIBRARY}.unreadable`, text);
        showError(`The autosaved library could not be read (${reason(error)}); it is kept in localStorage as "${STORE_LIBRARY}.unreadable". Starting from the built-in library.`);
      } catch (copyError) {
        autosavePaused = true;
        showError(`The autosaved library could not be read (${reason(error)}), and there is no room to keep a copy of it (${reason(copyError)}). It is left as it was in localStorage ("${STORE_LIBRARY}") and autosave is paused so nothing overwrites it: export your edits to keep them. Starting from the built-in library.`);
      }
    }
  }
  return PresetLibrary.builtin();
}

// ---------------------------------------------------------------- the grid

function sameWeights(a, b) {
  if (!a || !b) return a === b;
  for (let i = 0; i < 52; i++) if (a[i] !== b[i]) return false;
  return true;
}

function buildGrid() {
  const grid = $('grid');
  const head = grid.createTHead().insertRow();
  head.append(document.createElement('th'));
  for (const level of LEVELS) {
    const th = document.createElement('th');
    th.scope = 'col';
    th.textContent = `L${level}`;
    head.append(th);
  }
  const body = grid.createTBody();
  for (const emotion of taxonomy.emotions) {
    const row = body.insertRow();
    const th = document.createElement('th');
    th.scope = 'row';
    th.textContent = emotion.display.en;
    th.title = emotion.description;
    row.append(th);
    for (const level of LEVELS) {
      const cell = row.insertCell();
      const button = document.createElement('button');
      button.type = 'button';
      button.className = 'cell';
      button.dataset.emotion = emotion.id;
      button.dataset.level = String(level);
      button.addEventListener('click', () => select(emotion.id, level));
      cell.append(button);
    }
  }
  // Arrow keys move the selection inside the grid.
  grid.addEventListener('keydown', (event) => {
    const moves = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] };
    const move = moves[event.key];
    if (!move || !event.target.classList.contains('cell')) return;
    event.preventDefault();
    const ids = taxonomy.emotions.map((e) => e.id);
    const r = Math.min(ids.length - 1, Math.max(0, ids.indexOf(selection.emotion) + move[0]));
    const c = Math.min(2, Math.max(0, LEVELS.indexOf(selection.level) + move[1]));
    select(ids[r], LEVELS[c]);
    grid.querySelector(`.cell[data-emotion="${ids[r]}"][data-level="${LEVELS[c]}"]`).focus();
  });
}

function drawGrid() {
  for (const button of $('grid').querySelectorAll('.cell')) {
    const { emotion } = button.dataset;
    const level = Number(button.dataset.level);
    const weights = library.preset(emotion, level);
    const state = !weights ? 'missing' : sameWeights(weights, builtin.preset(emotion, level)) ? 'built-in' : 'edited';
    button.dataset.state = state;
    button.textContent = state === 'missing' ? '+' : state === 'edited' ? '●' : '';
    const active = emotion === selection.emotion && level === selection.level;
    button.setAttribute('aria-pressed', String(active));
    button.setAttribute('aria-label', `${emotion} L${level}${state === 'built-in' ? '' : ` (${state})`}`);
    button.tabIndex = active ? 0 : -1;
  }
}

// ---------------------------------------------------------------- the sliders

function buildChannels() {
  const container = $('channels');
  for (const group of table.groups) {
    const card = document.createElement('section');
    card.className = 'card channel-group';
    card.dataset.group = group;
    const h = document.createElement('h2');
    h.textContent = group;
    card.append(h);
    for (const info of table.channels.filter((c) => c.group === group)) {
      card.append(channelRow(info));
    }
    container.append(card);
  }
}

function channelRow(info) {
  const { name } = info;
  const row = document.createElement('div');
  row.className = 'channel';
  row.dataset.class = info.class;
  const label = document.createElement('label');
  label.htmlFor = `ch-${name}`;
  label.textContent = name;
  label.className = 'name';
  const range = Object.assign(document.createElement('input'), { type: 'range', id: `ch-${name}`, min: 0, max: 1, step: 0.001 });
  const number = Object.assign(document.createElement('input'), { type: 'number', min: 0, max: 1, step: 0.001, inputMode: 'decimal' });
  number.setAttribute('aria-label', `${name} value`);
  const message = document.createElement('span');
  message.className = 'invalid-message';
  message.id = `msg-${name}`;
  message.hidden = true;
  number.setAttribute('aria-describedby', message.id);
  const entry = { range, number, message, row };
  let link = null;
  if (info.mirror && /Left$/.test(name)) {
    link = document.createElement('button');
    link.type = 'button';
    link.className = 'link';
    link.innerHTML = LINK_ICON;
    link.title = `Move ${name} and ${info.mirror} together`;
    link.setAttribute('aria-label', `Link ${name} and ${info.mirror}`);
    link.addEventListener('click', () => {
      if (links.has(name)) links.delete(name); else links.add(name);
      drawLinks();
      scheduleSave();
    });
    entry.link = link;
  } else {
    link = document.createElement('span');
    link.className = info.mirror ? 'link-spacer paired' : 'link-spacer';
  }
  const track = document.createElement('span');
  track.className = 'track-wrap';
  const ghost = document.createElement('span');
  ghost.className = 'ghost';
  ghost.hidden = true;
  track.append(range, ghost);
  entry.ghost = ghost;
  rows.set(name, entry);

  range.addEventListener('pointerdown', () => { pointerDown = true; });
  range.addEventListener('input', () => {
    setChannel(name, Number(range.value));
    scheduleCommit();
  });
  range.addEventListener('change', () => { if (!pointerDown) commitEdit(); });
  number.addEventListener('input', () => {
    // A number field's value is '' while its text is not a number: say which it is.
    const value = number.validity.badInput ? 'Not a number: enter one from 0 to 1.' : parseValue(number.value);
    if (typeof value === 'string') {
      markInvalid(entry, value);
      return;
    }
    markInvalid(entry, null);
    setChannel(name, value, number);
    scheduleCommit();
  });
  number.addEventListener('change', () => commitEdit());
  number.addEventListener('blur', () => {
    if (number.getAttribute('aria-invalid') !== 'true') drawValue(name);
  });
  row.append(label, track, number, link, message);
  return row;
}

/** A number in [0, 1], or the reason it is not one. */
function parseValue(text) {
  const trimmed = String(text).trim();
  if (trimmed === '') return 'Enter a number from 0 to 1.';
  const value = Number(trimmed);
  if (!Number.isFinite(value)) return `"${trimmed}" is not a number; enter one from 0 to 1.`;
  if (value < 0 || value > 1) return `${trimmed} is outside [0, 1].`;
  return value;
}

function markInvalid(entry, message) {
  entry.number.setAttribute('aria-invalid', String(Boolean(message)));
  entry.row.classList.toggle('invalid', Boolean(message));
  entry.message.hidden = !message;
  entry.message.textContent = message ?? '';
}

function mirrorOf(name) {
  return table.channels.find((c) => c.name === name)?.mirror;
}
function linkedPartner(name) {
  const mirror = mirrorOf(name);
  if (!mirror) return null;
  const left = /Left$/.test(name) ? name : mirror;
  return links.has(left) ? mirror : null;
}

/** Sets one channel (and its linked mirror) of the selected preset, through setPreset. */
function setChannel(name, value, typedIn = null) {
  const weights = library.preset(selection.emotion, selection.level);
  if (!weights) return;
  beginEdit();
  weights[names.indexOf(name)] = value;
  const partner = linkedPartner(name);
  if (partner) weights[names.indexOf(partner)] = value;
  try {
    library.setPreset(selection.emotion, selection.level, weights);
  } catch (error) {
    markInvalid(rows.get(name), reason(error));
    return;
  }
  preview = 'preset';
  changed({ except: typedIn });
}

function drawValue(name, weights = library.preset(selection.emotion, selection.level), except = null) {
  const entry = rows.get(name);
  const value = weights ? weights[names.indexOf(name)] : 0;
  const text = weights ? String(Number(value.toPrecision(6))) : '';
  entry.range.value = String(value);
  entry.range.disabled = !weights;
  entry.number.disabled = !weights;
  if (entry.number !== except && entry.number.value !== text) {
    entry.number.value = text;
    markInvalid(entry, null);
  }
}

function drawLinks() {
  for (const [name, entry] of rows) {
    if (!entry.link) continue;
    const on = links.has(name);
    entry.link.setAttribute('aria-pressed', String(on));
    entry.row.classList.toggle('linked', on);
    rows.get(mirrorOf(name))?.row.classList.toggle('linked', on);
  }
  $('link-all').checked = [...rows].filter(([, e]) => e.link).every(([name]) => links.has(name));
}

function drawEditor({ except = null } = {}) {
  const { emotion, level } = selection;
  const weights = library.preset(emotion, level);
  const info = taxonomy.emotions.find((e) => e.id === emotion);
  $('editor-title').textContent = `${info.display.en} L${level}`;
  const state = !weights ? 'missing' : sameWeights(weights, builtin.preset(emotion, level)) ? 'built-in' : 'edited';
  $('preset-state').textContent = state === 'built-in' ? 'as built in' : state;
  $('preset-state').dataset.state = state;
  $('missing').hidden = Boolean(weights);
  $('channels').classList.toggle('disabled', !weights);
  for (const name of names) drawValue(name, weights, except);
  for (const id of ['mirror', 'reset', 'remove']) $(id).disabled = !weights;
  $('reset').disabled = !weights || state === 'built-in';
  // The copy sources: every other preset in the library.
  const select = $('copy-source');
  const previous = select.value;
  select.replaceChildren();
  for (const e of taxonomy.emotions) {
    for (const l of LEVELS) {
      if ((e.id === emotion && l === level) || !library.preset(e.id, l)) continue;
      select.append(new Option(`${e.display.en} L${l}`, `${e.id}:${l}`));
    }
  }
  if ([...select.options].some((o) => o.value === previous)) select.value = previous;
  $('copy').disabled = select.options.length === 0;
  // The comparison: the built-in value of this preset, or any other preset.
  const compare = $('compare');
  compare.replaceChildren(new Option('nothing', 'none'), new Option(`built-in ${emotion} L${level}`, 'builtin'));
  for (const option of select.options) compare.append(new Option(option.text, option.value));
  if (![...compare.options].some((o) => o.value === compareTo)) compareTo = 'none';
  compare.value = compareTo;
  drawCompare(weights);
}

// ---------------------------------------------------------------- the comparison

function compareWeights() {
  if (compareTo === 'none') return null;
  if (compareTo === 'builtin') return builtin.preset(selection.emotion, selection.level) ?? null;
  const [emotion, level] = compareTo.split(':');
  return library.preset(emotion, Number(level)) ?? null;
}

/** Ghost ticks at the compared values on every slider, the second avatar, the pane labels. */
function drawCompare(weights = library.preset(selection.emotion, selection.level)) {
  const other = compareWeights();
  for (const [name, entry] of rows) {
    const i = names.indexOf(name);
    // A tick only where the compared value differs: equal rows stay uncluttered.
    const differs = Boolean(other) && Boolean(weights) && Math.abs(weights[i] - other[i]) > 1e-6;
    entry.ghost.hidden = !differs;
    entry.row.classList.toggle('differs', differs);
    if (!differs) continue;
    entry.ghost.style.setProperty('--at', String(other[i]));
    entry.ghost.title = `${$('compare').selectedOptions[0]?.text}: ${Number(other[i].toPrecision(6))}`;
  }
  const on = Boolean(other) && Boolean(compareStage || (StageClass && webgl));
  $('pane-b').hidden = !on;
  $('label-a').hidden = !on;
  $('stage').classList.toggle('split', on);
  if (!other) return;
  compareShown.set(other);
  compareDriver?.apply(compareShown);
  $('label-a').textContent = `${selection.emotion} L${selection.level}`;
  $('label-b').textContent = $('compare').selectedOptions[0]?.text ?? '';
}

async function setCompare(value) {
  compareTo = value;
  drawCompare();
  scheduleSave();
  if (compareTo === 'none' || compareStage || !StageClass || !webgl) return;
  compareStage = new StageClass($('avatar-b'), $('pane-b'), webgl);
  try {
    compareDriver = await compareStage.load(DEFAULT_AVATAR, (vrm) => new VrmFaceDriver(vrm));
    drawCompare();
  } catch (error) {
    showError(`The second avatar could not be loaded (${reason(error)}).`);
  }
}

// ---------------------------------------------------------------- the avatar

function compiled(level) {
  return compileExpression(library, { emotion: selection.emotion, level, mode: $('mode').value });
}

function drawShowing() {
  const { emotion, level } = selection;
  let weights = null;
  if (preview === 'preset') weights = library.preset(emotion, level);
  let text;
  if (weights) {
    text = `Showing the preset ${emotion} L${level}`;
  } else {
    try {
      weights = compiled(sweepLevel);
      const vad = levelVad(emotion, sweepLevel);
      text = `Compiled ${emotion} at ${sweepLevel.toFixed(2)} · VAD ${Array.from(vad, (x) => x.toFixed(2)).join(' ')}`;
    } catch (error) {
      weights = new Float32Array(52);
      text = `Cannot compile ${emotion}: ${reason(error)}`;
    }
  }
  shown.set(weights);
  driver?.apply(shown);
  $('showing').textContent = text;
  $('showing').dataset.preview = preview;
  $('intensity').value = String(sweepLevel);
  $('intensity-value').textContent = `L${sweepLevel.toFixed(2)}`;
}

/** After any change of the library, the selection or the preview. */
function changed({ except = null } = {}) {
  drawGrid();
  drawEditor({ except });
  drawShowing();
  updateHistoryButtons();
  scheduleSave();
  scenario?.libraryChanged();
}

function select(emotion, level) {
  commitEdit();
  selection = { emotion, level };
  preview = 'preset';
  sweepLevel = level;
  changed();
}

let sweepPlaying = false;
let sweepStart = 0;
function setSweep(level) {
  sweepLevel = Math.min(5, Math.max(1, level));
  preview = 'compiled';
  drawShowing();
}

// ---------------------------------------------------------------- render loop

let lastMs = 0;
let lastRenderMs = -1e9;
let renderInterval = 0;
let renderCost = 0; // ms spent drawing per drawn frame (moving average)
function tick(nowMs) {
  const dt = Math.min((nowMs - lastMs) / 1000, 0.1);
  lastMs = nowMs;
  if (sweepPlaying) {
    const phase = ((nowMs - sweepStart) / 4000) % 1; // L1 -> L5 -> L1 in 4 s
    setSweep(1 + 4 * (phase < 0.5 ? phase * 2 : 2 - phase * 2));
  }
  const due = nowMs - lastRenderMs >= renderInterval;
  const started = performance.now();
  if (stage && due) {
    driver?.apply(shown);
    stage.animate(nowMs / 1000, dt, shown[names.indexOf('jawOpen')] * 0.3);
    stage.render();
    if (compareStage && compareTo !== 'none') {
      compareDriver?.apply(compareShown);
      compareStage.animate(nowMs / 1000, dt, 0);
      compareStage.render();
    }
  }
  scenario?.tick(nowMs, dt, due);
  if (due) {
    lastRenderMs = nowMs;
    // A CPU rasteriser draws up to five avatars on this thread: keep drawing to at most about a
    // third of the time, so clicks, typing and the scenario's clock stay responsive.
    if (webgl?.software) {
      renderCost = 0.8 * renderCost + 0.2 * (performance.now() - started);
      renderInterval = Math.min(500, Math.max(1000 / 20, 2 * renderCost));
    }
  }
  requestAnimationFrame(tick);
}

// ---------------------------------------------------------------- import and export

async function importFile(file) {
  commitEdit();
  if (file.size > MAX_IMPORT_BYTES) {
    showError(`"${file.name}" was not imported: it is ${megabytes(file.size)}, and a preset library is at most ${megabytes(MAX_IMPORT_BYTES)} (the built-in one is 76 kB). Is it the right file? Your library is unchanged.`);
    return;
  }
  let text;
  try {
    text = await file.text();
  } catch (error) {
    showError(`"${file.name}" could not be read (${reason(error)}). Your library is unchanged.`);
    return;
  }
  let next;
  try {
    next = PresetLibrary.fromJson(text);
  } catch (error) {
    showError(`"${file.name}" was not imported: ${reason(error)}. Your library is unchanged.`);
    return;
  }
  clearError();
  const before = library.toJson();
  replaceLibrary(next);
  const after = library.toJson();
  if (after !== before) {
    undoStack.push({ before, after });
    redoStack = [];
  }
  changed();
  note(`Imported "${file.name}" (${library.size} presets)`);
}

function megabytes(bytes) {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}

function exportLibrary() {
  commitEdit();
  const blob = new Blob([library.toJson()], { type: 'application/json' });
  const url = URL.createObjectURL(blob);
  const a = Object.assign(document.createElement('a'), { href: url, download: 'presets.json' });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
  note('Exported presets.json');
}

// ---------------------------------------------------------------- wiring

function wire() {
  $('undo').addEventListener('click', undo);
  $('redo').addEventListener('click', redo);
  $('export').addEventListener('click', exportLibrary);
  $('import').addEventListener('change', (event) => {
    const file = event.target.files?.[0];
    event.target.value = '';
    if (file) importFile(file);
  });
  $('revert').addEventListener('click', () => {
    if (!confirm('Replace the whole library with the built-in presets? (Undo brings your edits back.)')) return;
    edit(() => replaceLibrary(PresetLibrary.builtin()));
    note('Reverted to the built-in library');
  });
  $('mirror').addEventListener('click', () => edit(() => {
    const weights = library.preset(selection.emotion, selection.level);
    for (const c of table.channels) {
      if (c.mirror && /Left$/.test(c.name)) weights[names.indexOf(c.mirror)] = weights[names.indexOf(c.name)];
    }
    library.setPreset(selection.emotion, selection.level, weights);
    preview = 'preset';
  }));
  $('reset').addEventListener('click', () => edit(() => {
    library.setPreset(selection.emotion, selection.level, builtin.preset(selection.emotion, selection.level));
    preview = 'preset';
  }));
  $('copy').addEventListener('click', () => {
    const [emotion, level] = $('copy-source').value.split(':');
    const weights = library.preset(emotion, Number(level));
    if (!weights) return;
    edit(() => library.setPreset(selection.emotion, selection.level, weights));
    preview = 'preset';
    drawShowing();
  });
  $('remove').addEventListener('click', () => edit(() => library.removePreset(selection.emotion, selection.level)));
  $('create').addEventListener('click', () => {
    try {
      edit(() => library.setPreset(selection.emotion, selection.level, compiled(selection.level)));
      preview = 'preset';
      drawShowing();
    } catch (error) {
      showError(`The preset could not be created: ${reason(error)}.`);
    }
  });
  $('link-all').addEventListener('change', (event) => {
    for (const [name, entry] of rows) {
      if (!entry.link) continue;
      if (event.target.checked) links.add(name); else links.delete(name);
    }
    drawLinks();
    scheduleSave();
  });
  $('compare').addEventListener('change', (event) => setCompare(event.target.value));
  for (const mode of compileModes()) $('mode').append(new Option(mode, mode));
  $('mode').addEventListener('change', () => { preview = 'compiled'; drawShowing(); scheduleSave(); });
  $('intensity').addEventListener('input', () => {
    sweepPlaying = false;
    $('play-sweep').setAttribute('aria-pressed', 'false');
    setSweep(Number($('intensity').value));
  });
  $('play-sweep').addEventListener('click', () => {
    sweepPlaying = !sweepPlaying;
    sweepStart = performance.now() - ((sweepLevel - 1) / 8) * 4000;
    $('play-sweep').setAttribute('aria-pressed', String(sweepPlaying));
    if (!sweepPlaying) scheduleSave();
  });
  window.addEventListener('pointerup', () => {
    if (pointerDown) { pointerDown = false; commitEdit(); }
  });
  window.addEventListener('pointercancel', () => { pointerDown = false; commitEdit(); });

  document.addEventListener('keydown', (event) => {
    if (!(event.ctrlKey || event.metaKey) || event.altKey) return;
    const key = event.key.toLowerCase();
    if (key === 'z' && !event.shiftKey) { event.preventDefault(); undo(); }
    else if ((key === 'z' && event.shiftKey) || key === 'y') { event.preventDefault(); redo(); }
  });

  // Drag and drop of a library file anywhere on the page.
  let depth = 0;
  const hasFiles = (event) => [...(event.dataTransfer?.types ?? [])].includes('Files');
  document.addEventListener('dragenter', (event) => { if (hasFiles(event)) { depth++; $('drop-hint').hidden = false; } });
  document.addEventListener('dragleave', () => { depth = Math.max(0, depth - 1); if (depth === 0) $('drop-hint').hidden = true; });
  document.addEventListener('dragover', (event) => { if (hasFiles(event)) event.preventDefault(); });
  document.addEventListener('drop', (event) => {
    event.preventDefault();
    depth = 0;
    $('drop-hint').hidden = true;
    const file = event.dataTransfer?.files?.[0];
    if (file) importFile(file);
  });
}

async function main() {
  await init();
  names = channelNames();
  table = channelTable();
  taxonomy = emotionTaxonomy();
  builtin = PresetLibrary.builtin();
  wire();
  library = restore();
  buildGrid();
  buildChannels();
  drawLinks();
  changed();
  save();

  const { Stage, webglSupport } = await import('../shared/stage.js');
  // The demo's stage, framed closer: the face fills the view (an editor looks at the face).
  // `zoom` > 1 frames tighter (the scenario panel's small panes show the face alone).
  class FaceStage extends Stage {
    frame() {
      const tan = Math.tan((this.camera.fov * Math.PI) / 360);
      const zoom = this.zoom ?? 1;
      const distance = Math.max(0.17 / (zoom * tan), 0.105 / (zoom * tan * this.camera.aspect));
      const { x, y, z } = this.focus;
      this.camera.position.set(x, y + 0.05, z + distance);
      this.camera.lookAt(x, y + 0.04, z);
      this.camera.updateProjectionMatrix();
    }
  }
  webgl = webglSupport();
  StageClass = FaceStage;
  scenario = new ScenarioPanel({
    names,
    libraryJson: () => library.toJson(),
    makeStage: (canvas, pane) => {
      if (!webgl) return null;
      const small = new FaceStage(canvas, pane, webgl);
      small.zoom = 1.2;
      small.frame();
      return small;
    },
    avatar: DEFAULT_AVATAR,
    showError,
    saveState: scheduleSave,
  });
  scenario.restoreState(scenarioState);
  scenario.start().catch((error) => showError(`Scenario playback could not start: ${reason(error)}.`));
  if (webgl) {
    stage = new FaceStage($('avatar'), $('pane-a'), webgl);
    renderInterval = webgl.software ? 1000 / 20 : 0;
    if (compareTo !== 'none') setCompare(compareTo); // restored from the autosave
    try {
      driver = await stage.load(DEFAULT_AVATAR, (vrm) => new VrmFaceDriver(vrm));
      $('stage-note').hidden = true;
      driver.apply(shown);
    } catch (error) {
      $('stage-note').textContent = 'No avatar';
      showError(`The avatar (${DEFAULT_AVATAR}) could not be loaded (${reason(error)}). The editor still works.`);
    }
  } else {
    $('stage-note').textContent = 'No WebGL 2: the avatar cannot be drawn';
  }
  requestAnimationFrame(tick);
  viewer.ready = true;
  document.body.dataset.ready = 'true';
}

main().catch((error) => showError(`The viewer could not start: ${reason(error)}. Reload the page; if it persists, run \`make demo\` again.`));
