// Renders scenarios for the viewer off the main thread, so sliders stay smooth while an edit
// re-renders the playing scenario (a render runs the lip-sync model over every turn's audio:
// about 0.1 s per smoothing set on a laptop core).
//
// In:  {id, library (JSON text), scenario (JSON text), audio: [{samples, sampleRate} | null],
//       sets: ["current" | "middle" | "none", ...], causal}
// Out: {id, results: [{set, frameCount, turns, blendshapes, vad, speech, lipsync}], ms}
//      or {id, error} (the message of the first set that failed).
// The worker keeps nothing between messages: every request carries all it needs.
//
// Workers have no import map, so the page resolves the package's name ('animasync-face') through
// its own and passes the URL as the `package` query parameter of this script.
const ready = import(new URL(self.location.href).searchParams.get('package')).then(async (pkg) => {
  await pkg.init();
  return pkg;
});

self.onmessage = async ({ data }) => {
  const { id } = data;
  let library = null;
  try {
    const { PresetLibrary, renderScenario } = await ready;
    const started = performance.now();
    library = PresetLibrary.fromJson(data.library);
    const results = data.sets.map((set) => {
      const r = renderScenario(library, data.scenario, { audio: data.audio, smoothing: set, causal: data.causal });
      return {
        set, frameCount: r.frameCount, turns: r.turns, lipsync: r.lipsync, regime: r.regime,
        blendshapes: r.blendshapes, vad: r.vad, speech: r.speech,
      };
    });
    const transfer = results.flatMap((r) => [r.blendshapes.buffer, r.vad.buffer, r.speech.buffer]);
    self.postMessage({ id, results, ms: performance.now() - started }, transfer);
  } catch (error) {
    self.postMessage({ id, error: String(error?.message ?? error) });
  } finally {
    library?.free();
  }
};
