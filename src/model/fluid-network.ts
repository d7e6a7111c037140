import type { BottleneckGroup } from './bottleneck-group.ts';
import { type FlowSpec, NO_METERS } from './flow-spec.ts';
import { ACTIVE, AFTER_MILESTONE, BACKGROUND, BOTTLENECK, BYTES, CANCELLED, CAP, CAP_KIND, FINISH_AT, GROUP, LAST_SECONDS, MARK, MEMBERSHIP, NEXT, RATE, RATE_BOTTLENECK, REMAINING, ROW, VERSION } from './flow-table.ts';
import { FluidReshare } from './fluid-reshare.ts';
import { grown } from './grown-typed-array.ts';
import { MinHeap } from './min-heap.ts';

export type { FlowSpec } from './flow-spec.ts';

/** A started flow, for cancelFlow, bytesLeft and extendFlow: it goes stale (bytesLeft 0) once the flow is done. */
export type FlowHandle = number;

/**
 * The flow-level fluid model of cluster simulators: transfers are flows over shared capacities (bytes per
 * second), and whenever a flow starts or ends, or a capacity changes, rates are re-shared max-min fairly by
 * progressive filling. Only the connected component around what changed is re-shared (flows that share no
 * capacity with the change keep their rates), and flows ending at the same instant are handled as one event,
 * so a symmetric fleet of thousands of nodes costs a handful of events per layer. Flows one saturated
 * capacity sets move as a bottleneck group (bottleneck-group.ts): with distinct nodes, each node's event
 * changes the group's one level, not the rate of every flow on the registry.
 */

/** Tolerance for "ends at the same instant": relative to the clock, so batches survive rounding. */
const SAME_INSTANT = 1e-9;

export class FluidNetwork extends FluidReshare {
  private readonly timers = new MinHeap<() => void>();
  /** Flows done since the last re-share: their ids are reused once it has let go of them (retire). */
  private readonly retired: number[] = [];
  private retiredCount = 0;
  /** Scratch of run(): the flows that end at this instant and the groups they end in. */
  private readonly ended: number[] = [];
  private readonly endedGroups: BottleneckGroup[] = [];
  /** Scratch of run(), parallel to `ended`: 1 where the flow reached its milestone rather than its end. */
  private readonly reached: number[] = [];
  events = 0;

  /**
   * A shared capacity in bytes per second. `kind` names it for the step's bottleneck (`registry egress`,
   * `node nic`): every flow-second is blamed on the kind of capacity that held the flow's rate down.
   */
  addResource(bytesPerSecond: number, kind = 'other'): number {
    if (!(bytesPerSecond > 0)) throw new RangeError(`a capacity must be above zero, got ${bytesPerSecond}`);
    const r = this.rows.add(bytesPerSecond, this.bound.kind(kind));
    this.flowsOn.addResource();
    this.ownGroup.push(undefined);
    this.memberGroup.push(undefined);
    this.fitResources(r + 1);
    return r;
  }

  setCapacity(resource: number, bytesPerSecond: number): void {
    if (!(bytesPerSecond > 0)) throw new RangeError(`a capacity must be above zero, got ${bytesPerSecond}`);
    if (this.rows.capacity[resource] === bytesPerSecond) return;
    this.rows.capacity[resource] = bytesPerSecond;
    this.dirtyResources.add(resource);
  }

  /** Runs `fn` at `seconds` on the virtual clock (not before now). */
  at(seconds: number, fn: () => void): void {
    this.timers.push(Math.max(seconds, this.now), fn);
  }

