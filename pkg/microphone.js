// animasync-face/microphone: the earlier name of animasync-face/audio, kept so that existing
// imports work. The microphone is one audio source among several (pkg/audio.js).
export { startMicrophone, MicrophoneError, startAudioSource, AudioSourceError } from './audio.js';
