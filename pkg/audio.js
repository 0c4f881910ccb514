// animasync-face/audio (browsers only): live audio from any source -> AudioWorklet (capture,
// downmix, post) -> Web Worker (the wasm Engine) -> frames back here with their audio-context
// times. A source is an AudioNode of the page's graph, a MediaStream (a microphone, a WebRTC
// call's remote voice) or an HTMLMediaElement (<audio> or <video>: a recorded line, a TTS
// stream); the microphone is the MediaStream case with getUserMedia in front. The main thread
// only wires things and receives frames; it never runs inference.
//
// Timing. A frame's `time` is the context time at which its audio reaches the output: the time
// it entered the graph, plus the output delay when the played sound goes through one. The engine
// needs `latency` seconds of audio beyond a frame's 1/30 s span before it can emit it (look-ahead,
// analysis window, resampling, capture chunk), and the worker and two message hops add a little.
// Played undelayed, a frame therefore arrives about `latency + 1/30` s after its sound was heard:
// the face lags the voice. `delayOutput` puts a DelayNode of that much (OUTPUT_DELAY_MARGIN
// included) on the played path, so every frame is there before its sound is heard and the face
// shows exactly the sound being heard; that is what the `playback` latency is for (a better model
// with more look-ahead, paid for by a delay nobody notices on a recording or a TTS stream).

/** Seconds allowed for the worker's compute and the two message hops (worklet -> worker -> page). */
export const OUTPUT_DELAY_MARGIN = 0.015;
/** The longest output delay `delayOutput` accepts, seconds (the DelayNode's maximum). */
export const MAX_OUTPUT_DELAY = 1;

/** A failure a page can act on; `code` says which, `message` what to do. */
export class AudioSourceError extends Error {
  constructor(code, message, cause) {
    super(message, { cause });
    this.name = 'AudioSourceError';
    this.code = code;
  }
}

/** The microphone's failures (an AudioSourceError: `instanceof` either works). */
export class MicrophoneError extends AudioSourceError {
  constructor(code, message, cause) {
    super(code, message, cause);
    this.name = 'MicrophoneError';
  }
}

// createMediaElementSource works once per element, for the element's whole life: the node made
// the first time is kept here, so an element can be started again on the same context.
const elementNodes = new WeakMap();

const describe = (value) => {
  if (value === null) return 'null';
  const name = (typeof value === 'object' || typeof value === 'function') && value.constructor?.name;
  if (name) return `${/^[AEIOU]/.test(name) ? 'an' : 'a'} ${name}`;
  if (typeof value === 'object' || typeof value === 'function') return 'an object';
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
};

function kindOf(source) {
  if (typeof AudioNode !== 'undefined' && source instanceof AudioNode) return 'node';
  if (typeof MediaStream !== 'undefined' && source instanceof MediaStream) return 'stream';
  if (typeof HTMLMediaElement !== 'undefined' && source instanceof HTMLMediaElement) return 'element';
  return null;
}

const SOURCE_OPTIONS = ['engine', 'emotion', 'chunk', 'context', 'output', 'delayOutput', 'onFrames', 'onError'];
const MICROPHONE_OPTIONS = SOURCE_OPTIONS.filter((key) => key !== 'output' && key !== 'delayOutput');

/** Throws `error(code, message)` for options that are not what `caller` takes: an unknown key (a
 * typo would otherwise pass silently and, say, never deliver a frame) or a value out of range. */
