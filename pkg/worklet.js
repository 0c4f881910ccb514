// AudioWorklet processor "animasync-capture": the audio thread's only job. It downmixes the
// input to mono, gathers `chunk` samples (default 256: 5.3 ms at 48 kHz) and posts them, with
// the context frame index of their first sample, as a transferable buffer to the port it was
// given (the inference worker's). No inference, no allocation beyond the buffers it transfers.
// An input with no channels (a paused media element, a disconnected node: the graph then gives
// the node an empty input) counts as silence, so the posted samples stay contiguous with the
// context's frames: the worker times every frame from the first sample's frame and a count.
class AnimasyncCapture extends AudioWorkletProcessor {
  constructor(options) {
    super();
    this.chunk = options.processorOptions?.chunk ?? 256;
    this.buffer = new Float32Array(this.chunk);
    this.filled = 0;
    this.firstFrame = 0;
    this.target = null;
    this.port.onmessage = (event) => {
      if (event.data?.type === 'connect') this.target = event.data.port;
      if (event.data?.type === 'stop') this.target = null;
    };
  }

  process(inputs, outputs) {
    if (!this.target) return true;
    const input = inputs[0] ?? [];
    const length = input.length > 0 ? input[0].length : outputs[0]?.[0]?.length ?? 128;
    for (let i = 0; i < length; i++) {
      if (this.filled === 0) this.firstFrame = currentFrame + i;
      let sum = 0;
      for (let c = 0; c < input.length; c++) sum += input[c][i];
      this.buffer[this.filled++] = input.length > 0 ? sum / input.length : 0;
      if (this.filled === this.chunk) {
        this.target.postMessage({ type: 'audio', samples: this.buffer, frame: this.firstFrame }, [this.buffer.buffer]);
        this.buffer = new Float32Array(this.chunk);
        this.filled = 0;
      }
    }
    return true;
  }
}

registerProcessor('animasync-capture', AnimasyncCapture);
