// Page load to the first frame (driven headless by scripts/bench-first-frame.mjs, or opened by
// hand at /bench/first-frame.html): each mark is performance.now(), milliseconds since the
// navigation began. The avatar (three.js, three-vrm, the VRM) loads beside the module, as a
// page would load both. The audio is what an AudioWorklet delivers: 128-sample quanta at 48 kHz.
import init, { Engine } from 'animasync-face';
import { VrmFaceDriver } from 'animasync-face/vrm';
import * as THREE from 'three';
import { GLTFLoader } from 'three/addons/loaders/GLTFLoader.js';
import { VRMLoaderPlugin } from '@pixiv/three-vrm';

const marks = {};
const mark = (name) => { marks[name] = Math.round(performance.now() * 10) / 10; };
const RATE = 48000;
const QUANTUM = 128;

async function loadAvatar() {
  const loader = new GLTFLoader();
  loader.register((parser) => new VRMLoaderPlugin(parser));
  const gltf = await loader.loadAsync('/avatar/default.vrm');
  mark('avatarLoaded');
  return gltf.userData.vrm;
}

async function firstFrame() {
  let bytes = 0;
  await init(undefined, { onProgress: ({ loaded }) => { bytes = loaded; } });
  mark('moduleReady');
  const engine = new Engine({ sampleRate: RATE });
  mark('engineReady');
  // A voiced sound (a 150 Hz tone), pushed quantum by quantum until a frame is ready.
  let pushed = 0;
  let ready = 0;
  while (ready === 0) {
    const quantum = new Float32Array(QUANTUM);
    for (let i = 0; i < QUANTUM; i++) quantum[i] = 0.3 * Math.sin((2 * Math.PI * 150 * (pushed + i)) / RATE);
    pushed += QUANTUM;
    ready = engine.push(quantum);
  }
  const frames = engine.takeFrames();
  mark('firstFrame');
  return { engine, frames, bytes, audioMs: (pushed / RATE) * 1000 };
}

async function main() {
  const [vrm, out] = await Promise.all([loadAvatar(), firstFrame()]);
  const canvas = document.getElementById('avatar');
  const renderer = new THREE.WebGLRenderer({ canvas });
  const scene = new THREE.Scene();
  scene.add(new THREE.HemisphereLight(0xffffff, 0x444444, 2.5), vrm.scene);
  const camera = new THREE.PerspectiveCamera(24, 1, 0.05, 20);
  camera.position.set(0, 1.45, 1.6);
  camera.lookAt(0, 1.45, 0);
  const driver = new VrmFaceDriver(vrm);
  driver.apply(out.frames.subarray(0, 52));
  vrm.update(0);
  renderer.render(scene, camera);
  // Drawn once the browser has shown it: the next animation frame after the draw call.
  await new Promise((resolve) => requestAnimationFrame(() => resolve()));
  mark('firstFace');
  out.engine.free();
  const navigation = performance.getEntriesByType('navigation')[0];
  window.benchResult = {
    marks,
    moduleBytes: out.bytes,
    audioBeforeFirstFrameMs: Math.round(out.audioMs * 10) / 10,
    domContentLoaded: Math.round(navigation.domContentLoadedEventEnd),
    mode: driver.mode,
  };
  document.getElementById('log').textContent = JSON.stringify(window.benchResult, null, 2);
}

main().catch((error) => {
  window.benchResult = { error: String(error?.stack ?? error) };
  document.getElementById('log').textContent = window.benchResult.error;
});
