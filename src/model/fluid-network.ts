import { BottleneckGroup, type Flow, type FlowSpec, NO_METERS } from './bottleneck-group.ts';
import { FluidLedger, SLACK } from './fluid-ledger.ts';
import { FlowList } from './flow-list.ts';
import { grownInt32, IdSet } from './id-set.ts';
import { MaxMinCheck } from './max-min-check.ts';
import { MinHeap } from './min-heap.ts';
import { type FillUnit, ProgressiveFill } from './progressive-fill.ts';
import { RESHARE_REACH } from './reshare-reach.ts';

export type { FlowSpec, Flow as FlowHandle } from './bottleneck-group.ts';

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

export class FluidNetwork extends FluidLedger {
  /** Units a re-share may take in beyond what its changes touch (RESHARE_REACH; Infinity: exact max-min always). */
  constructor(private readonly reach = RESHARE_REACH) {
    super();
  }

  private readonly timers = new MinHeap<() => void>();
  private readonly dirtyResources = new IdSet();
  /** Resources a flow left since the last re-share: only what was bound there can gain from it. */
  private readonly freedResources = new IdSet();
  /** Flows started since the last re-share (the first dirtyFlowCount entries; each is started once). */
  private readonly dirtyFlows: Array<Flow | undefined> = [];
  private dirtyFlowCount = 0;
  private markEpoch = 0;
  /**
   * The re-share in progress: its epoch (units' mark) and its units. Scratch lists here are used up to a
   * count and never emptied by length: V8 frees an array's storage when its length is set to 0, and these
   * are refilled at every event.
   */
  private epoch = 0;
  private readonly units: FillUnit[] = [];
  private unitCount = 0;
  private readonly liveUnits: FillUnit[] = [];
  /** Scratch of run(): the flows that end at this instant and the groups they end in. */
  private readonly ended: Flow[] = [];
  private readonly endedGroups: BottleneckGroup[] = [];
  /** Scratch of run(), parallel to `ended`: 1 where the flow reached its milestone rather than its end. */
  private readonly reached: number[] = [];
  /** Scratch of attachMembers: the resources of the fill in progress (typed: a plain array first written far out is a slow dictionary). */
  private setMark = new Int32Array(64);
  private setEpoch = 0;
  private readonly touched: number[] = [];
  private readonly filler = new ProgressiveFill();
  private readonly check = new MaxMinCheck(this.filler, this.capacity, this.flowsOn, this.ownGroup, this.memberGroup, this.boundOwn, this.boundHeld);
  /** Scratch of a re-share, per resource: how many flows froze at it. */
  private frozenAt = new Int32Array(64);
  events = 0;

  /**
   * A shared capacity in bytes per second. `kind` names it for the step's bottleneck (`registry egress`,
   * `node nic`): every flow-second is blamed on the kind of capacity that held the flow's rate down.
   */
  addResource(bytesPerSecond: number, kind = 'other'): number {
    if (!(bytesPerSecond > 0)) throw new RangeError(`a capacity must be above zero, got ${bytesPerSecond}`);
    this.capacity.push(bytesPerSecond);
    this.resourceKind.push(this.bound.kind(kind));
    this.flowsOn.push(new FlowList(this.capacity.length - 1));
    this.load.push(0);
    this.ownGroup.push(undefined);
    this.memberGroup.push(undefined);
    this.memberCount.push(0);
    this.memberWeight.push(0);
    this.thresholdVersion.push(0);
    this.boundOwn.push(0);
    this.boundHeld.push(0);
    if (this.capacity.length > this.frozenAt.length) [this.frozenAt, this.setMark] = [grownInt32(this.frozenAt, this.capacity.length), grownInt32(this.setMark, this.capacity.length)];
    return this.capacity.length - 1;
  }

  setCapacity(resource: number, bytesPerSecond: number): void {
    if (!(bytesPerSecond > 0)) throw new RangeError(`a capacity must be above zero, got ${bytesPerSecond}`);
    if (this.capacity[resource] === bytesPerSecond) return;
    this.capacity[resource] = bytesPerSecond;
    this.dirtyResources.add(resource);
  }

  /** Runs `fn` at `seconds` on the virtual clock (not before now). */
  at(seconds: number, fn: () => void): void {
    this.timers.push(Math.max(seconds, this.now), fn);
  }

