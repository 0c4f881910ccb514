// The inference worker: runs the WebAssembly engine off the main thread and off the audio
// thread. Messages in: {type: 'start', options} (options as for `new Engine`, the model bytes
// transferred), {type: 'connect', port} (audio from the capture worklet arrives on it),
// {type: 'emotion', request}, {type: 'reset'}, {type: 'restart', options} (a new engine with these
// options over the start options, the current emotion kept; the stream starts anew at the next
// audio chunk). Messages out: {type: 'ready', latency, lipsync} (after start and restart),
// {type: 'frames', frames (transferred), first, count, audioFrame, computeMs, level} where frame
// `first + k` starts at context frame `audioFrame + k * sampleRate / 30` (`frameRate()`), `computeMs` is the time
// spent in the engine on the audio pushed since the previous batch and `level` its RMS level
// (dBFS), and {type: 'error', message, during} (`during`: the type of the message that failed).
import init, { Engine, frameRate, loadOnnx, modelNeedsOnnx } from './index.js';

let engine = null;
let sampleRate = 48000;
let streamStart = null; // context frame of the stream's first sample
let options = null; // the engine's options (kept for restart; the model bytes stay valid)
let emotion = null; // the latest emotion request (re-applied by restart)
let energy = 0; // sum of squares and count of the samples pushed since the last batch
let energyCount = 0;
let busy = 0; // ms spent in the engine since the last batch (every chunk pushed, not only the last)

const fail = (error, during) => postMessage({ type: 'error', message: error?.message ?? String(error), during });

function onAudio({ samples, frame }) {
  if (!engine) return;
  if (streamStart === null) streamStart = frame;
  const start = performance.now();
  for (let i = 0; i < samples.length; i++) energy += samples[i] * samples[i];
  energyCount += samples.length;
  try {
    const ready = engine.push(samples);
    if (ready === 0) {
      busy += performance.now() - start;
      return;
    }
    const first = engine.firstReadyFrame;
    const frames = engine.takeFrames();
    const level = 10 * Math.log10(energy / Math.max(energyCount, 1) + 1e-12);
    const computeMs = busy + performance.now() - start;
    energy = 0;
    energyCount = 0;
    busy = 0;
    postMessage({
      type: 'frames', frames, first, count: ready,
      audioFrame: streamStart + Math.round(first * sampleRate / frameRate()),
      computeMs,
      level,
    }, [frames.buffer]);
  } catch (error) {
    fail(error); // a bad chunk is dropped whole; the stream goes on
  }
}

onmessage = async (event) => {
  const message = event.data;
  try {
    switch (message.type) {
      case 'start':
      case 'restart': {
        await init();
        const next = message.type === 'start' ? message.options : { ...options, ...message.options };
        // A page's own ONNX model runs in the ONNX module, fetched the first time one comes.
        if (next.model instanceof Uint8Array && modelNeedsOnnx(next.model)) await loadOnnx();
        const created = new Engine(next); // a rejected option leaves the running engine as it was
        if (emotion) created.setEmotion(emotion);
        engine?.free();
        engine = created;
        options = next;
        sampleRate = options.sampleRate ?? 16000;
        streamStart = null;
        energy = 0;
        energyCount = 0;
        busy = 0;
        postMessage({ type: 'ready', latency: engine.latency, lipsync: engine.lipsync });
        break;
      }
      case 'connect':
        message.port.onmessage = (e) => onAudio(e.data);
        break;
      case 'emotion':
        engine?.setEmotion(message.request);
        emotion = message.request;
        break;
      case 'reset':
        engine?.reset();
        streamStart = null;
        break;
      case 'stop':
        engine?.free();
        engine = null;
        break;
      default:
        fail(new Error(`unknown message type ${message.type}`));
    }
  } catch (error) {
    fail(error, message.type);
  }
};
