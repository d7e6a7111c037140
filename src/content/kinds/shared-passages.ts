import type { FileStream } from './file-stream.ts';

/**
 * What real trees repeat across files, beyond words: passages. Measured on Debian's MediaWiki 1.39 as the
 * share of a kind's bytes in long lines (24+ characters) that an earlier file of the tar already holds:
 * JS 17% from a sibling in the same directory (builds that bundle the same modules, ace's mode and worker
 * files) and 7% from elsewhere; PHP 5% and 9% (licence headers, the same use-lists and boilerplate methods);
 * CSS/LESS/SVG 25% and 14% (themed icon variants, shared mixins); data JSON 19% and 28% (the same manifest
 * fields in every composer.json). A passage is a run of lines written from its own stream, keyed by its scope
 * (the directory or the component) and its number, so every file that holds it holds the same bytes.
 */
export interface PassageShares {
  /** Mean share of a file's bytes taken from its directory's passages (varies by directory, 0 to 2x). */
  readonly directory: number;
  /** Share of a file's bytes taken from its component's passages. */
  readonly component: number;
}

/** Passages a directory shares: few, so siblings hold the same ones. */
const DIRECTORY_POOL = 4;
/** Passages a component shares: a skewed pool, the first few everywhere. */
const COMPONENT_POOL = 150;
const MIN_BYTES = 64;
const MAX_BYTES = 16384;

export interface Passage {
  readonly key: string;
  readonly pos: number;
  /** Bytes of the passage this file holds: its first `bytes` of `full`. */
  readonly bytes: number;
  readonly full: number;
}

function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** A passage's length, from its key alone: the same in every file. */
function passageBytes(key: string): number {
  const u = hash32(key) / 4294967296;
  return Math.round(MIN_BYTES * Math.pow(MAX_BYTES / MIN_BYTES, u));
}

/**
 * Where a file of `bytes` (its text already written into target) takes passages: line starts in
 * [from, bytes), until the shares are covered; a passage longer than what is left is cut (a file holds the
 * start of a shared module). `directory` and `component` name the scopes.
 */
export function planPassages(shares: PassageShares, directory: string, component: string, target: Buffer, from: number, bytes: number, stream: FileStream): Passage[] {
  const out: Passage[] = [];
  const room = bytes - from;
  if (room < MIN_BYTES * 2) return out;
  const dirShare = Math.min(0.9, shares.directory * 2 * (hash32(directory) / 4294967296));
  const scopes: Array<[string, number, number]> = [
    [`d:${directory}`, dirShare, DIRECTORY_POOL],
    [`c:${component}`, shares.component, COMPONENT_POOL],
  ];
  for (const [scope, share, pool] of scopes) {
    let budget = Math.round(room * share);
    while (budget >= MIN_BYTES) {
      const u = stream.next();
      const key = `${scope}#${Math.floor(pool * u * u)}`;
      const full = passageBytes(key);
      const length = Math.min(full, budget, room);
      // At a line start, so the passage is the same lines wherever it lands.
      let pos = from + stream.below(room - length + 1);
      for (let back = 0; back < 256 && pos > from && target[pos - 1] !== 0x0a; back++) pos--;
      out.push({ key, pos, bytes: length, full });
      budget -= length;
    }
  }
  return out;
}