function checkOptions(options, kind, caller = 'startAudioSource', error = (code, message) => new AudioSourceError(code, message)) {
  const invalid = (message) => error('invalid-option', `${caller}: ${message}`);
  if (options === null || typeof options !== 'object' || Array.isArray(options)) throw invalid(`options must be an object, got ${describe(options)}`);
  const known = caller === 'startMicrophone' ? MICROPHONE_OPTIONS : SOURCE_OPTIONS;
  const unknown = Object.keys(options).filter((key) => !known.includes(key));
  if (unknown.length) {
    const why = caller === 'startMicrophone' && unknown.some((key) => key === 'output' || key === 'delayOutput')
      ? ' (the microphone is never played back, so it has no output to delay)' : '';
    throw invalid(`unknown option ${unknown.map((key) => JSON.stringify(key)).join(', ')}${why}; the options are ${known.join(', ')}`);
  }
  const { chunk = 256, onFrames, onError, context, output, delayOutput = false } = options;
  if (!Number.isInteger(chunk) || chunk < 128 || chunk > 16384) throw invalid(`chunk must be an integer number of samples from 128 to 16384, got ${describe(chunk)}`);
  for (const [name, fn] of [['onFrames', onFrames], ['onError', onError]]) {
    if (fn !== undefined && typeof fn !== 'function') throw invalid(`${name} must be a function, got ${describe(fn)}`);
  }
  if (context !== undefined && !(typeof BaseAudioContext !== 'undefined' && context instanceof BaseAudioContext)) {
    throw invalid(`context must be an AudioContext, got ${describe(context)}`);
  }
  if (context?.state === 'closed') throw invalid('the AudioContext given as `context` is closed: create a new one');
  if (output !== undefined && output !== null && !(typeof AudioNode !== 'undefined' && output instanceof AudioNode)) {
    throw invalid(`output must be an AudioNode (e.g. context.destination) or null, got ${describe(output)}`);
  }
  if (delayOutput !== true && delayOutput !== false && !(typeof delayOutput === 'number' && delayOutput >= 0 && delayOutput <= MAX_OUTPUT_DELAY)) {
    throw invalid(`delayOutput must be true, false or a number of seconds from 0 to ${MAX_OUTPUT_DELAY}, got ${describe(delayOutput)}`);
  }
  const played = output !== undefined ? output !== null : kind === 'element';
  if (delayOutput !== false && !played) {
    throw invalid(kind === 'element'
      ? 'delayOutput needs an output to delay; output is null, so the element plays nowhere'
      : `delayOutput needs an output: a ${kind === 'node' ? 'node' : 'stream'} is not played by startAudioSource unless you pass output (e.g. context.destination); then do not also play it yourself`);
  }
}

/**
 * Starts lip sync from `source`: an AudioNode, a MediaStream or an HTMLMediaElement. Options
 * (all optional; types and defaults in audio.d.ts): `engine`, `emotion`, `chunk`, `context`,
 * `output`, `delayOutput`, `onFrames`, `onError`. Rejects with an AudioSourceError.
 */
