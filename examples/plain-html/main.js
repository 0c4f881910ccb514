// A recorded voice played by an <audio> element drives a plain glTF avatar (ARKit-named morph
// targets, three.js alone): startAudioSource runs the lip sync in a worker, delays the element's
// sound by the model's look-ahead, and the face shows the frame of the sound being heard.
import { startAudioSource } from 'animasync-face/audio';
import { VrmFaceDriver } from 'animasync-face/vrm';
import * as THREE from 'three';
import { GLTFLoader } from 'three/addons/loaders/GLTFLoader.js';

const $ = (id) => document.getElementById(id);
const example = { frames: 0, maxJaw: 0, shownJaw: [], source: null }; // read by the test
window.example = example;

const renderer = new THREE.WebGLRenderer({ canvas: $('view'), antialias: true });
const scene = new THREE.Scene();
scene.background = new THREE.Color(0xeceff6);
scene.add(new THREE.HemisphereLight(0xffffff, 0x666666, 2.5));
const camera = new THREE.PerspectiveCamera(20, 1, 0.05, 10);
camera.position.set(0, 1.52, 0.75);
camera.lookAt(0, 1.5, 0);

const gltf = await new GLTFLoader().loadAsync('avatar.glb');
scene.add(gltf.scene);
const driver = new VrmFaceDriver(gltf, { mode: 'perfect-sync' }); // the morph targets are the face
$('status').textContent = `avatar: ${driver.coverage} of 52 ARKit channels`;

let voice = null;
$('play').addEventListener('click', async () => {
  try {
    voice ??= await startAudioSource($('voice'), {
      engine: { latency: 'playback' }, // more look-ahead, better lips: the sound is delayed anyway
      delayOutput: true,
      emotion: { emotion: 'joy', level: 2 },
      onFrames: ({ frames, count, time }) => {
        driver.push(frames, count, time);
        example.frames += count;
        for (let k = 0; k < count; k++) example.maxJaw = Math.max(example.maxJaw, frames[k * 52 + 24]);
      },
    });
    example.source = voice;
    $('voice').currentTime = 0;
    await $('voice').play();
    $('status').textContent = `playing, sound delayed ${Math.round(voice.outputDelay * 1000)} ms for the face (${voice.lipsync})`;
  } catch (error) {
    $('error').textContent = error.message; // an AudioSourceError says what to do
  }
});
$('play').disabled = false;

renderer.setAnimationLoop(() => {
  if (voice) {
    const weights = driver.update(voice.context.currentTime - voice.displayDelay);
    if (!$('voice').paused) example.shownJaw.push(weights[24]);
  }
  renderer.render(scene, camera);
});
document.body.dataset.ready = 'true';
