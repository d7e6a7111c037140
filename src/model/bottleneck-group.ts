import { MinHeap } from './min-heap.ts';
import type { FillUnit } from './progressive-fill.ts';

export interface FlowSpec {
  readonly bytes: number;
  /** Resource ids (from addResource); unlimited resources are simply left out. */
  readonly resources: readonly number[];
  /**
   * Per resource (parallel to `resources`), what one byte per second of this flow uses of it; 1 if unset.
   * A disk shared by reads and writes of different speeds is one device: capacity 1 (all of its time),
   * a write weighs 1/writeRate and a read 1/readRate.
   */
  readonly weights?: readonly number[] | undefined;
  /** Most this one flow may reach on its own, bytes per second (a TCP stream's ceiling). */
  readonly capBytesPerSecond?: number | undefined;
  /** Meters this flow's rate and bytes count towards. */
  readonly meters?: readonly number[];
  /** What binds the flow when its own cap does (a TCP stream's ceiling, one request's work on one core). */
  readonly capKind?: string;
  /**
   * Work no node waits for (write-back behind a node's writes): it takes its share of the capacities it
   * crosses, but its own flow-time is not blamed on them (a step's bottleneck is what held the pulls), and it
   * never joins a bottleneck group (whose blame counts every member).
   */
  readonly background?: boolean;
  /**
   * After its first `milestoneBytes`, `onMilestone` runs and the flow goes on at its rate: a transfer whose
   * first part matters on its own (a P2P chunk's first piece, after which the node relays it) costs no
   * re-share there.
   */
  readonly milestoneBytes?: number | undefined;
  onMilestone?(): void;
  /** Called on the spec (a class may implement FlowSpec with methods, and so make no closures per flow). */
  onDone(): void;
}

/** The meters of a flow that counts towards none (one list for all of them). */
export const NO_METERS: readonly number[] = [];

/** A transfer in the fluid model: on its own (its rate is its own), or a member of a bottleneck group. */
export interface Flow extends FillUnit {
  readonly spec: FlowSpec;
  /**
   * The spec's bytes, meters and background, copied at start: specs are objects of many shapes (a class per
   * kind of transfer, literals elsewhere), and reading them where every event goes was megamorphic (P2P at
   * 2,000 nodes: about 5% of the CPU).
   */
  readonly bytes: number;
  readonly meters: readonly number[];
  readonly background: boolean;
  /** The id of what binds it when its own cap does (spec.capKind, by default a stream's ceiling). */
  readonly capKind: number;
  /** Bytes left as of `lastSeconds` (on its own; a member's are its finishAt less the group's virtual bytes). */
  remaining: number;
  /** Bytes after the milestone not yet counted in `remaining` (0 once the milestone is passed, or without one). */
  afterMilestone: number;
  lastSeconds: number;
  /** Bumped on every rate change, so stale completion-heap entries are skipped. */
  version: number;
  active: boolean;
  /** Set by cancelFlow: its callbacks never run. */
  cancelled: boolean;
  /** `bottleneck` as it was when the current rate was set: what the time at that rate is blamed on. */
  rateBottleneck: number;
  group: BottleneckGroup | undefined;
  /** As a member: the group's virtual bytes at which it is done. */
  finishAt: number;
  /** Bumped on joining and leaving a group, so its entries in the group's heaps go stale. */
  membership: number;
  /** Per resource (parallel to `res`): the flow's slot in that resource's FlowList, -1 when not in it. */
  readonly slots: number[];
}

/** Where a member's rate would stop being set by its group: another capacity of its filling, or its own cap. */
interface Threshold {
  readonly resource: number;
  readonly version: number;
  readonly flow: Flow | undefined;
}

/**
 * The flows whose rate a saturated capacity sets (they froze at it, and nothing else of theirs is full):
 * they all move at one rate, the group's level, so a change of the level is one number, not one per flow.
 * Progress is a shared virtual clock (bytes each member has moved since the group began); each member is
 * done at its own point on it, kept in a heap, so the group has one completion entry however many flows
 * it holds. In a re-share the group is one fill unit on its capacity (and on the members' other resources the
 * fill touches), capped by its threshold: the lowest level at which some member's other capacity would fill
 * (or its own cap). Frozen anywhere but at its capacity, the members that bind there leave the group and
 * are re-shared as flows of their own.
 */
export class BottleneckGroup implements FillUnit {
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
  frozen = 0;
  size = 0;
  /** Bytes each member has moved since the group began, as of `since`. */
  virtual = 0;
  since: number;
  /** Bumped when the group's completion entry is re-pushed. */
  version = 0;
  /** The finish point its completion entry was pushed for. */
  scheduledFinish = Number.POSITIVE_INFINITY;
  /** Members by finish point, tagged with their membership when pushed (an older one is stale). */
  readonly finish = new MinHeap<Flow>();
  readonly thresholds = new MinHeap<Threshold>();
  /** The meters the members count towards, and how many of them count towards each (parallel arrays). */
  readonly meters: number[] = [];
  readonly meterCounts: number[] = [];

  constructor(
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

  addFinish(flow: Flow): void {
    this.finish.push(flow.finishAt, flow, flow.membership);
    if (this.finish.size > 2 * this.size + 32) this.finish.retain((f, membership) => f.group === this && f.membership === membership);
  }

  /** The earliest finish point of a member still in the group (Infinity when none). */
  earliestFinish(): number {
    for (let f = this.finish.peekValue(); f !== undefined && (f.group !== this || f.membership !== this.finish.peekTag()); f = this.finish.peekValue()) this.finish.pop();
    return this.finish.peekKey();
  }

  /** Members whose finish point is at or before `virtual`, taken out of the finish heap into `out` from `at` on; returns where they end. */
  takeFinished(virtual: number, out: Flow[], at: number): number {
    let end = at;
    while (this.earliestFinish() <= virtual) out[end++] = this.finish.pop()!;
    return end;
  }

  addThreshold(key: number, resource: number, version: number, flow: Flow | undefined): void {
    this.thresholds.push(key, { resource, version, flow });
  }

  /** Drops threshold entries that no longer hold (`live` says which do); returns the lowest one left. */
  threshold(live: (t: Threshold) => boolean): number {
    if (this.thresholds.size > 8 * this.size + 64) this.thresholds.retain(live);
    for (let t = this.thresholds.peekValue(); t !== undefined && !live(t); t = this.thresholds.peekValue()) this.thresholds.pop();
    return this.thresholds.peekKey();
  }

  /** Takes the thresholds at or below `key` that still hold: what binds the group there. */
  takeThresholds(key: number, live: (t: Threshold) => boolean): Threshold[] {
    const out: Threshold[] = [];
    while (this.threshold(live) <= key) out.push(this.thresholds.pop()!);
    return out;
  }
}

export type { Threshold };
