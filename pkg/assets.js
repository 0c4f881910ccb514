// How the package reads the files it ships beside its entry (the built-in text classifier's
// model, manifest and vocabulary): fetched in browsers and bundlers; index.node.js swaps in a
// reader from disk, as Node's fetch cannot read file: URLs. Internal: not an export of the package.

let read = async (url) => {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status} ${response.statusText}`.trim());
  return new Uint8Array(await response.arrayBuffer());
};

/** The bytes at `url` (a URL beside the package entry). */
export const readAsset = (url) => read(url);

/** Replaces the reader (index.node.js). */
export function setAssetReader(reader) {
  read = reader;
}
