import type { FileStream } from './file-stream.ts';

/**
 * An edited file as real edits make it: the parent's bytes with a few hunks replaced, the rest kept, so rsync's
 * delta transfer matches all but the blocks a hunk touches (a real one-file backport of a 29 KB file sends
 * about 1.4 KB of literal data). Text kinds cut whole lines; binary kinds (CDB, images) replace a share of
 * their bytes in blocks.
 */
export interface EditProfile {
  readonly lineAligned: boolean;
  readonly hunksMin: number;
  readonly hunksMax: number;
  /** Text: lines a hunk deletes, 0 to this. */
  readonly linesDeletedMax: number;
  /** Binary: share of the bytes replaced, in hunks of hunkBytes (0 for text). */
  readonly changedShare: number;
  readonly hunkBytes: number;
}

const MAX_HUNKS = 4096;
const starts = new Float64Array(MAX_HUNKS);
const ends = new Float64Array(MAX_HUNKS);
const inserts = new Float64Array(MAX_HUNKS);

/**
 * Turns the sorted hunk starts into non-overlapping [starts[h], ends[h]) deletions inside [from, to), whole
 * lines for text; returns how many hunks fit and the bytes they delete.
 */
function placeHunks(parent: Buffer, hunks: number, profile: EditProfile, [from, to]: [number, number], stream: FileStream): { hunks: number; deleted: number } {
  let deleted = 0;
  let kept = 0;
  for (let h = 0; h < hunks; h++) {
    let s = Math.max(starts[h] as number, h > 0 ? (ends[h - 1] as number) : from);
    let e: number;
    if (profile.lineAligned) {
      while (s > from && parent[s - 1] !== 0x0a) s--;
      if (h > 0 && s < (ends[h - 1] as number)) s = ends[h - 1] as number;
      e = s;
      for (let l = stream.below(profile.linesDeletedMax + 1); l > 0 && e < to; l--) {
        const nl = parent.indexOf(0x0a, e);
        e = nl < 0 || nl >= to ? to : nl + 1;
      }
    } else {
      e = Math.min(to, s + profile.hunkBytes);
    }
    if (s >= to) break;
    starts[h] = s;
    ends[h] = e;
    deleted += e - s;
    kept = h + 1;
  }
  return { hunks: kept, deleted };
}

/**
 * Writes `bytes` bytes into target: parent[from, to) gets hunks (a deletion then `fresh` material of a given
 * length), parent outside stays. `fresh(pos, end)` fills target[pos, end); `whole()` rewrites the file when it
 * has no room for hunks (tiny files, or a size change larger than the editable part).
 */
export function spliceEdits(
  parent: Buffer,
  target: Buffer,
  bytes: number,
  profile: EditProfile,
  [from, to]: [number, number],
  stream: FileStream,
  fresh: (pos: number, end: number) => void,
  whole: () => void,
): void {
  const span = to - from;
  if (span < 64) {
    whole();
    return;
  }
  let hunks =
    profile.changedShare > 0
      ? Math.max(1, Math.min(MAX_HUNKS, Math.round((parent.length * profile.changedShare) / profile.hunkBytes)))
      : stream.between(profile.hunksMin, profile.hunksMax);
  // Hunk starts, sorted, each at a line start for text.
  for (let h = 0; h < hunks; h++) starts[h] = from + stream.below(span);
  starts.subarray(0, hunks).sort();
  let deleted: number;
  ({ hunks, deleted } = placeHunks(parent, hunks, profile, [from, to], stream));
  if (hunks === 0) {
    whole();
    return;
  }
  // What the hunks insert makes the size come out exact; a shrink larger than the deletions widens the last.
  let insert = bytes - (parent.length - deleted);
  if (insert < 0) {
    const last = hunks - 1;
    let widened = Math.min(to, (ends[last] as number) - insert);
    if (profile.lineAligned && widened < to) {
      const nl = parent.indexOf(0x0a, widened);
      widened = nl < 0 || nl >= to ? to : nl + 1;
    }
    deleted += widened - (ends[last] as number);
    ends[last] = widened;
    insert = bytes - (parent.length - deleted);
    if (insert < 0) {
      whole();
      return;
    }
  }
  // Split the inserted bytes between hunks at random.
  let left = insert;
  for (let h = 0; h < hunks; h++) {
    const n = h === hunks - 1 ? left : Math.floor(left * stream.next() * (2 / (hunks - h)));
    inserts[h] = Math.min(left, n);
    left -= inserts[h] as number;
  }
  let out = 0;
  let at = 0;
  for (let h = 0; h < hunks; h++) {
    const s = starts[h] as number;
    out += parent.copy(target, out, at, s);
    const n = inserts[h] as number;
    if (n > 0) fresh(out, out + n);
    out += n;
    at = ends[h] as number;
  }
  out += parent.copy(target, out, at, parent.length);
  if (out !== bytes) throw new Error(`edit splice wrote ${out} bytes, wanted ${bytes}`);
}
