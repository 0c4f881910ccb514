// The avatar stage: a three.js renderer sized to its container, lights, a head-and-shoulders
// camera, VRM loading through GLTFLoader + VRMLoaderPlugin, and the idle body motion
// (breathing, a slow head sway, a small nod while speaking). The face itself is the driver's.
import * as THREE from 'three';
import { GLTFLoader } from 'three/addons/loaders/GLTFLoader.js';
import { VRMLoaderPlugin, VRMUtils } from '@pixiv/three-vrm';

/**
 * What this browser can draw: null without WebGL 2 (three.js r163+ needs it), else
 * `{software}`, true for a CPU rasteriser (SwiftShader, llvmpipe: headless browsers, machines
 * without a usable GPU), where the stage draws without multisampling and at most 30 times a second.
 */
export function webglSupport() {
  try {
    const gl = document.createElement('canvas').getContext('webgl2');
    if (!gl) return null;
    const info = gl.getExtension('WEBGL_debug_renderer_info');
    const renderer = info ? String(gl.getParameter(info.UNMASKED_RENDERER_WEBGL)) : '';
    gl.getExtension('WEBGL_lose_context')?.loseContext();
    return { renderer, software: /swiftshader|llvmpipe|software/i.test(renderer) };
  } catch {
    return null;
  }
}

export class Stage {
  constructor(canvas, container, { software = false, pixelRatio } = {}) {
    this.canvas = canvas;
    this.container = container;
    this.software = software;
    this.renderer = new THREE.WebGLRenderer({ canvas, antialias: !software, alpha: true });
    this.renderer.setPixelRatio(pixelRatio ?? Math.min(window.devicePixelRatio || 1, software ? 1 : 2));
    this.renderer.setClearColor(0x000000, 0); // the page's gradient shows through
    this.scene = new THREE.Scene();
    this.camera = new THREE.PerspectiveCamera(24, 1, 0.05, 20);
    this.vrm = null;
    this.focus = new THREE.Vector3(0, 1.45, 0); // framed point, replaced from the head bone
    this.speech = 0; // smoothed mouth activity, for the nod
    this.addLights();
    this.loader = new GLTFLoader();
    this.loader.register((parser) => new VRMLoaderPlugin(parser));
    this.resize();
    new ResizeObserver(() => this.resize()).observe(container);
  }

  addLights() {
    // Soft sky/ground ambience, a warm key from the upper right that models the face, a cool
    // fill from the left and a strong rim from behind that separates hair and shoulders from
    // the background; Neutral tone mapping rolls the highlights off gently.
    const sky = new THREE.HemisphereLight(0xfdf6ff, 0x5b4b45, 0.9);
    const key = new THREE.DirectionalLight(0xfff1e0, 2.6);
    key.position.set(1.6, 1.8, 1.4);
    const fill = new THREE.DirectionalLight(0xdde8ff, 0.6);
    fill.position.set(-2.0, 1.0, 1.6);
    const rim = new THREE.DirectionalLight(0xc9dcff, 3.0);
    rim.position.set(-1.2, 1.8, -2.0);
    this.scene.add(sky, key, fill, rim);
    this.renderer.toneMapping = THREE.NeutralToneMapping;
  }

  resize() {
    const { clientWidth: width, clientHeight: height } = this.container;
    if (width === 0 || height === 0) return;
    this.renderer.setSize(width, height, false);
    this.camera.aspect = width / height;
    this.frame();
  }

  /** Head and shoulders: about 0.46 m tall and 0.40 m wide around the focus. */
  frame() {
    const tan = Math.tan(THREE.MathUtils.degToRad(this.camera.fov / 2));
    const distance = Math.max(0.23 / tan, 0.20 / (tan * this.camera.aspect));
    const target = this.focus.clone();
    this.camera.position.set(target.x, target.y + 0.03, target.z + distance);
    this.camera.lookAt(target);
    this.camera.updateProjectionMatrix();
  }

