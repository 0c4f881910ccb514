// Type-checked by `tsc` against the installed package's .d.ts files: the types a TypeScript
// user gets must describe the real API (this file is compiled, not run).
import init, { compileExpression, PresetLibrary, emotionTaxonomy, channelTable, OnnxModel, renderScenario, Engine, classifyEmotion, loadEmotionModel, TextClassifier, loadOnnx, modelNeedsOnnx, lexiconEvidence } from 'animasync-face';
import { startMicrophone, MicrophoneError } from 'animasync-face/microphone';
import { AnimasyncCompat } from 'animasync-face/compat';
import type { ProcessResult } from 'animasync-face/compat';
import { VrmFaceDriver, presetWeights, perfectSyncCoverage, PERFECT_SYNC_MIN_COVERAGE } from 'animasync-face/vrm';
import type { VrmLike, VrmDriveMode, VrmPresetName, VrmFaceDriverOptions } from 'animasync-face/vrm';
import type { Microphone, FramesEvent } from 'animasync-face/microphone';
import { startAudioSource, AudioSourceError } from 'animasync-face/audio';
import type { AudioSource, AudioSourceOptions, AudioSourceErrorCode } from 'animasync-face/audio';
import type { GltfLike, SceneLike } from 'animasync-face/vrm';
import type { CompileRequest, CompileModeName, EmotionInfo, RenderScenarioOptions, RenderedScenario, EngineOptions, ClipResult, ClipOptions, LatencyName, EmotionGuess } from 'animasync-face';

export async function typed(bytes: Uint8Array): Promise<number> {
  await init();
  const library: PresetLibrary = PresetLibrary.builtin();
  const mode: CompileModeName = 'overlay-e';
  const request: CompileRequest = { emotion: 'joy', vad: [0.5, 0.2, 0.1], mode };
  const weights: Float32Array = compileExpression(library, request);
  const joy: EmotionInfo | undefined = emotionTaxonomy().emotions.find((e) => e.id === 'joy');
  const group: string = channelTable().channels[0].group;
  const needsOnnx: boolean = modelNeedsOnnx(bytes);
  await loadOnnx(undefined, { onProgress: ({ loaded, total }) => console.log(loaded, total ?? 0) });
  const model = new OnnxModel(bytes);
  const shapes: number[][] = model.inputShapes;
  const evidence: Float32Array = lexiconEvidence('hello', 'before');
  model.free();
  const options: RenderScenarioOptions = { smoothing: 'middle', seed: 1, audio: [{ samples: new Float32Array(16000), sampleRate: 16000 }] };
  const rendered: RenderedScenario = renderScenario(library, '{"id":"x","regime":"monologue","turns":[]}', options);
  const firstTurnEnd: number = rendered.turns[0].endFrame;
  const jaw: number = rendered.blendshapes[24];
  // @ts-expect-error: smoothing names are checked
  renderScenario(library, '{}', { smoothing: 'smooth' });
  const engineOptions: EngineOptions = { sampleRate: 48000, smoothing: { gamma: 0.3, beta: 0.7, sigmaFrames: 0, fadeFrames: 96 } };
  const engine = new Engine(engineOptions);
  engine.setEmotion({ emotion: 'anger', vad: [-0.5, 0.6, 0.4] });
  const ready: number = engine.push(new Float32Array(480));
  const frames: Float32Array = engine.takeFrames();
  const clip: ClipResult = engine.processClip(new Float32Array(48000), 48000);
  const latency: number = engine.latency;
  engine.free();
  const choice: LatencyName = 'playback';
  const live = new Engine({ sampleRate: 48000, latency: 'live' });
  const clipOptions: ClipOptions = { latency: choice };
  const played: ClipResult = live.processClip(new Float32Array(4800), 48000, clipOptions);
  const clipLatency: number = played.latency + played.lipsync.length;
  live.free();
  // @ts-expect-error: latency names are checked
  new Engine({ latency: 'fast' });
  const offline: RenderedScenario = renderScenario(library, '{}', { latency: 'live' });
  const renderLatency: number = offline.latency;
  library.free();
  // @ts-expect-error: vad must be a 3-tuple
  compileExpression(library, { emotion: 'joy', vad: [1, 2] });
  await loadEmotionModel();
  const guess: EmotionGuess = await classifyEmotion('so happy!', { previous: 'hello' });
  const rules: EmotionGuess = await classifyEmotion('so happy!', { method: 'lexicon' });
  const valence: number = guess.vad[0] + guess.scores['joy'] + guess.level + guess.confidence + rules.level;
  // @ts-expect-error: options are checked
  classifyEmotion('x', { previus: 'y' });
  // @ts-expect-error: the method is 'model' or 'lexicon'
  classifyEmotion('x', { method: 'rules' });
  // @ts-expect-error: the answer is a promise
  const notAwaited: EmotionGuess = classifyEmotion('x');
  const classifier = new TextClassifier(bytes, '{}', '[PAD]');
  const trained: EmotionGuess = classifier.classify('so happy!', { previous: 'hello' });
  const labels: string[] = classifier.labels;
  const pieces: string[] = classifier.tokenize('hello');
  classifier.free();
  return trained.confidence + labels.length + pieces.length + valence + weights[0] + (joy ? joy.vad.length : 0) + group.length + shapes.length + firstTurnEnd + jaw + ready + frames.length + clip.frameCount + latency + clipLatency + renderLatency;
}

