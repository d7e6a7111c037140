import { type FlowTable, GROUP, MEMBERSHIP, ROW } from './flow-table.ts';
import { MinHeap } from './min-heap.ts';

/**
 * The flows whose rate a saturated capacity sets (they froze at it, and nothing else of theirs is full):
 * they all move at one rate, the group's level, so a change of the level is one number, not one per flow.
 * Progress is a shared virtual clock (bytes each member has moved since the group began); each member is
 * done at its own point on it, kept in a heap, so the group has one completion entry however many flows
 * it holds. In a re-share the group is one fill unit on its capacity (and on the members' other resources the
 * fill touches), capped by its threshold: the lowest level at which some member's other capacity would fill
 * (or its own cap). Frozen anywhere but at its capacity, the members that bind there leave the group and
 * are re-shared as flows of their own. Members are flow ids (flow-table.ts).
 */
export class BottleneckGroup {
  /**
   * As a fill unit: its capacity, then each resource of the fill in progress its members use too (their
   * summed weight there), so a capacity both hold is shared exactly; rebuilt for every fill.
   */
  readonly res: number[];
  readonly wts: number[] = [0];
  /** Summed weight of the members on the group's capacity. */
  ownWeight = 0;
  cap: number | undefined = undefined;
  /** The level: every member's rate. */
  rate = 0;
  mark = 0;
  next = 0;
  bottleneck: number;
  size = 0;
  /** Bytes each member has moved since the group began, as of `since`. */
  virtual = 0;
  since: number;
  /** Bumped when the group's completion entry is re-pushed. */
  version = 0;
  /** The finish point its completion entry was pushed for. */
  scheduledFinish = Number.POSITIVE_INFINITY;
  /** Members by finish point, tagged with their membership when pushed (an older one is stale). */
  readonly finish = new MinHeap<number>();
  /** Thresholds by level: a member's id for its own cap, else -1 - resource; tagged with the entry's version. */
  readonly thresholds = new MinHeap<number>();
  /** The meters the members count towards, and how many of them count towards each (parallel arrays). */
  readonly meters: number[] = [];
  readonly meterCounts: number[] = [];

  constructor(
    private readonly table: FlowTable,
    /** Its place in the network's list of groups (a fill unit's id is -1 - index). */
    readonly index: number,
    readonly resource: number,
    now: number,
  ) {
    this.res = [resource];
    this.bottleneck = resource;
    this.since = now;
  }

  /** Moves the virtual clock to `now`; returns the member-seconds since the last move (for the blame). */
  advance(now: number): number {
    const dt = now - this.since;
    if (dt <= 0) return 0;
    this.virtual += this.rate * dt;
    this.since = now;
    return this.rate > 0 ? this.size * dt : 0;
  }

  countMeters(meters: readonly number[] | undefined, delta: number): void {
    if (meters === undefined) return;
    for (const m of meters) {
      const k = this.meters.indexOf(m);
      if (k >= 0) this.meterCounts[k]! += delta;
      else {
        this.meters.push(m);
        this.meterCounts.push(delta);
      }
    }
  }

  /** Is flow f still the member it was when an entry tagged `membership` was pushed? */
  private readonly member = (f: number, membership: number): boolean => this.table.i[f * ROW + GROUP] === this.index && this.table.i[f * ROW + MEMBERSHIP] === membership;

  /** Queues member `flow` at its finish point, tagged with its membership. */
  addFinish(flow: number, finishAt: number, membership: number): void {
    this.finish.push(finishAt, flow, membership);
    if (this.finish.size > 2 * this.size + 32) this.finish.retain(this.member);
  }

  /** The earliest finish point of a member still in the group (Infinity when none). */
  earliestFinish(): number {
    for (let f = this.finish.peekValue(); f !== undefined && !this.member(f, this.finish.peekTag()); f = this.finish.peekValue()) this.finish.pop();
    return this.finish.peekKey();
  }

  /** Members whose finish point is at or before `virtual`, taken out of the finish heap into `out` from `at` on; returns where they end. */
  takeFinished(virtual: number, out: number[], at: number): number {
    let end = at;
    while (this.earliestFinish() <= virtual) out[end++] = this.finish.pop()!;
    return end;
  }

  addThreshold(key: number, resource: number, version: number, flow: number): void {
    this.thresholds.push(key, flow >= 0 ? flow : -1 - resource, version);
  }

  /** Drops threshold entries that no longer hold (`live` says which do); returns the lowest one left. */
  threshold(live: (entry: number, version: number) => boolean): number {
    if (this.thresholds.size > 8 * this.size + 64) this.thresholds.retain(live);
    for (let t = this.thresholds.peekValue(); t !== undefined && !live(t, this.thresholds.peekTag()); t = this.thresholds.peekValue()) this.thresholds.pop();
    return this.thresholds.peekKey();
  }

  /** Takes the thresholds at or below `key` that still hold (what binds the group there) into `out`; returns how many. */
  takeThresholds(key: number, live: (entry: number, version: number) => boolean, out: number[]): number {
    let n = 0;
    while (this.threshold(live) <= key) out[n++] = this.thresholds.pop()!;
    return n;
  }
}

/** A threshold entry's flow (its own cap), or -1 when it is a resource's. */
export const thresholdFlow = (entry: number): number => (entry >= 0 ? entry : -1);
/** A threshold entry's resource, or -1 when it is a flow's own cap. */
export const thresholdResource = (entry: number): number => (entry >= 0 ? -1 : -1 - entry);
