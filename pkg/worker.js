// The inference worker: runs the WebAssembly engine off the main thread and off the audio
// thread. Messages in: {type: 'start', options} (options as for `new Engine`, the model bytes
// transferred), {type: 'connect', port} (audio from the capture worklet arrives on it),
// {type: 'emotion', request}, {type: 'reset'}. Messages out: {type: 'ready', latency, lipsync},
// {type: 'frames', frames (transferred), first, count, audioFrame, computeMs} where frame
// `first + k` starts at context frame `audioFrame + k * sampleRate / 30`, and {type: 'error', message}.
import init, { Engine } from './index.js';

let engine = null;
let sampleRate = 48000;
let streamStart = null; // context frame of the stream's first sample

const fail = (error) => postMessage({ type: 'error', message: error?.message ?? String(error) });

function onAudio({ samples, frame }) {
  if (!engine) return;
  if (streamStart === null) streamStart = frame;
  const start = performance.now();
  try {
    const ready = engine.push(samples);
    if (ready === 0) return;
    const first = engine.firstReadyFrame;
    const frames = engine.takeFrames();
    postMessage({
      type: 'frames', frames, first, count: ready,
      audioFrame: streamStart + Math.round(first * sampleRate / 30),
      computeMs: performance.now() - start,
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
        await init();
        engine?.free();
        sampleRate = message.options.sampleRate ?? 16000;
        engine = new Engine(message.options);
        streamStart = null;
        postMessage({ type: 'ready', latency: engine.latency, lipsync: engine.lipsync });
        break;
      case 'connect':
        message.port.onmessage = (e) => onAudio(e.data);
        break;
      case 'emotion':
        engine?.setEmotion(message.request);
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
    fail(error);
  }
};