export async function startAudioSource(source, options = {}) {
  const kind = kindOf(source);
  if (kind === null) {
    throw new AudioSourceError('invalid-source', `startAudioSource: the source must be an AudioNode, a MediaStream or an HTMLMediaElement (<audio>, <video>), got ${describe(source)}`);
  }
  checkOptions(options, kind);
  if (typeof AudioWorkletNode === 'undefined' || typeof Worker === 'undefined') {
    throw new AudioSourceError('unsupported', 'This browser lacks AudioWorklet or module Workers: use a current Chrome, Edge, Firefox or Safari (pages must be served over https or from localhost).');
  }
  if (kind === 'stream' && !source.getAudioTracks().some((track) => track.readyState === 'live')) {
    throw new AudioSourceError('invalid-source', 'startAudioSource: the MediaStream has no live audio track (a video-only stream, or its tracks were stopped): pass a stream with audio, e.g. a WebRTC call\'s remote stream once its track has arrived.');
  }
  let context = options.context;
  if (kind === 'node') {
    if (context !== undefined && context !== source.context) {
      throw new AudioSourceError('invalid-option', 'startAudioSource: the AudioNode belongs to another AudioContext than `context`; leave `context` out (the node\'s own is used)');
    }
    context = source.context;
    if (context.state === 'closed') throw new AudioSourceError('invalid-source', 'startAudioSource: the AudioNode\'s context is closed: create the node on a running AudioContext');
  }
  if (kind === 'element') {
    const bound = elementNodes.get(source);
    if (bound && context === undefined && bound.context.state !== 'closed') context = bound.context;
    if (bound && bound.context !== context) {
      throw new AudioSourceError('source-in-use', bound.context.state === 'closed'
        ? 'startAudioSource: this media element was connected to an AudioContext that is now closed (an earlier start made its own context, and stop() closed it); an element can be connected only once. Use a new element, or pass your own `context` so that it outlives stop().'
        : 'startAudioSource: this media element was connected to another AudioContext, which now has its sound (an element can be connected only once). Pass that context as `context`, or use a new element.');
    }
  }
  const owned = context === undefined; // a context made here is closed by stop()
  context ??= new AudioContext({ latencyHint: 'interactive' });
  const { engine = {}, emotion, chunk = 256, onFrames = () => {}, onError = (e) => console.error(e), delayOutput = false } = options;
  const output = options.output !== undefined ? options.output : kind === 'element' ? context.destination : null;
  if (output && output.context !== context) {
    if (owned) context.close().catch(() => {});
    throw new AudioSourceError('invalid-option', 'startAudioSource: `output` belongs to another AudioContext than the source; pass a node of the same context (e.g. context.destination)');
  }
  const closeContext = () => { if (owned) context.close().catch(() => {}); };

  let input;
  try {
    if (kind === 'node') input = source;
    else if (kind === 'stream') input = context.createMediaStreamSource(source);
    else {
      input = elementNodes.get(source);
      // Started before on this context: the node is ours alone; drop the routes of that start.
      if (input) input.disconnect();
      else {
        input = context.createMediaElementSource(source);
        elementNodes.set(source, input);
      }
    }
  } catch (error) {
    closeContext();
    if (error?.name === 'InvalidStateError') {
      throw new AudioSourceError('source-in-use', 'startAudioSource: this media element is already connected to an audio graph outside animasync-face (createMediaElementSource works once per element). Pass the MediaElementAudioSourceNode you made as the source instead.', error);
    }
    throw new AudioSourceError('invalid-source', `startAudioSource: the source could not be connected: ${error?.message ?? error}`, error);
  }

  if (context.state === 'suspended') await context.resume().catch(() => {});
  if (context.state === 'suspended') {
    closeContext();
    throw new AudioSourceError('suspended', 'The audio context is suspended: start from a click or key press (browsers keep audio off until the visitor interacts with the page).');
  }

  const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
  const nodes = []; // nodes made here (capture, mute, delay), disconnected by stop()
  let direct = false; // whether input -> output was connected here, undelayed
  // Undoes only what this call connected: the page's node keeps its other connections, and a
  // media element on the page's context keeps playing to its output, undelayed.
  const unwire = () => {
    for (const node of nodes) {
      try { input.disconnect(node); } catch { /* input was not connected to this node */ }
      node.disconnect();
    }
    if (direct && kind !== 'element') input.disconnect(output);
    if (kind === 'stream') input.disconnect();
    if (kind === 'element' && output && !owned && !direct) input.connect(output);
  };
  try {
    await context.audioWorklet.addModule(new URL('./worklet.js', import.meta.url));
    const transfer = engine.model ? [engine.model.buffer] : [];
    const ready = new Promise((resolve, reject) => {
      worker.onmessage = ({ data }) => (data.type === 'ready' ? resolve(data) : data.type === 'error' && reject(new AudioSourceError('engine', data.message)));
      worker.onerror = (event) => reject(new AudioSourceError('engine', `The inference worker failed: ${event.message}`));
    });
    worker.postMessage({ type: 'start', options: { ...engine, sampleRate: context.sampleRate } }, transfer);
    const info = await ready;
    if (emotion) worker.postMessage({ type: 'emotion', request: emotion });

    const capture = new AudioWorkletNode(context, 'animasync-capture', { processorOptions: { chunk } });
    nodes.push(capture);
    const channel = new MessageChannel();
    capture.port.postMessage({ type: 'connect', port: channel.port1 }, [channel.port1]);
    worker.postMessage({ type: 'connect', port: channel.port2 }, [channel.port2]);
    // A silent path to the destination keeps the capture node pulled by the audio graph.
    const mute = context.createGain();
    mute.gain.value = 0;
    nodes.push(mute);
    input.connect(capture).connect(mute).connect(context.destination);

    const frameDelay = (latency) => latency + 1 / 30 + OUTPUT_DELAY_MARGIN;
    let delay = null;
    if (output) {
      if (delayOutput !== false) {
        delay = context.createDelay(MAX_OUTPUT_DELAY);
        delay.delayTime.value = delayOutput === true ? Math.min(MAX_OUTPUT_DELAY, frameDelay(info.latency + chunk / context.sampleRate)) : delayOutput;
        nodes.push(delay);
        input.connect(delay).connect(output);
      } else {
        input.connect(output);
        direct = true;
      }
    }

    // Restarts in flight, oldest first: each settles on the worker's next 'ready' or 'error'.
    const restarts = [];
    worker.onmessage = ({ data }) => {
      if (data.type === 'frames') {
        onFrames({ frames: data.frames, first: data.first, count: data.count, time: data.audioFrame / context.sampleRate + handle.outputDelay, computeMs: data.computeMs, level: data.level });
      } else if (data.type === 'ready') {
        handle.latency = data.latency + chunk / context.sampleRate;
        handle.lipsync = data.lipsync;
        if (delay && delayOutput === true) delay.delayTime.value = Math.min(MAX_OUTPUT_DELAY, frameDelay(handle.latency));
        restarts.shift()?.resolve();
      } else if (data.type === 'error') {
        const error = new AudioSourceError('engine', data.message);
        if (data.during === 'restart' && restarts.length) restarts.shift().reject(error);
        else onError(error);
      }
    };
    let stopped = false;
    const handle = {
      context,
      kind,
      latency: info.latency + chunk / context.sampleRate,
      lipsync: info.lipsync,
      /** Seconds the played sound is delayed by (0 without `delayOutput` or without output). */
      get outputDelay() { return delay ? delay.delayTime.value : 0; },
      /** How far behind `context.currentTime` to show frames: see audio.d.ts. */
      get displayDelay() {
        const heard = (context.baseLatency || 0) + (context.outputLatency || 0);
        return Math.max(heard, frameDelay(handle.latency) - handle.outputDelay);
      },
      setEmotion(request) { worker.postMessage({ type: 'emotion', request }); },
      reset() { worker.postMessage({ type: 'reset' }); },
      restart(engineOptions = {}) {
        const { sampleRate: _ignored, ...rest } = engineOptions;
        const moved = rest.model ? [rest.model.buffer] : [];
        return new Promise((resolve, reject) => {
          if (stopped) {
            reject(new AudioSourceError('engine', 'The audio source was stopped.'));
            return;
          }
          restarts.push({ resolve, reject });
          worker.postMessage({ type: 'restart', options: rest }, moved);
        });
      },
      stop() {
        if (stopped) return;
        stopped = true;
        capture.port.postMessage({ type: 'stop' });
        unwire();
        worker.postMessage({ type: 'stop' });
        worker.terminate();
        closeContext();
        for (const pending of restarts.splice(0)) pending.reject(new AudioSourceError('engine', 'The audio source was stopped.'));
      },
    };
    return handle;
  } catch (error) {
    worker.terminate();
    unwire();
    closeContext();
    throw error instanceof AudioSourceError ? error : new AudioSourceError('engine', error.message, error);
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
 * Starts the microphone and the engine: `startAudioSource` on the microphone's stream (not
 * played back), with the microphone's errors. Call it from a user gesture (a click), or the
 * browser keeps the audio context suspended. Options as for startAudioSource, less `output` and
 * `delayOutput`; `engine.latency` is the Engine's default, "live", unless set. `stop()` also
 * releases the microphone.
 */
export async function startMicrophone(options = {}) {
  // Checked before the browser asks for the microphone: a bad option must not cost a permission prompt.
  checkOptions(options, 'stream', 'startMicrophone', (code, message) => new MicrophoneError(code, message));
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
  const release = () => stream.getTracks().forEach((t) => t.stop());
  let started;
  try {
    started = await startAudioSource(stream, { ...options, output: null, delayOutput: false });
  } catch (error) {
    release();
    throw new MicrophoneError(error.code ?? 'engine', error.message, error.cause ?? error);
  }
  const stop = started.stop;
  started.stop = () => {
    stop();
    release();
  };
  return started;
}
