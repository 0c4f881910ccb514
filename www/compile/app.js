// The expression compiler page: pick an emotion, a level and a compile mode; the Rust core (WebAssembly)
// compiles the 52 weights and the page draws them as labelled bars. State lives in the URL hash
// (#emotion=joy&level=3&mode=expressive) so any view can be linked.
import {
  init, channelTable, emotionTaxonomy, compileModes, compileExpression, levelVad, PresetLibrary,
} from 'animasync-face';

import { errorBox } from '../shared/page.js';
import { weightsPanel } from '../shared/panel.js';

const $ = (id) => document.getElementById(id);

const { show: showError } = errorBox();

function fillEmotions(taxonomy) {
  const select = $('emotion');
  const base = taxonomy.emotions.filter((e) => e.family === e.id);
  for (const family of base) {
    const group = document.createElement('optgroup');
    group.label = family.display.en;
    for (const e of taxonomy.emotions.filter((x) => x.family === family.id)) {
      group.append(new Option(`${e.display.en} · ${e.display.ko}`, e.id));
    }
    select.append(group);
  }
}

function readHash() {
  const params = new URLSearchParams(location.hash.slice(1));
  return { emotion: params.get('emotion'), level: params.get('level'), mode: params.get('mode') };
}

async function main() {
  const started = performance.now();
  await init();
  const loadMs = performance.now() - started;

  const table = channelTable();
  const taxonomy = emotionTaxonomy();
  const library = PresetLibrary.builtin(); // lives as long as the page: never freed
  const draw = weightsPanel($('weights'), table);
  fillEmotions(taxonomy);
  for (const mode of compileModes()) $('mode').append(new Option(mode, mode));

  const wanted = readHash();
  if (wanted.emotion && taxonomy.emotions.some((e) => e.id === wanted.emotion)) $('emotion').value = wanted.emotion;
  if (wanted.level && Number.isFinite(Number(wanted.level))) $('level').value = wanted.level;
  if (wanted.mode && compileModes().includes(wanted.mode)) $('mode').value = wanted.mode;

  const update = () => {
    const emotion = $('emotion').value;
    const level = Number($('level').value);
    const mode = $('mode').value;
    $('level-value').textContent = level.toFixed(1);
    const info = taxonomy.emotions.find((e) => e.id === emotion);
    $('description').textContent = info.description;
    try {
      $('vad').textContent = Array.from(levelVad(emotion, level), (x) => x.toFixed(2)).join(', ');
      const t0 = performance.now();
      const weights = compileExpression(library, { emotion, level, mode });
      const compileUs = (performance.now() - t0) * 1000;
      draw(weights);
      $('status').textContent = `wasm loaded in ${loadMs.toFixed(0)} ms · compile ${compileUs.toFixed(0)} µs`;
      $('error').hidden = true;
    } catch (error) {
      showError(error.message);
    }
    history.replaceState(null, '', `#emotion=${emotion}&level=${level}&mode=${mode}`);
  };
  for (const id of ['emotion', 'level', 'mode']) $(id).addEventListener('input', update);
  update();
  document.body.dataset.ready = 'true';
}

main().catch((error) => {
  showError(`Could not start: ${error.message}`);
  $('status').textContent = 'failed';
});