  /** Starts a flow; returns its handle for cancelFlow (none for a flow of no bytes: it ends at once). */
  startFlow(spec: FlowSpec): FlowHandle | undefined {
    if (spec.bytes <= 0) {
      this.at(this.now, () => spec.onDone());
      return undefined;
    }
    // Read once each: a spec may build its lists when asked (a peer transfer fills lists it shares).
    const resources = spec.resources;
    if (resources.length === 0 && spec.capBytesPerSecond === undefined) throw new Error('a flow needs at least one finite capacity');
    const milestone = spec.milestoneBytes;
    if (milestone !== undefined && !(milestone > 0 && milestone < spec.bytes)) throw new RangeError(`a milestone must fall inside the flow's ${spec.bytes} bytes, got ${milestone}`);
    const t = this.t;
    const f = t.allocate(spec, spec.meters ?? NO_METERS, resources, spec.weights);
    const o = f * ROW;
    const d = t.d;
    const ints = t.i;
    d[o + BYTES] = spec.bytes;
    d[o + REMAINING] = milestone ?? spec.bytes;
    d[o + AFTER_MILESTONE] = milestone === undefined ? 0 : spec.bytes - milestone;
    d[o + RATE] = 0;
    d[o + LAST_SECONDS] = this.now;
    d[o + FINISH_AT] = 0;
    d[o + NEXT] = 0;
    d[o + CAP] = spec.capBytesPerSecond ?? Number.NaN;
    // A reused id's version and membership go on from its last flow's: entries of that flow stay stale.
    ints[o + VERSION]!++;
    ints[o + MEMBERSHIP]!++;
    ints[o + MARK] = 0;
    ints[o + BOTTLENECK] = -1;
    ints[o + RATE_BOTTLENECK] = -1;
    ints[o + CAP_KIND] = this.bound.kind(spec.capKind ?? 'stream ceiling');
    ints[o + GROUP] = -1;
    t.flags[f] = ACTIVE | (spec.background === true ? BACKGROUND : 0);
    for (let k = 0; k < resources.length; k++) this.flowsOn.add(resources[k]!, f);
    if (this.dirtyFlowCount === this.dirtyFlows.length) this.dirtyFlows = grown(this.dirtyFlows, this.dirtyFlowCount + 1);
    this.dirtyFlows[this.dirtyFlowCount++] = f;
    return t.handle(f);
  }

  /**
   * Ends a flow without its callbacks (a duplicate made redundant), in a group or not: the bytes it moved count
   * in its meters, its resources are re-shared. One that ended at this instant loses its pending callback.
   */
  cancelFlow(handle: FlowHandle): void {
    const t = this.t;
    const f = t.idOf(handle);
    if (f < 0 || (t.flags[f]! & CANCELLED) !== 0) return;
    t.flags[f]! |= CANCELLED;
    if (!this.isActive(f)) return;
    const g = this.groupOf(f);
    if (g === undefined) this.settle(f);
    else this.leave(f, true);
    // Its entry may have been the group's next completion.
    if (g !== undefined && g.size > 0) this.scheduleGroup(g);
    const o = f * ROW;
    this.finish(f, t.d[o + BYTES]! - t.d[o + REMAINING]! - t.d[o + AFTER_MILESTONE]!);
  }

  /** Bytes a started flow has still to move as of now (0 once it ended), its milestone's rest included. */
  bytesLeft(handle: FlowHandle): number {
    const t = this.t;
    const f = t.idOf(handle);
    if (f < 0 || !this.isActive(f)) return 0;
    const o = f * ROW;
    const g = this.groupOf(f);
    const left = g === undefined ? t.d[o + REMAINING]! - t.d[o + RATE]! * (this.now - t.d[o + LAST_SECONDS]!) : t.d[o + FINISH_AT]! - (g.virtual + g.rate * (this.now - g.since));
    return Math.max(0, left) + t.d[o + AFTER_MILESTONE]!;
  }

  /** Whether a started flow still runs (not done, not cancelled; one done at this instant waits for its callback, not running). */
  isRunning(handle: FlowHandle): boolean {
    const f = this.t.idOf(handle);
    return f >= 0 && this.isActive(f);
  }

  /** A started flow's own cap (its spec's capBytesPerSecond), undefined when it has none. */
  capOf(handle: FlowHandle): number | undefined {
    const f = this.t.idOf(handle);
    const cap = f < 0 ? Number.NaN : this.t.d[f * ROW + CAP]!;
    return Number.isNaN(cap) ? undefined : cap;
  }

