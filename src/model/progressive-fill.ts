import { MinHeap } from './min-heap.ts';

/** What progressive filling shares capacity among: one flow, or a bottleneck group standing for its members. */
export interface FillUnit {
  /** Resource ids it uses, and per resource what one byte per second of it uses there (1 when unset). */
  readonly res: readonly number[];
  readonly wts: readonly number[] | undefined;
  /** Most it may reach on its own, bytes per second (a flow's ceiling; a group's threshold). */
  cap: number | undefined;
  rate: number;
  /** Scratch of the re-share that holds it (membership epoch). */
  mark: number;
  /** The rate the fill in progress gives it. */
  next: number;
  /** Resource that froze it in the last fill, or -1 when its cap did. */
  bottleneck: number;
  /** Scratch of the fill: the epoch in which it was frozen. */
  frozen: number;
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
  private readonly heap = new MinHeap<number>();

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
   * Sets `next` and `bottleneck` of the first `count` units; returns how many resources they use (listed in
   * `resources`). Scratch lists are reused by count, never emptied by length: V8 frees an array's storage then.
   */
  fill(units: readonly FillUnit[], count: number, capacity: readonly number[], load: (resource: number) => number): number {
    this.grow(capacity.length);
    const { left, unfrozen, weight, heap, unitsOnCount } = this;
    heap.clear();
    const seen = ++this.epoch;
    const resources = this.resources;
    let resourceCount = 0;
    for (let i = 0; i < count; i++) {
      const u = units[i]!;
      const rs = u.res;
      const ws = u.wts;
      for (let k = 0; k < rs.length; k++) {
        const r = rs[k]!;
        const w = ws === undefined ? 1 : ws[k]!;
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
        left[r] = left[r]! + u.rate * w;
        unfrozen[r] = unfrozen[r]! + 1;
        weight[r] = weight[r]! + w;
        unitsOnCount[r]!++;
      }
    }
    this.resourceCount = resourceCount;
    this.listUnitsOn(units, count, resourceCount);
    for (let k = 0; k < resourceCount; k++) {
      const r = resources[k]!;
      heap.push(Math.max(0, left[r]!) / weight[r]!, r);
    }
    for (let i = 0; i < count; i++) {
      const cap = units[i]!.cap;
      if (cap !== undefined) heap.push(cap, -1 - i);
    }
    const frozenMark = ++this.epoch;
    let frozen = 0;
    while (heap.size > 0 && frozen < count) {
      const share = heap.peekKey();
      const id = heap.pop()!;
      if (id < 0) {
        const u = units[-1 - id]!;
        if (u.frozen !== frozenMark) {
          this.freeze(u, share, -1, frozenMark);
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
        const u = units[on[k]!]!;
        if (u.frozen !== frozenMark) {
          this.freeze(u, share, id, frozenMark);
          frozen++;
        }
      }
    }
    return resourceCount;
  }

  /** Lays out onUnits from the counts in unitsOnCount: each resource's run, then its units in unit order. */
  private listUnitsOn(units: readonly FillUnit[], count: number, resourceCount: number): void {
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
    for (let i = 0; i < count; i++) {
      const rs = units[i]!.res;
      for (let k = 0; k < rs.length; k++) {
        const r = rs[k]!;
        on[onStart[r]! + unitsOnCount[r]!++] = i;
      }
    }
  }

  private freeze(u: FillUnit, rate: number, by: number, frozenMark: number): void {
    const { left, unfrozen, weight, heap } = this;
    u.frozen = frozenMark;
    u.next = rate;
    u.bottleneck = by;
    const rs = u.res;
    const ws = u.wts;
    for (let k = 0; k < rs.length; k++) {
      const r = rs[k]!;
      const w = ws === undefined ? 1 : ws[k]!;
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