  /** Starts a flow; returns its handle for cancelFlow (none for a flow of no bytes: it ends at once). */
  startFlow(spec: FlowSpec): Flow | undefined {
    if (spec.bytes <= 0) {
      this.at(this.now, () => spec.onDone());
      return undefined;
    }
    if (spec.resources.length === 0 && spec.capBytesPerSecond === undefined) throw new Error('a flow needs at least one finite capacity');
    const milestone = spec.milestoneBytes;
    if (milestone !== undefined && !(milestone > 0 && milestone < spec.bytes)) throw new RangeError(`a milestone must fall inside the flow's ${spec.bytes} bytes, got ${milestone}`);
    const flow: Flow = {
      spec,
      bytes: spec.bytes,
      meters: spec.meters ?? NO_METERS,
      capKind: this.bound.kind(spec.capKind ?? 'stream ceiling'),
      background: spec.background === true,
      res: spec.resources,
      wts: spec.weights,
      cap: spec.capBytesPerSecond,
      remaining: milestone ?? spec.bytes,
      afterMilestone: milestone === undefined ? 0 : spec.bytes - milestone,
      rate: 0,
      lastSeconds: this.now,
      version: 0,
      active: true,
      cancelled: false,
      mark: 0,
      next: 0,
      bottleneck: -1,
      rateBottleneck: -1,
      frozen: 0,
      group: undefined,
      finishAt: 0,
      membership: 0,
      slots: new Array<number>(spec.resources.length).fill(-1),
    };
    for (const r of spec.resources) this.flowsOn[r]!.add(flow);
    this.dirtyFlows[this.dirtyFlowCount++] = flow;
    return flow;
  }

  /**
   * Ends a flow without its callbacks (a duplicate made redundant), in a group or not: the bytes it moved count
   * in its meters, its resources are re-shared. One that ended at this instant loses its pending callback.
   */
  cancelFlow(flow: Flow): void {
    if (flow.cancelled) return;
    flow.cancelled = true;
    if (!flow.active) return;
    const g = flow.group;
    if (g === undefined) this.settle(flow);
    else this.leave(flow, true);
    // Its entry may have been the group's next completion.
    if (g !== undefined && g.size > 0) this.scheduleGroup(g);
    this.finish(flow, flow.bytes - flow.remaining - flow.afterMilestone);
  }