export async function live(): Promise<Microphone | string> {
  try {
    const mic = await startMicrophone({ emotion: { emotion: 'joy', level: 2 }, onFrames: (e: FramesEvent) => void (e.frames[e.count * 52 - 1] + e.level) });
    await mic.restart({ smoothing: 'middle' });
    return mic;
  } catch (error) {
    return error instanceof MicrophoneError ? error.code : 'other';
  }
}

export async function migrate(pcm: Float32Array): Promise<number> {
  const lipsync = new AnimasyncCompat();
  await lipsync.init({ onProgress: ({ progress }) => void progress });
  const result: ProcessResult = lipsync.processAudio(pcm);
  const chunk: ProcessResult | null = lipsync.processAudioChunk(pcm, true);
  lipsync.dispose();
  return lipsync.getFrame(result, 0)[24] + (chunk ? chunk.frame_count : 0);
}

// A three-vrm VRM is a VrmLike (its own types do not resolve under NodeNext, so the shape is
// stated here); frames from the microphone go straight in.
export function avatar(vrm: VrmLike & { update(delta: number): void }, mic: Microphone, event: FramesEvent): VrmDriveMode {
  const options: VrmFaceDriverOptions = { mode: 'auto', capacity: 60 };
  const driver = new VrmFaceDriver(vrm, options);
  driver.push(event.frames, event.count, event.time);
  const applied: Float32Array = driver.update(mic.context.currentTime - mic.latency);
  vrm.update(1 / 60);
  driver.apply(applied);
  const preset: VrmPresetName = 'aa';
  const aa: number = presetWeights(applied)[preset];
  const enough: boolean = perfectSyncCoverage(vrm) >= PERFECT_SYNC_MIN_COVERAGE && driver.coverage > 0 && aa >= 0;
  // @ts-expect-error: modes are checked
  new VrmFaceDriver(vrm, { mode: 'arkit' });
  // @ts-expect-error: an object that is neither a VRM, a glTF nor a three.js object
  new VrmFaceDriver({ children: [] });
  driver.reset();
  driver.dispose();
  return enough ? driver.mode : 'presets';
}

// Any voice: an <audio> element played with the face in sync, a node of the page's graph, a
// call's remote stream; and a plain glTF avatar (three.js alone) driven by the same driver.
export async function voices(element: HTMLAudioElement, node: AudioNode, stream: MediaStream, gltf: GltfLike, scene: SceneLike): Promise<AudioSourceErrorCode | number> {
  const driver = new VrmFaceDriver(gltf, { mode: 'perfect-sync' });
  const options: AudioSourceOptions = {
    engine: { latency: 'playback' },
    delayOutput: true,
    onFrames: ({ frames, count, time }) => driver.push(frames, count, time),
  };
  try {
    const voice: AudioSource = await startAudioSource(element, options);
    const shown: Float32Array = driver.update(voice.context.currentTime - voice.displayDelay);
    const fromNode = await startAudioSource(node, { output: node.context.destination, delayOutput: 0.2 });
    const fromCall = await startAudioSource(stream, { context: voice.context });
    // @ts-expect-error: delayOutput is a boolean or seconds
    await startAudioSource(element, { delayOutput: 'auto' });
    // @ts-expect-error: sources are nodes, streams or media elements
    await startAudioSource('voice.mp3');
    const kinds = [voice.kind, fromNode.kind, fromCall.kind].length;
    voice.stop();
    return shown[24] + voice.outputDelay + kinds + perfectSyncCoverage(scene);
  } catch (error) {
    return error instanceof AudioSourceError ? error.code : 'engine';
  }
}
