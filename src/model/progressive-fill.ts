import { grown } from './grown-typed-array.ts';
import { MinHeap } from './min-heap.ts';

/**
 * The units of one fill, packed by the caller (fluid-reshare.ts: a flow, or a bottleneck group standing for its
 * members): unit i uses resources res[start[i] .. start[i] + count[i]) with weights wts (what one byte per second
 * of it uses there), moves at `rate` now and may reach at most `cap` (NaN: no cap of its own).
 */
export class FillUnits {
  res = new Int32Array(64);
  wts = new Float64Array(64);
  start = new Int32Array(16);
  count = new Int32Array(16);
  rate = new Float64Array(16);
  cap = new Float64Array(16);
  /** Units packed, and resource entries used. */
  size = 0;
  private used = 0;

  clear(): void {
    this.size = 0;
    this.used = 0;
  }

  /** Adds a unit of `resources` resources (then `addResource` each of them, in order). */
  add(rate: number, cap: number, resources: number): void {
    const i = this.size++;
    if (i >= this.start.length) this.growUnits();
    if (this.used + resources > this.res.length) this.growResources(this.used + resources);
    this.start[i] = this.used;
    this.count[i] = resources;
    this.rate[i] = rate;
    this.cap[i] = cap;
  }

  addResource(resource: number, weight: number): void {
    this.res[this.used] = resource;
    this.wts[this.used++] = weight;
  }

  private growUnits(): void {
    const n = this.size;
    this.start = grown(this.start, n);
    this.count = grown(this.count, n);
    this.rate = grown(this.rate, n);
    this.cap = grown(this.cap, n);
  }

  private growResources(atLeast: number): void {
    this.res = grown(this.res, atLeast);
    this.wts = grown(this.wts, atLeast);
  }
}

/**
 * Progressive filling of some units while every other flow keeps its rate as a background load: raise the
 * units' rates together; freeze the units of whichever capacity fills first (or a unit at its own cap).
 * Scratch arrays are indexed by resource id and reused across events, so a fill makes no garbage.
 */
export class ProgressiveFill {
  /** Per resource touched by the last fill: what is left of it. */
  left = new Float64Array(0);
  /** Per resource: the level at which it filled in the last fill (Infinity when it did not). */
  filledAt = new Float64Array(0);
  /** Per resource: the largest rate the last fill gave a unit on it. */
  maxNew = new Float64Array(0);
  /** Per unit of the last fill: the rate it gave, and the resource that froze it (-1: its cap). */
  next = new Float64Array(16);
  bottleneck = new Int32Array(16);
  private frozen = new Int32Array(16);
  private unfrozen = new Int32Array(0);
  private weight = new Float64Array(0);
  private seen = new Int32Array(0);
  /**
   * The units on each resource, as indices into the fill's units: resource r's are onUnits[onStart[r]] onwards,
   * unitsOnCount[r] of them, in unit order. Flat and typed: storing each unit into a per-resource array of
   * objects was the fill's dearest line (a cache miss and a write barrier per unit and resource).
   */
  private onUnits = new Int32Array(64);
  private onStart = new Int32Array(0);
  private unitsOnCount = new Int32Array(0);
  private epoch = 0;
  /** The mark of the last fill's frozen units. */
  private frozenMark = 0;
  private readonly heap = new MinHeap<number>();

  /** Did the last fill freeze unit i (set its next rate and bottleneck)? */
  froze(i: number): boolean {
    return this.frozen[i] === this.frozenMark;
  }

  private grow(resources: number): void {
    if (this.left.length >= resources) return;
    const size = resources * 2;
    this.left = new Float64Array(size);
    this.filledAt = new Float64Array(size);
    this.maxNew = new Float64Array(size);
    this.unfrozen = new Int32Array(size);
    this.weight = new Float64Array(size);
    this.unitsOnCount = new Int32Array(size);
    this.onStart = new Int32Array(size);
    const seen = new Int32Array(size);
    seen.set(this.seen);
    this.seen = seen;
  }

  /** The resources the last fill's units use: the first `resourceCount` entries (valid until the next fill). */
  readonly resources: number[] = [];
  resourceCount = 0;

