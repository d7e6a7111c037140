import { hash } from 'node:crypto';
import type { FileEntry } from '../../content/file-entry.ts';
import type { ResolvedStrategy } from '../../scenario/resolved.ts';
import { baseLayers, layerOf, splitBase } from '../layer-grouping.ts';
import type { LayerPlan, LayerPlanInput } from '../layer-plan.ts';

/**
 * The code tree, in path order, cut into layers of at most `maxLayerBytes`. Cuts are content-defined: a
 * layer ends after a file whose path hashes to a boundary, so a change to one file (or an added file) moves
 * only its own chunk and the rest keep their digests. Filling layers greedily instead would shift every
 * boundary after the first change and re-ship almost everything. A cut is forced when the next file would
 * overflow the limit; a file larger than the limit gets a layer of its own.
 */
export function planChunked(strategy: Extract<ResolvedStrategy, { kind: 'chunked' }>, input: LayerPlanInput): LayerPlan {
  const { base, code } = splitBase(input.scenario, input.tree);
  // The boundary rate comes from the scenario's nominal sizes, not from this step's tree: a rate that moved
  // with every deploy would move every boundary with it.
  const codeComponents = input.scenario.content.components.filter((c) => !c.base);
  const nominalFiles = codeComponents.reduce((n, c) => n + c.files, 0);
  const meanFileBytes = nominalFiles === 0 ? 1 : codeComponents.reduce((n, c) => n + c.bytes, 0) / nominalFiles;
  // Aim the average chunk at half the limit, so forced cuts are the exception.
  const boundaryEvery = Math.max(1, Math.round(strategy.maxLayerBytes / 2 / meanFileBytes));
  const chunks: FileEntry[][] = [];
  let current: FileEntry[] = [];
  let currentBytes = 0;
  for (let i = 0; i < code.length; i++) {
    const f = code[i] as FileEntry;
    if (current.length > 0 && currentBytes + f.bytes > strategy.maxLayerBytes) {
      chunks.push(current);
      current = [];
      currentBytes = 0;
    }
    current.push(f);
    currentBytes += f.bytes;
    if (isBoundary(f, boundaryEvery)) {
      chunks.push(current);
      current = [];
      currentBytes = 0;
    }
  }
  if (current.length > 0) chunks.push(current);
  const layers = chunks.map((files, i) => layerOf(`chunk ${i + 1}/${chunks.length} from ${files[0]?.path ?? ''}`, files));
  return { layers: [...baseLayers(base), ...layers], note: undefined };
}

/**
 * Whether a file's path hashes to a boundary: the first four bytes of its sha1, little-endian, modulo `every`.
 * One-shot crypto.hash, its digest as 'binary' (latin1: one character per byte): about 10x cheaper than a Hash object
 * per file, which is what a tree of 300,000 paths per step made this cost (and cheaper than keeping each
 * entry's hash in a WeakMap for the next step).
 */
function isBoundary(entry: FileEntry, every: number): boolean {
  if (every <= 1) return true;
  const d = hash('sha1', entry.path, 'binary');
  const first = (d.charCodeAt(0) | (d.charCodeAt(1) << 8) | (d.charCodeAt(2) << 16) | (d.charCodeAt(3) << 24)) >>> 0;
  return first % every === 0;
}
