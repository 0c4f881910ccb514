// animasync-face/microphone: the earlier name of animasync-face/audio (same module).
export { startMicrophone, MicrophoneError, startAudioSource, AudioSourceError } from './audio.js';
export type { MicrophoneErrorCode, MicrophoneOptions, Microphone, FramesEvent, AudioSourceOptions, AudioSource, AudioSourceErrorCode, AudioSourceKind } from './audio.js';
