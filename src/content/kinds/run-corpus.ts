import type { FileStream } from './file-stream.ts';

/**
 * A buffer of realistic material, built once per seed, that files are cut from in runs of whole units (lines
 * of text, CDB records, binary blocks). gzip's window is 32 KiB, so a file made of runs copied from a far
 * larger corpus compresses like the corpus does locally, while costing a memcpy per run. Regions keep a file
 * inside one family of material (a language, a size band).
 */
export interface RunCorpus {
  readonly bytes: Buffer;
  /** Byte offset of every unit start, ascending, plus a final entry equal to bytes.length. */
  readonly unitStarts: Uint32Array;
  /** Unit index where each region starts, plus a final entry equal to the unit count. */
  readonly regionUnits: Uint32Array;
}

/**
 * Accumulates corpus text whose units are lines. Text goes straight into a buffer: a multi-MiB JS string built
 * from small pieces spends most of its time in the garbage collector.
 */
export class TextCorpusWriter {
  private buffer: Buffer;
  private length = 0;
  // Small writes are joined first: each Buffer.write costs far more than appending to a short string.
  private pending = '';
  private readonly regionStarts: number[] = [0];

  constructor(capacity: number) {
    this.buffer = Buffer.allocUnsafe(capacity);
  }

  /** Bytes written in the current region. */
  get regionBytes(): number {
    this.flush();
    return this.length - (this.regionStarts[this.regionStarts.length - 1] as number);
  }

  write(text: string): void {
    this.pending += text;
    if (this.pending.length >= 16384) this.flush();
  }

  /** Closes the current region (which must end with a newline) and opens the next. */
  endRegion(): void {
    this.flush();
    const start = this.regionStarts[this.regionStarts.length - 1] as number;
    if (this.length === start || this.buffer[this.length - 1] !== 0x0a) throw new Error('a corpus region must be non-empty and end with a newline');
    this.regionStarts.push(this.length);
  }

  finish(): RunCorpus {
    this.flush();
    if (this.regionStarts[this.regionStarts.length - 1] !== this.length) this.endRegion();
    const bytes = Buffer.from(this.buffer.subarray(0, this.length));
    const starts: number[] = [0];
    for (let i = bytes.indexOf(0x0a); i !== -1 && i < bytes.length - 1; i = bytes.indexOf(0x0a, i + 1)) starts.push(i + 1);
    return runCorpus(bytes, starts, this.regionStarts);
  }

  private flush(): void {
    const text = this.pending;
    this.pending = '';
    // A UTF-16 unit never takes more than 3 UTF-8 bytes.
    if (this.length + text.length * 3 > this.buffer.length) {
      const grown = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.length + text.length * 3));
      this.buffer.copy(grown, 0, 0, this.length);
      this.buffer = grown;
    }
    this.length += this.buffer.write(text, this.length, 'utf8');
  }
}

/**
 * A corpus from its bytes, unit starts (ascending, the first 0) and region starts in bytes (the first 0, the
 * last bytes.length); every region start must be a unit start.
 */
export function runCorpus(bytes: Buffer, starts: readonly number[], regionStartBytes: readonly number[]): RunCorpus {
  const units = starts.length;
  const unitStarts = new Uint32Array(units + 1);
  unitStarts.set(starts);
  unitStarts[units] = bytes.length;
  const regions = regionStartBytes.length - 1;
  const regionUnits = new Uint32Array(regions + 1);
  let unit = 0;
  for (let r = 0; r < regions; r++) {
    while (unit < units && unitStarts[unit] !== regionStartBytes[r]) unit++;
    if (unit === units) throw new Error('a corpus region must start at a unit start');
    regionUnits[r] = unit;
  }
  regionUnits[regions] = units;
  return { bytes, unitStarts, regionUnits };
}

export interface WalkShape {
  /** Units per copied run (uniform in [min, max]): longer runs mean fewer copies, so faster synthesis. */
  readonly minUnits: number;
  readonly maxUnits: number;
  /** Units skipped between runs (uniform in [0, maxSkip]): files differ even when they start close. */
  readonly maxSkip: number;
}

/**
 * Where a file size sits among ascending band anchors, as a fractional band index: i + t between anchors i and
 * i + 1 (t log-linear in size), clamped to the first and last band.
 */
export function bandPosition(anchors: readonly number[], bytes: number): number {
  const last = anchors.length - 1;
  if (bytes <= (anchors[0] as number)) return 0;
  if (bytes >= (anchors[last] as number)) return last;
  let i = 0;
  while (bytes > (anchors[i + 1] as number)) i++;
  const lo = anchors[i] as number;
  return i + Math.log(bytes / lo) / Math.log((anchors[i + 1] as number) / lo);
}

/**
 * Copies runs of units into target[pos, end), each run from region `low` or, with probability `shareHigh`,
 * region `high`: a file between two calibrated sizes blends their material. In each region the walk goes
 * forward from a random unit and wraps at the region's end, so a file never repeats a run within gzip's
 * window unless it outgrows the region: a region must be larger than the files cut from it, and one that
 * takes files of any size well over gzip's 32 KiB window (64 KiB: a 32 KiB one doubles the ratio). With
 * `wholeUnits` the walk stops at the last unit boundary before
 * `end`; otherwise the last run is cut at `end`. Returns where it stopped.
 */
export function walkRuns(corpus: RunCorpus, low: number, high: number, shareHigh: number, shape: WalkShape, stream: FileStream, target: Buffer, pos: number, end: number, wholeUnits: boolean): number {
  const { bytes, unitStarts, regionUnits } = corpus;
  const firstLow = regionUnits[low] as number;
  const lastLow = regionUnits[low + 1] as number;
  const firstHigh = regionUnits[high] as number;
  const lastHigh = regionUnits[high + 1] as number;
  const threshold = Math.round(shareHigh * 4294967296);
  const span = shape.maxUnits - shape.minUnits + 1;
  let cursorLow = firstLow + stream.below(lastLow - firstLow);
  let cursorHigh = threshold > 0 ? firstHigh + stream.below(lastHigh - firstHigh) : firstHigh;
  while (pos < end) {
    const useHigh = threshold > 0 && stream.nextUint32() < threshold;
    const first = useHigh ? firstHigh : firstLow;
    const last = useHigh ? lastHigh : lastLow;
    const unit = useHigh ? cursorHigh : cursorLow;
    let to = Math.min(last, unit + shape.minUnits + stream.below(span));
    const from = unitStarts[unit] as number;
    let n = (unitStarts[to] as number) - from;
    if (n > end - pos) {
      if (!wholeUnits) n = end - pos;
      else {
        to = unitAtOrBefore(unitStarts, unit, to, from + end - pos);
        n = (unitStarts[to] as number) - from;
        if (n === 0) return pos;
      }
    }
    bytes.copy(target, pos, from, from + n);
    pos += n;
    let next = to + stream.below(shape.maxSkip + 1);
    if (next >= last) next = first + ((next - last) % (last - first));
    if (useHigh) cursorHigh = next;
    else cursorLow = next;
  }
  return pos;
}

/** The largest index i in [lo, hi] with unitStarts[i] <= offset (unitStarts[lo] <= offset). */
function unitAtOrBefore(unitStarts: Uint32Array, lo: number, hi: number, offset: number): number {
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if ((unitStarts[mid] as number) <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}
