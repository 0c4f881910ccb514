// Main-thread microphone API (browsers only): microphone -> AudioWorklet (capture, downmix,
// post) -> Web Worker (the wasm Engine) -> frames back here with their audio timestamps. The
// main thread only wires things and receives frames; it never runs inference.

/** A failure a visitor can act on; `code` says which. */
export class MicrophoneError extends Error {
  constructor(code, message, cause) {
    super(message, { cause });
    this.name = 'MicrophoneError';
    this.code = code;
  }
}

function mediaError(error) {
  switch (error?.name) {
    case 'NotAllowedError':
    case 'SecurityError':
      return new MicrophoneError('permission-denied', 'Microphone permission was denied. Allow the microphone for this page (the icon in the address bar) and press Start again.', error);
    case 'NotFoundError':
    case 'OverconstrainedError':
      return new MicrophoneError('no-device', 'No microphone was found. Connect one and press Start again.', error);
    case 'NotReadableError':
    case 'AbortError':
      return new MicrophoneError('device-busy', 'The microphone could not be opened; another application may be using it. Close it and press Start again.', error);
    default:
      return new MicrophoneError('unsupported', `The microphone could not be started: ${error?.message ?? error}`, error);
  }
}

/**
 * Starts the microphone and the engine. Call it from a user gesture (a click), or the browser
 * keeps the audio context suspended. Options: `engine` (as for `new Engine`, minus `sampleRate`,
 * which is the audio context's; `engine.model` is transferred to the worker; `engine.latency`
 * is the Engine's default, "live", unless set), `emotion` (the
 * first turn), `chunk` (samples per worklet post, default 256), `onFrames({frames, first,
 * count, time, computeMs, level})` where frame `first + k` starts at audio-context time
 * `time + k / 30` and `level` is the RMS level (dBFS) of the audio behind the batch, and
 * `onError(error)` for errors after start-up. `restart(engineOptions)` swaps the engine for one
 * with these options over the start options (the emotion is kept).
 */
export async function startMicrophone(options = {}) {
  const { engine = {}, emotion, chunk = 256, onFrames = () => {}, onError = (e) => console.error(e) } = options;
  if (!globalThis.navigator?.mediaDevices?.getUserMedia) {
    throw new MicrophoneError('unsupported', 'This browser cannot capture the microphone here (no getUserMedia): use a current browser, over https or on localhost.');
  }
  if (typeof AudioWorkletNode === 'undefined' || typeof Worker === 'undefined') {
    throw new MicrophoneError('unsupported', 'This browser lacks AudioWorklet or module Workers: use a current Chrome, Edge, Firefox or Safari.');
  }
  let stream;
  try {
    stream = await navigator.mediaDevices.getUserMedia({ audio: { channelCount: 1, echoCancellation: false, noiseSuppression: false, autoGainControl: true } });
  } catch (error) {
    throw mediaError(error);
  }
  const context = new AudioContext({ latencyHint: 'interactive' });
  const closeAll = () => { stream.getTracks().forEach((t) => t.stop()); context.close().catch(() => {}); };
  if (context.state === 'suspended') await context.resume().catch(() => {});
  if (context.state === 'suspended') {
    closeAll();
    throw new MicrophoneError('suspended', 'The audio context is suspended: start the microphone from a click or key press.');
  }
  const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
  try {
    await context.audioWorklet.addModule(new URL('./worklet.js', import.meta.url));
    const transfer = engine.model ? [engine.model.buffer] : [];
    const ready = new Promise((resolve, reject) => {
      worker.onmessage = ({ data }) => (data.type === 'ready' ? resolve(data) : data.type === 'error' && reject(new MicrophoneError('engine', data.message)));
      worker.onerror = (event) => reject(new MicrophoneError('engine', `The inference worker failed: ${event.message}`));
    });
    worker.postMessage({ type: 'start', options: { ...engine, sampleRate: context.sampleRate } }, transfer);
    const info = await ready;
    if (emotion) worker.postMessage({ type: 'emotion', request: emotion });

    const source = context.createMediaStreamSource(stream);
    const node = new AudioWorkletNode(context, 'animasync-capture', { processorOptions: { chunk } });
    const channel = new MessageChannel();
    node.port.postMessage({ type: 'connect', port: channel.port1 }, [channel.port1]);
    worker.postMessage({ type: 'connect', port: channel.port2 }, [channel.port2]);
    // A silent path to the destination keeps the capture node pulled by the audio graph.
    const mute = context.createGain();
    mute.gain.value = 0;
    source.connect(node).connect(mute).connect(context.destination);

    // Restarts in flight, oldest first: each settles on the worker's next 'ready' or 'error'.
    const restarts = [];
    worker.onmessage = ({ data }) => {
      if (data.type === 'frames') {
        onFrames({ frames: data.frames, first: data.first, count: data.count, time: data.audioFrame / context.sampleRate, computeMs: data.computeMs, level: data.level });
      } else if (data.type === 'ready') {
        microphone.latency = data.latency + chunk / context.sampleRate;
        microphone.lipsync = data.lipsync;
        restarts.shift()?.resolve();
      } else if (data.type === 'error') {
        const error = new MicrophoneError('engine', data.message);
        if (data.during === 'restart' && restarts.length) restarts.shift().reject(error);
        else onError(error);
      }
    };
    const microphone = {
      context,
      /** Audio a frame waits for beyond its own span (look-ahead, analysis window, resampling), s. */
      latency: info.latency + chunk / context.sampleRate,
      lipsync: info.lipsync,
      setEmotion(request) { worker.postMessage({ type: 'emotion', request }); },
      reset() { worker.postMessage({ type: 'reset' }); },
      restart(engineOptions = {}) {
        const { sampleRate: _ignored, ...rest } = engineOptions;
        const transfer = rest.model ? [rest.model.buffer] : [];
        return new Promise((resolve, reject) => {
          restarts.push({ resolve, reject });
          worker.postMessage({ type: 'restart', options: rest }, transfer);
        });
      },
      stop() {
        node.port.postMessage({ type: 'stop' });
        source.disconnect();
        worker.postMessage({ type: 'stop' });
        worker.terminate();
        closeAll();
        for (const pending of restarts.splice(0)) pending.reject(new MicrophoneError('engine', 'The microphone was stopped.'));
      },
    };
    return microphone;
  } catch (error) {
    worker.terminate();
    closeAll();
    throw error instanceof MicrophoneError ? error : new MicrophoneError('engine', error.message, error);
  }
}
