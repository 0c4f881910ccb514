// Freed objects. wasm-bindgen's objects hold a pointer into wasm memory that `free()` sets to 0;
// a later call would reach Rust as a null pointer ("null pointer passed to rust"). Every method
// and getter of the package's classes (Engine, LipSyncGraph and PresetLibrary from the core
// module, OnnxModel and TextClassifier from the ONNX module) first checks that its object is
// alive and otherwise
// throws an error naming the class, the call and what to do; `free()` twice is a no-op (as for
// `close()` elsewhere on the web). Internal: not an export of the package.
const isLive = (value, cls) => value instanceof cls && value.__wbg_ptr !== 0;
const deadObject = (name, call) => new Error(
  `${name}.${call}: this ${name} was freed (free() was called on it), or is not one; create a new one`);

/** Guards each class of `classes` ({ name: class }), once, when its module is loaded. */
export function guardClasses(classes) {
  for (const [name, cls] of Object.entries(classes)) {
    const proto = cls.prototype;
    const rawFree = proto.free;
    const once = function free() { if (isLive(this, cls)) rawFree.call(this); };
    proto.free = once;
    if (typeof Symbol.dispose === 'symbol' && proto[Symbol.dispose]) proto[Symbol.dispose] = once;
    for (const key of Object.getOwnPropertyNames(proto)) {
      if (key === 'constructor' || key === 'free' || key.startsWith('__')) continue;
      const d = Object.getOwnPropertyDescriptor(proto, key);
      if (typeof d.value === 'function') {
        const method = d.value;
        d.value = { [key](...args) { if (!isLive(this, cls)) throw deadObject(name, `${key}()`); return method.apply(this, args); } }[key];
      }
      if (d.get) {
        const get = d.get;
        d.get = function () { if (!isLive(this, cls)) throw deadObject(name, key); return get.call(this); };
      }
      Object.defineProperty(proto, key, d);
    }
  }
}