  /**
   * Loads a VRM from a URL or an ArrayBuffer and wears it. `prepare(vrm)` runs before the swap
   * (its result is returned); if loading or `prepare` throws, the current avatar stays.
   */
  async load(source, prepare = () => undefined) {
    const gltf = source instanceof ArrayBuffer
      ? await this.loader.parseAsync(source, '')
      : await this.loader.loadAsync(source);
    const vrm = gltf.userData.vrm;
    if (!vrm) throw new Error('it is a glTF file without VRM data');
    if (!vrm.humanoid) throw new Error('it has no humanoid skeleton');
    VRMUtils.removeUnnecessaryVertices(gltf.scene);
    VRMUtils.combineSkeletons(gltf.scene);
    VRMUtils.rotateVRM0(vrm); // VRM 0.x faces -Z; turn it to +Z like VRM 1.0
    vrm.scene.traverse((object) => { object.frustumCulled = false; });
    let prepared;
    try {
      prepared = prepare(vrm);
    } catch (error) {
      VRMUtils.deepDispose(vrm.scene);
      throw error;
    }
    if (this.vrm) {
      this.scene.remove(this.vrm.scene);
      VRMUtils.deepDispose(this.vrm.scene);
    }
    this.vrm = vrm;
    this.scene.add(vrm.scene);
    this.restPose();
    vrm.update(0);
    vrm.scene.updateMatrixWorld(true);
    const head = vrm.humanoid.getRawBoneNode('head') ?? vrm.humanoid.getRawBoneNode('neck');
    if (head) {
      head.getWorldPosition(this.focus);
      this.focus.y += 0.01; // at the head bone: the face above the centre, the shoulders below
    } else {
      const box = new THREE.Box3().setFromObject(vrm.scene);
      this.focus.set(0, box.max.y - 0.25, 0);
    }
    this.frame();
    return prepared;
  }

  /** Arms down (VRM files rest in a T-pose); only the bones the avatar has. */
  restPose() {
    const bone = (name) => this.vrm.humanoid.getNormalizedBoneNode(name);
    bone('leftUpperArm')?.rotation.set(0, 0, -1.2);
    bone('rightUpperArm')?.rotation.set(0, 0, 1.2);
    bone('leftLowerArm')?.rotation.set(0, -0.15, 0);
    bone('rightLowerArm')?.rotation.set(0, 0.15, 0);
  }

  /**
   * Idle body motion at time `t` (seconds): breathing in the chest, a slow head sway from sums
   * of incommensurate sines (smooth, never repeating exactly, the same on every run), and a
   * small nod that follows the jaw while speaking. Rotations are set, not accumulated.
   */
  animate(t, dt, jawOpen) {
    if (!this.vrm) return;
    const rate = 1 - Math.exp(-dt / 0.25);
    this.speech += (jawOpen - this.speech) * rate;
    const s = (period, phase = 0) => Math.sin((2 * Math.PI * t) / period + phase);
    const bone = (name) => this.vrm.humanoid.getNormalizedBoneNode(name);
    const breath = s(4.2);
    bone('spine')?.rotation.set(0.006 * breath, 0, 0);
    bone('chest')?.rotation.set(0.014 * breath, 0.012 * s(11.3, 0.4), 0);
    bone('neck')?.rotation.set(0.018 * s(6.1, 0.7), 0.04 * s(8.3) + 0.015 * s(3.7, 1.3), 0.012 * s(10.7, 2.0));
    bone('head')?.rotation.set(
      0.014 * s(4.9, 1.9) + 0.06 * this.speech,
      0.02 * s(5.3, 0.2),
      0.022 * s(9.1, 2.1) + 0.008 * s(2.9, 0.5),
    );
    this.vrm.update(dt);
  }

  render() {
    this.renderer.render(this.scene, this.camera);
  }

  /**
   * Renders and reads the canvas back in the same task (no preserveDrawingBuffer needed):
   * the share of covered (non-transparent) pixels and the number of distinct colours among
   * them (4 bits per channel), on a 64 x 64 grid. A blank canvas gives 0 and 0.
   */
  canvasStats() {
    this.render();
    const gl = this.renderer.getContext();
    const width = gl.drawingBufferWidth;
    const height = gl.drawingBufferHeight;
    const pixels = new Uint8Array(width * height * 4);
    gl.readPixels(0, 0, width, height, gl.RGBA, gl.UNSIGNED_BYTE, pixels);
    let covered = 0;
    let samples = 0;
    const colours = new Set();
    for (let gy = 0; gy < 64; gy++) {
      for (let gx = 0; gx < 64; gx++) {
        const x = Math.floor(((gx + 0.5) * width) / 64);
        const y = Math.floor(((gy + 0.5) * height) / 64);
        const i = (y * width + x) * 4;
        samples++;
        if (pixels[i + 3] > 0) {
          covered++;
          colours.add(((pixels[i] >> 4) << 8) | ((pixels[i + 1] >> 4) << 4) | (pixels[i + 2] >> 4));
        }
      }
    }
    return { width, height, covered: covered / samples, colours: colours.size };
  }
}