  /**
   * Sets `next` and `bottleneck` of the units; returns how many resources they use (listed in `resources`).
   * Scratch lists are reused by count, never emptied by length: V8 frees an array's storage then.
   */
  fill(units: FillUnits, capacity: Float64Array, load: (resource: number) => number): number {
    this.grow(capacity.length);
    const count = units.size;
    if (this.next.length < count) {
      this.next = new Float64Array(2 * count);
      this.bottleneck = new Int32Array(2 * count);
      this.frozen = new Int32Array(2 * count);
    }
    const { left, unfrozen, weight, heap, unitsOnCount } = this;
    const { res, wts, start, rate } = units;
    heap.clear();
    const seen = ++this.epoch;
    const resources = this.resources;
    let resourceCount = 0;
    for (let i = 0; i < count; i++) {
      const end = start[i]! + units.count[i]!;
      for (let k = start[i]!; k < end; k++) {
        const r = res[k]!;
        const w = wts[k]!;
        if (this.seen[r] !== seen) {
          this.seen[r] = seen;
          resources[resourceCount++] = r;
          left[r] = capacity[r]! - load(r);
          unfrozen[r] = 0;
          weight[r] = 0;
          this.maxNew[r] = 0;
          this.filledAt[r] = Number.POSITIVE_INFINITY;
          unitsOnCount[r] = 0;
        }
        // What the re-filled units use now is theirs to share again.
        left[r] = left[r]! + rate[i]! * w;
        unfrozen[r] = unfrozen[r]! + 1;
        weight[r] = weight[r]! + w;
        unitsOnCount[r]!++;
      }
    }
    this.resourceCount = resourceCount;
    this.listUnitsOn(units, resourceCount);
    for (let k = 0; k < resourceCount; k++) {
      const r = resources[k]!;
      heap.push(Math.max(0, left[r]!) / weight[r]!, r);
    }
    for (let i = 0; i < count; i++) {
      const cap = units.cap[i]!;
      if (!Number.isNaN(cap)) heap.push(cap, -1 - i);
    }
    const frozenMark = ++this.epoch;
    this.frozenMark = frozenMark;
    const frozenAt = this.frozen;
    let frozen = 0;
    while (heap.size > 0 && frozen < count) {
      const share = heap.peekKey();
      const id = heap.pop()!;
      if (id < 0) {
        const u = -1 - id;
        if (frozenAt[u] !== frozenMark) {
          this.freeze(units, u, share, -1, frozenMark);
          frozen++;
        }
        continue;
      }
      const n = unfrozen[id]!;
      // A stale entry: the resource's share has moved on since it was queued.
      if (n === 0 || Math.abs(Math.max(0, left[id]!) / weight[id]! - share) > 1e-12 * Math.max(1, share)) continue;
      this.filledAt[id] = share;
      const on = this.onUnits;
      for (let k = this.onStart[id]!, end = k + unitsOnCount[id]!; k < end; k++) {
        const u = on[k]!;
        if (frozenAt[u] !== frozenMark) {
          this.freeze(units, u, share, id, frozenMark);
          frozen++;
        }
      }
    }
    return resourceCount;
  }

  /** Lays out onUnits from the counts in unitsOnCount: each resource's run, then its units in unit order. */
  private listUnitsOn(units: FillUnits, resourceCount: number): void {
    const { onStart, unitsOnCount, resources } = this;
    let at = 0;
    for (let k = 0; k < resourceCount; k++) {
      const r = resources[k]!;
      onStart[r] = at;
      at += unitsOnCount[r]!;
      unitsOnCount[r] = 0;
    }
    if (at > this.onUnits.length) this.onUnits = new Int32Array(2 * at);
    const on = this.onUnits;
    const { res, start } = units;
    for (let i = 0; i < units.size; i++) {
      const end = start[i]! + units.count[i]!;
      for (let k = start[i]!; k < end; k++) {
        const r = res[k]!;
        on[onStart[r]! + unitsOnCount[r]!++] = i;
      }
    }
  }

  private freeze(units: FillUnits, u: number, rate: number, by: number, frozenMark: number): void {
    const { left, unfrozen, weight, heap } = this;
    this.frozen[u] = frozenMark;
    this.next[u] = rate;
    this.bottleneck[u] = by;
    const { res, wts } = units;
    const end = units.start[u]! + units.count[u]!;
    for (let k = units.start[u]!; k < end; k++) {
      const r = res[k]!;
      const w = wts[k]!;
      const rest = left[r]! - rate * w;
      const n = unfrozen[r]! - 1;
      left[r] = rest;
      unfrozen[r] = n;
      weight[r] = weight[r]! - w;
      if (rate > this.maxNew[r]!) this.maxNew[r] = rate;
      if (n > 0) heap.push(Math.max(0, rest) / weight[r]!, r);
    }
  }
}