  /** Bytes a started flow has still to move as of now (0 once it ended), its milestone's rest included. */
  bytesLeft(flow: Flow): number {
    if (!flow.active) return 0;
    const g = flow.group;
    const left = g === undefined ? flow.remaining - flow.rate * (this.now - flow.lastSeconds) : flow.finishAt - (g.virtual + g.rate * (this.now - g.since));
    return Math.max(0, left) + flow.afterMilestone;
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
        if (unit instanceof BottleneckGroup) {
          this.blame(unit.resource, unit.advance(this.now));
          endedCount = unit.takeFinished(unit.virtual + unit.rate * (horizon - this.now), ended, endedCount);
          groups[groupCount++] = unit;
        } else ended[endedCount++] = unit;
      }
      // A flow at its milestone goes on (its rate unchanged, so nothing to re-share); the others are done.
      const reached = this.reached;
      for (let i = 0; i < endedCount; i++) {
        const f = ended[i]!;
        reached[i] = f.afterMilestone > 0 ? 1 : 0;
        if (reached[i] === 1) this.passMilestone(f);
        else this.finish(f);
      }
      for (let i = 0; i < groupCount; i++) if (groups[i]!.size > 0) this.scheduleGroup(groups[i]!);
      for (let i = 0; i < endedCount; i++) {
        const { spec, cancelled } = ended[i]!;
        if (cancelled) continue;
        if (reached[i] === 1) spec.onMilestone?.();
        else spec.onDone();
      }
      while (this.timers.peekKey() <= horizon) this.timers.pop()!();
    }
  }

  private finish(flow: Flow, movedBytes = flow.bytes): void {
    if (flow.group !== undefined) this.leave(flow, true);
    this.countBound(flow, -1, false);
    flow.active = false;
    flow.remaining = 0;
    this.setRate(flow, 0);
    for (const r of flow.res) {
      const on = this.flowsOn[r]!;
      on.delete(flow);
      // Reset when no flow of its own is left, so rounding in the running sum never outlives the flows.
      if (on.size === 0) this.load[r] = 0;
      this.freedResources.add(r);
      this.refreshThreshold(r);
    }
    for (const m of flow.meters) this.meterBytes[m]! += movedBytes;
  }

  /** Re-shares what the changes since the last event touch, then records meter changes. */
  private reshare(): void {
    if (this.dirtyFlowCount > 0 || this.dirtyResources.size > 0 || this.freedResources.size > 0) {
      this.reshareLocally();
      // Let go of the started flows (the list keeps its storage; a stale entry would keep a flow alive).
      this.dirtyFlows.fill(undefined, 0, this.dirtyFlowCount);
      this.dirtyFlowCount = 0;
      this.dirtyResources.clear();
      this.freedResources.clear();
    }
    this.recordMeters();
  }

  /**
   * Incremental max-min: re-fill only the flows on what changed (a group as one unit), holding every other
   * flow's rate as a background load, then check the others still hold max-min (each still saturates its
   * bottleneck with the largest rate there, and none exceeds the level a re-filled flow was frozen at).
   * Where one does not, its resource's flows join the re-fill and it runs again, up to the reach
   * (reshare-reach.ts) past what the changes touch; without one that could be the whole connected component,
   * as a full re-share would be. A group's members on a resource the fill touches
   * leave it first (their rates are re-shared there), and a group that reaches its threshold lets the
   * members that bind there go. Flows far from the change keep their rates and completion entries; a
   * group's change of level is one number.
   */
  private reshareLocally(): void {
    this.epoch = ++this.markEpoch;
    const units = this.units;
    this.unitCount = 0;
    for (let i = 0; i < this.dirtyFlowCount; i++) this.addFlow(this.dirtyFlows[i]!);
    for (let i = 0; i < this.dirtyResources.size; i++) this.addOn(this.dirtyResources.at(i));
    // Room freed on a resource nobody is bound at (not full) changes no rate: its flows are held elsewhere.
    for (let i = 0; i < this.freedResources.size; i++) {
      const r = this.freedResources.at(i);
      if (this.ownGroup[r] !== undefined || this.boundAt(r)) this.addOn(r);
    }
    const live = this.liveUnits;
    const resources = this.filler.resources;
    // What the changes touch is always re-filled; the widening past it is what the reach bounds.
    const reach = this.unitCount + this.reach;
    let resourceCount: number;
    for (;;) {
      const size = this.unitCount;
      this.attachMembers();
      let liveCount = 0;
      for (let i = 0; i < size; i++) {
        const u = units[i]!;
        if (!(u instanceof BottleneckGroup)) live[liveCount++] = u;
        else if (u.size > 0) {
          const threshold = u.threshold(this.isLive);
          u.cap = threshold === Number.POSITIVE_INFINITY ? undefined : threshold;
          live[liveCount++] = u;
        }
      }
      // The fill moves its flows' bottlenecks: they count where it froze them.
      for (let i = 0; i < liveCount; i++) if (!(live[i] instanceof BottleneckGroup)) this.countBound(live[i] as Flow, -1, true);
      resourceCount = this.filler.fill(live, liveCount, this.capacity, this.loadOf);
      for (let i = 0; i < liveCount; i++) if (!(live[i] instanceof BottleneckGroup)) this.countBound(live[i] as Flow, 1, true);
      // Widened only while within reach: past it, what is out of line waits for a change that touches it.
      if (this.unitCount < reach) for (let k = 0; k < resourceCount; k++) if (this.check.violated(resources[k]!, this.epoch)) this.addOn(resources[k]!);
      // A group frozen anywhere but at its capacity: the members that bind there go on their own.
      for (let i = 0; i < liveCount; i++) {
        const u = live[i]!;
        if (!(u instanceof BottleneckGroup) || u.size === 0 || u.bottleneck === u.resource) continue;
        if (u.bottleneck < 0) this.releaseAt(u, u.next);
        else this.releaseOn(u, u.bottleneck, true);
      }
      if (this.unitCount === size) break;
    }
    const unitCount = this.unitCount;
    for (let i = 0; i < unitCount; i++) if (units[i]!.bottleneck >= 0) this.boundHeld[units[i]!.bottleneck] = 0;
    for (let i = 0; i < unitCount; i++) {
      const u = units[i]!;
      if (!(u instanceof BottleneckGroup)) this.setRate(u as Flow, u.next);
      else if (u.size > 0) this.setLevel(u, u.next);
    }
    // Members on a resource the fill left full are bound there as much as by their group: they go on their
    // own (a later change of their group's level would miss that resource's other flows). Elsewhere the
    // members' threshold at the resource moves with its new load.
    for (let k = 0; k < resourceCount; k++) {
      const r = resources[k]!;
      const g = this.memberGroup[r];
      if (g === undefined) continue;
      if (this.capacity[r]! - this.loadOf(r) <= SLACK * this.capacity[r]!) this.releaseOn(g, r, false);
      else this.refreshThreshold(r);
    }
    // A new group only where several flows froze together: a lone flow gains nothing from one, and its
    // group would keep the flows sharing its other capacities out of theirs.
    const frozenAt = this.frozenAt;
    for (let i = 0; i < unitCount; i++) {
      const u = units[i]!;
      if (!(u instanceof BottleneckGroup) && u.bottleneck >= 0) frozenAt[u.bottleneck] = (frozenAt[u.bottleneck] ?? 0) + 1;
    }
    for (let i = 0; i < unitCount; i++) {
      const u = units[i]!;
      if (!(u instanceof BottleneckGroup)) this.tryJoin(u as Flow, frozenAt[u.bottleneck] ?? 0);
    }
    for (let i = 0; i < unitCount; i++) if (units[i]!.bottleneck >= 0) frozenAt[units[i]!.bottleneck] = 0;
  }

  /** Gives each group in the re-share the resources of the fill its members use besides its capacity. */
  private attachMembers(): void {
    const mark = ++this.setEpoch;
    const touched = this.touched;
    let touchedCount = 0;
    for (let i = 0; i < this.unitCount; i++) {
      const u = this.units[i]!;
      if (u instanceof BottleneckGroup) {
        u.res.length = 1;
        u.wts.length = 1;
        u.wts[0] = u.ownWeight;
      }
      for (const r of u.res) {
        if (this.setMark[r] === mark) continue;
        this.setMark[r] = mark;
        touched[touchedCount++] = r;
      }
    }
    for (let k = 0; k < touchedCount; k++) {
      const r = touched[k]!;
      const g = this.memberGroup[r];
      if (g === undefined || g.mark !== this.epoch || g.size === 0) continue;
      g.res.push(r);
      g.wts.push(this.memberWeight[r]!);
    }
  }

  private addUnit(u: FillUnit): void {
    if (u.mark !== this.epoch) {
      u.mark = this.epoch;
      if (!(u instanceof BottleneckGroup) && u.bottleneck >= 0) this.boundHeld[u.bottleneck]!++;
      this.units[this.unitCount++] = u;
    }
  }

  private addFlow(f: Flow): void {
    if (f.active) this.addUnit(f);
  }

  /** Every unit on `r` joins the re-share: its flows of their own, its group, and the groups of members on it. */
  private addOn(r: number): void {
    const { items, end } = this.flowsOn[r]!;
    for (let i = 0; i < end; i++) {
      const f = items[i];
      if (f === undefined) continue;
      if (f.group !== undefined) this.addUnit(f.group);
      else this.addFlow(f);
    }
    const own = this.ownGroup[r];
    if (own !== undefined) this.addUnit(own);
  }

  /** A group reached its threshold: the members whose other capacity (or own cap) binds there leave it. */
  private releaseAt(g: BottleneckGroup, level: number): void {
    for (const t of g.takeThresholds(level * (1 + 1e-12), this.isLive)) {
      if (t.flow === undefined) this.releaseOn(g, t.resource, true);
      else if (t.flow.group === g) {
        this.leave(t.flow, false);
        this.addFlow(t.flow);
      }
    }
  }

  /** The group's members on `r` leave it; into the re-share in progress when `refill`. */
  private releaseOn(g: BottleneckGroup, r: number, refill: boolean): void {
    const list = this.flowsOn[r]!;
    // leave() adds the flow to its group's capacity's list, never to this one (r is not the group's capacity).
    for (let i = 0; i < list.end; i++) {
      const f = list.items[i];
      if (f === undefined || f.group !== g) continue;
      this.leave(f, false);
      if (refill) this.addFlow(f);
    }
  }
}
