// Node entry of the compatibility layer: loads the module from disk first (Node's fetch cannot
// read file: URLs), then behaves exactly like compat.js.
import { init as initFromDisk } from './index.node.js';
import { AnimasyncCompat as BrowserCompat } from './compat.js';

export class AnimasyncCompat extends BrowserCompat {
  async init(options = {}) {
    await initFromDisk();
    return super.init(options);
  }
}