  /** Whether a started flow is now a member of a bottleneck group (tests look inside). */
  inGroup(handle: FlowHandle): boolean {
    const f = this.t.idOf(handle);
    return f >= 0 && this.isActive(f) && this.groupOf(f) !== undefined;
  }

  /** Advances the clock event by event until no flow or timer is left. */
  run(): void {
    for (;;) {
      this.reshare();
      // Entries of flows whose rate changed since are stale: drop them so they cost no event.
      for (let top = this.completions.peekValue(); top !== undefined && !this.current(top, this.completions.peekTag()); top = this.completions.peekValue()) this.completions.pop();
      const next = Math.min(this.completions.peekKey(), this.timers.peekKey());
      if (next === Number.POSITIVE_INFINITY) return;
      this.now = Math.max(this.now, next);
      this.events++;
      const horizon = this.now + SAME_INSTANT * Math.max(1, this.now);
      const ended = this.ended;
      const groups = this.endedGroups;
      let endedCount = 0;
      let groupCount = 0;
      while (this.completions.peekKey() <= horizon) {
        const unit = this.completions.pop()!;
        if (!this.current(unit, this.completions.poppedTag)) continue;
        if (unit < 0) {
          const g = this.groupOfUnit(unit);
          this.blame(g.resource, g.advance(this.now));
          endedCount = g.takeFinished(g.virtual + g.rate * (horizon - this.now), ended, endedCount);
          groups[groupCount++] = g;
        } else ended[endedCount++] = unit;
      }
      // A flow at its milestone goes on (its rate unchanged, so nothing to re-share); the others are done.
      const reached = this.reached;
      const t = this.t;
      for (let i = 0; i < endedCount; i++) {
        const f = ended[i]!;
        reached[i] = t.d[f * ROW + AFTER_MILESTONE]! > 0 ? 1 : 0;
        if (reached[i] === 1) this.passMilestone(f);
        else this.finish(f);
      }
      for (let i = 0; i < groupCount; i++) if (groups[i]!.size > 0) this.scheduleGroup(groups[i]!);
      for (let i = 0; i < endedCount; i++) {
        const f = ended[i]!;
        if ((t.flags[f]! & CANCELLED) !== 0) continue;
        const spec = t.spec[f]!;
        if (reached[i] === 1) spec.onMilestone?.();
        else spec.onDone();
      }
      while (this.timers.peekKey() <= horizon) this.timers.pop()!();
    }
  }

  /** The flow is done (or cancelled): off its resources and meters; its id is reused after the next re-share. */
  private finish(f: number, movedBytes = this.t.d[f * ROW + BYTES]!): void {
    const t = this.t;
    if (t.i[f * ROW + GROUP] !== -1) this.leave(f, true);
    this.countBound(f, -1, false);
    t.flags[f]! &= ~ACTIVE;
    t.d[f * ROW + REMAINING] = 0;
    this.setRate(f, 0);
    const s = t.stride;
    for (let k = f * s, end = k + t.resCount[f]!; k < end; k++) {
      const r = t.res[k]!;
      this.flowsOn.delete(r, f);
      // Reset when no flow of its own is left, so rounding in the running sum never outlives the flows.
      if (this.flowsOn.size(r) === 0) this.rows.load[r] = 0;
      this.freedResources.add(r);
      this.refreshThreshold(r);
    }
    for (const m of t.meters[f]!) this.meterBytes[m]! += movedBytes;
    this.retired[this.retiredCount++] = f;
  }

  /** Re-shares what the changes since the last event touch, then records meter changes. */
  private reshare(): void {
    this.reshareChanges();
    // Done flows' ids are free again: nothing of this event refers to them any more (callbacks ran, lists are let go).
    for (let i = 0; i < this.retiredCount; i++) this.t.release(this.retired[i]!);
    this.retiredCount = 0;
    this.recordMeters();
  }

}
