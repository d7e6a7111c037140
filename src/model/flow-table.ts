import { type FlowSpec, NO_METERS } from './flow-spec.ts';
import { grown } from './grown-typed-array.ts';

/** Most resources one flow crosses; the table's stride per flow for them (grown when a flow needs more). */
const INITIAL_RESOURCE_STRIDE = 8;

/** Flow ids run below this; a handle packs a flow's id with its id's use count above it. */
const ID_SPACE = 2 ** 23;

/**
 * Every flow of a fluid network, as rows of typed arrays indexed by a flow id: a flow's numbers lie together in
 * one stride (its doubles in one cache line), and nothing of a flow is a JS object but its spec. At 10,000 nodes
 * a P2P pull keeps tens of thousands of flows in flight: as objects (eight boxed doubles and a slot array each)
 * they were most of what every scavenge copied (session 35's profile). Ids are reused once their flow is done;
 * a reused id's version and membership go on counting, so queue entries of its earlier flow stay stale.
 */
export class FlowTable {
  /** Per id, 8 doubles: the flow's bytes, bytes left, bytes after its milestone, rate, last settle, finish point, fill's next rate, cap (NaN: none). */
  d = new Float64Array(0);
  /** Per id, 8 ints: version, re-share mark, bottleneck, rate's bottleneck, membership, cap kind, group (-1: none), and one spare. */
  i = new Int32Array(0);
  /** Per id: 1 active, 2 cancelled, 4 background. */
  flags = new Uint8Array(0);
  /** Per id: how many times the id was handed out (a handle's check). */
  uses = new Int32Array(0);
  /** Per id: its resources, weights (1 where the spec gives none) and slots in each resource's list (flow-list.ts; -1: not in it), `stride` per id. */
  res = new Int32Array(0);
  wts = new Float64Array(0);
  slots = new Int32Array(0);
  resCount = new Int32Array(0);
  stride = INITIAL_RESOURCE_STRIDE;
  readonly spec: Array<FlowSpec | undefined> = [];
  readonly meters: Array<readonly number[]> = [];
  private capacity = 0;
  private readonly free: number[] = [];
  private next = 0;

  /** A new flow's id, its resources laid out; the caller sets the rest of its row (version and membership go on counting). */
  allocate(spec: FlowSpec, meters: readonly number[], resources: readonly number[], weights: readonly number[] | undefined): number {
    if (resources.length > this.stride) this.widen(resources.length);
    const id = this.free.length > 0 ? this.free.pop()! : this.next++;
    if (id >= this.capacity) this.grow(Math.max(64, this.capacity * 2));
    if (id >= ID_SPACE) throw new RangeError(`more than ${ID_SPACE} flows in flight at once`);
    this.uses[id]!++;
    this.spec[id] = spec;
    this.meters[id] = meters;
    const s = this.stride;
    for (let k = 0; k < resources.length; k++) {
      this.res[id * s + k] = resources[k]!;
      this.wts[id * s + k] = weights === undefined ? 1 : weights[k]!;
      this.slots[id * s + k] = -1;
    }
    this.resCount[id] = resources.length;
    return id;
  }

  /** The id goes back for reuse; its spec and meters are let go (its callbacks' closures with them). */
  release(id: number): void {
    this.spec[id] = undefined;
    this.meters[id] = NO_METERS;
    this.free.push(id);
  }

  handle(id: number): number {
    return this.uses[id]! * ID_SPACE + id;
  }

  /** The id of a handle's flow, or -1 when its id has been reused since (the flow is long done). */
  idOf(handle: number): number {
    const id = handle % ID_SPACE;
    return this.uses[id] === (handle - id) / ID_SPACE ? id : -1;
  }

  private grow(rows: number): void {
    this.d = grown(this.d, rows * ROW);
    this.i = grown(this.i, rows * ROW);
    this.flags = grown(this.flags, rows);
    this.uses = grown(this.uses, rows);
    this.res = grown(this.res, rows * this.stride);
    this.wts = grown(this.wts, rows * this.stride);
    this.slots = grown(this.slots, rows * this.stride);
    this.resCount = grown(this.resCount, rows);
    this.capacity = rows;
  }

  /** Re-lays the per-resource rows at a wider stride (a flow crossing more resources than any before). */
  private widen(atLeast: number): void {
    const from = this.stride;
    const to = Math.max(atLeast, from * 2);
    const relay = <T extends Float64Array | Int32Array>(old: T, make: (n: number) => T): T => {
      const out = make(this.capacity * to);
      for (let id = 0; id < this.capacity; id++) out.set(old.subarray(id * from, id * from + from), id * to);
      return out;
    };
    this.res = relay(this.res, (n) => new Int32Array(n));
    this.wts = relay(this.wts, (n) => new Float64Array(n));
    this.slots = relay(this.slots, (n) => new Int32Array(n));
    this.stride = to;
  }
}

/** A flow's row: 8 doubles in FlowTable.d and 8 ints in FlowTable.i from id * ROW (its doubles one cache line). */
export const ROW = 8;

/** Offsets in a flow's row of doubles (FlowTable.d) and of ints (FlowTable.i). */
export const BYTES = 0;
export const REMAINING = 1;
export const AFTER_MILESTONE = 2;
export const RATE = 3;
export const LAST_SECONDS = 4;
export const FINISH_AT = 5;
export const NEXT = 6;
export const CAP = 7;
export const VERSION = 0;
export const MARK = 1;
export const BOTTLENECK = 2;
export const RATE_BOTTLENECK = 3;
export const MEMBERSHIP = 4;
export const CAP_KIND = 5;
export const GROUP = 6;
export const ACTIVE = 1;
export const CANCELLED = 2;
export const BACKGROUND = 4;
