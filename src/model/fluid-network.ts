import { MinHeap } from './min-heap.ts';

/**
 * The flow-level fluid model of cluster simulators: transfers are flows over shared capacities (bytes per
 * second), and whenever a flow starts or ends, or a capacity changes, rates are re-shared max-min fairly by
 * progressive filling. Only the connected component around what changed is re-shared (flows that share no
 * capacity with the change keep their rates), and flows ending at the same instant are handled as one event,
 * so a symmetric fleet of thousands of nodes costs a handful of events per layer.
 */

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
  readonly onDone: () => void;
}

interface Flow {
  readonly spec: FlowSpec;
  remaining: number;
  rate: number;
  lastSeconds: number;
  /** Bumped on every rate change, so stale completion-heap entries are skipped. */
  version: number;
  active: boolean;
  mark: number;
  /** Resource that froze this flow in the last fill, or -1 when its own cap did. */
  bottleneck: number;
  /** `bottleneck` as it was when the current rate was set: what the time at that rate is blamed on. */
  rateBottleneck: number;
  /** The rate the fill in progress gives it. */
  next: number;
}

/** Tolerance for "ends at the same instant": relative to the clock, so batches survive rounding. */
const SAME_INSTANT = 1e-9;

export class FluidNetwork {
  now = 0;
  private readonly capacity: number[] = [];
  private readonly resourceKind: string[] = [];
  /** Flow-seconds spent bound by each kind of capacity (or by a flow's own cap). */
  readonly boundSeconds = new Map<string, number>();
  private readonly flowsOn: Array<Set<Flow>> = [];
  private readonly completions = new MinHeap<{ flow: Flow; version: number }>();
  private readonly timers = new MinHeap<() => void>();
  private readonly dirtyResources = new Set<number>();
  private readonly dirtyFlows = new Set<Flow>();
  private markEpoch = 0;
  private resourceMark: number[] = [];
  // Scratch space of fill(), indexed by resource id, reused across events (no garbage per event).
  private left = new Float64Array(0);
  private unfrozen = new Int32Array(0);
  private unfrozenWeight = new Float64Array(0);
  /** Per resource: summed weight of its flows (with flowsOn's size, the fill's starting point). */
  private readonly weightOn: number[] = [];
  /** Per resource: what its flows use of it now (rate times weight, summed). */
  private readonly load: number[] = [];
  // Scratch of the local fill, indexed by resource id: the largest rate of a re-shared flow on it, and the
  // level at which it filled (Infinity when it did not).
  private maxNew = new Float64Array(0);
  private filledAt = new Float64Array(0);
  private readonly fillHeap = new MinHeap<number>();
  /** Current total rate per meter, and its history as (seconds, bytesPerSecond) change points. */
  readonly meterRate: number[] = [];
  readonly meterBytes: number[] = [];
  readonly meterHistory: Array<{ t: number[]; rate: number[] }> = [];
  private readonly changedMeters = new Set<number>();
  events = 0;

  addMeter(): number {
    this.meterRate.push(0);
    this.meterBytes.push(0);
    this.meterHistory.push({ t: [0], rate: [0] });
    return this.meterRate.length - 1;
  }

  /**
   * A shared capacity in bytes per second. `kind` names it for the step's bottleneck (`registry egress`,
   * `node nic`): every flow-second is blamed on the kind of capacity that held the flow's rate down.
   */
  addResource(bytesPerSecond: number, kind = 'other'): number {
    if (!(bytesPerSecond > 0)) throw new RangeError(`a capacity must be above zero, got ${bytesPerSecond}`);
    this.capacity.push(bytesPerSecond);
    this.resourceKind.push(kind);
    this.flowsOn.push(new Set());
    this.weightOn.push(0);
    this.load.push(0);
    this.resourceMark.push(0);
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

  startFlow(spec: FlowSpec): void {
    if (spec.bytes <= 0) {
      this.at(this.now, spec.onDone);
      return;
    }
    if (spec.resources.length === 0 && spec.capBytesPerSecond === undefined) throw new Error('a flow needs at least one finite capacity');
    const flow: Flow = { spec, remaining: spec.bytes, rate: 0, lastSeconds: this.now, version: 0, active: true, mark: 0, bottleneck: -1, rateBottleneck: -1, next: 0 };
    spec.resources.forEach((r, k) => {
      this.flowsOn[r]!.add(flow);
      this.weightOn[r]! += spec.weights?.[k] ?? 1;
    });
    this.dirtyFlows.add(flow);
  }

  /** Advances the clock event by event until no flow or timer is left. */
  run(): void {
    for (;;) {
      this.reshare();
      // Entries of flows whose rate changed since are stale: drop them so they cost no event.
      for (let top = this.completions.peekValue(); top !== undefined && (!top.flow.active || top.version !== top.flow.version); top = this.completions.peekValue()) this.completions.pop();
      const next = Math.min(this.completions.peekKey(), this.timers.peekKey());
      if (next === Number.POSITIVE_INFINITY) return;
      this.now = Math.max(this.now, next);
      this.events++;
      const horizon = this.now + SAME_INSTANT * Math.max(1, this.now);
      const ended: Flow[] = [];
      while (this.completions.peekKey() <= horizon) {
        const entry = this.completions.pop()!;
        if (entry.flow.active && entry.version === entry.flow.version) ended.push(entry.flow);
      }
      for (const flow of ended) this.finish(flow);
      for (const flow of ended) flow.spec.onDone();
      while (this.timers.peekKey() <= horizon) this.timers.pop()!();
    }
  }

  private finish(flow: Flow): void {
    flow.active = false;
    flow.remaining = 0;
    this.setRate(flow, 0);
    flow.spec.resources.forEach((r, k) => {
      const on = this.flowsOn[r]!;
      on.delete(flow);
      // Reset when empty, so rounding in the running sum never outlives the flows.
      this.weightOn[r] = on.size === 0 ? 0 : this.weightOn[r]! - (flow.spec.weights?.[k] ?? 1);
      if (on.size === 0) this.load[r] = 0;
      this.dirtyResources.add(r);
    });
    for (const m of flow.spec.meters ?? []) this.meterBytes[m]! += flow.spec.bytes;
  }

  private setRate(flow: Flow, rate: number): void {
    // An unchanged rate keeps its completion entry: re-pushing would grow the queue by every flow per event.
    if (flow.rate === rate) return;
    const elapsed = this.now - flow.lastSeconds;
    if (flow.rate > 0 && elapsed > 0) {
      const kind = flow.rateBottleneck < 0 ? (flow.spec.capKind ?? 'stream ceiling') : this.resourceKind[flow.rateBottleneck]!;
      this.boundSeconds.set(kind, (this.boundSeconds.get(kind) ?? 0) + elapsed);
    }
    flow.rateBottleneck = flow.bottleneck;
    flow.remaining = Math.max(0, flow.remaining - flow.rate * elapsed);
    flow.lastSeconds = this.now;
    for (const m of flow.spec.meters ?? []) {
      this.meterRate[m]! += rate - flow.rate;
      this.changedMeters.add(m);
    }
    const resources = flow.spec.resources;
    const weights = flow.spec.weights;
    for (let k = 0; k < resources.length; k++) this.load[resources[k]!]! += (rate - flow.rate) * (weights === undefined ? 1 : weights[k]!);
    flow.rate = rate;
    flow.version++;
    if (flow.active && rate > 0) this.completions.push(this.now + flow.remaining / rate, { flow, version: flow.version });
  }

  /** Re-shares what the changes since the last event touch, then records meter changes. */
  private reshare(): void {
    if (this.dirtyFlows.size > 0 || this.dirtyResources.size > 0) {
      this.reshareLocally();
      this.dirtyFlows.clear();
      this.dirtyResources.clear();
    }
    for (const m of this.changedMeters) {
      const h = this.meterHistory[m]!;
      const rate = Math.max(0, this.meterRate[m]!);
      if (h.t[h.t.length - 1] === this.now) h.rate[h.rate.length - 1] = rate;
      else if (h.rate[h.rate.length - 1] !== rate) {
        h.t.push(this.now);
        h.rate.push(rate);
      }
    }
    this.changedMeters.clear();
  }

  /**
   * Incremental max-min: re-fill only the flows on what changed, holding every other flow's rate as a
   * background load, then check the others still hold max-min (each still saturates its bottleneck with the
   * largest rate there, and none exceeds the level a re-filled flow was frozen at). Where one does not, its
   * resource's flows join the re-fill and it runs again; at worst that is the whole connected component,
   * as a full re-share would be. Flows far from the change keep their rates and completion entries.
   */
  private reshareLocally(): void {
    const epoch = ++this.markEpoch;
    const flows: Flow[] = [];
    const add = (f: Flow) => {
      if (f.mark !== epoch && f.active) {
        f.mark = epoch;
        flows.push(f);
      }
    };
    for (const f of this.dirtyFlows) add(f);
    for (const r of this.dirtyResources) for (const f of this.flowsOn[r]!) add(f);
    for (;;) {
      const resources = this.fillLocal(flows, epoch);
      const before = flows.length;
      for (const r of resources) {
        const saturated = this.left[r]! <= 1e-9 * this.capacity[r]!;
        const level = this.filledAt[r]!;
        const top = this.maxNew[r]!;
        let violated = false;
        for (const g of this.flowsOn[r]!) {
          if (g.mark === epoch) continue;
          const tol = 1e-9 * Math.max(1, g.rate);
          // Every flow frozen at r must have the largest rate on r (and r must stay full for its own).
          if (saturated ? g.rate > level + tol || (g.bottleneck === r && g.rate < top - tol) : g.bottleneck === r) {
            violated = true;
            break;
          }
        }
        if (violated) for (const g of this.flowsOn[r]!) add(g);
      }
      if (flows.length === before) break;
    }
    for (const f of flows) this.setRate(f, f.next);
  }

  /**
   * Progressive filling of `flows` (marked `member`): raise their rates together; freeze the flows of
   * whichever capacity fills first. Other flows' rates stay as they are and use their share of each capacity.
   * Returns the resources the flows use; leaves per resource what is left, the level it filled at, and the
   * largest rate given on it.
   */
  private fillLocal(flows: readonly Flow[], member: number): number[] {
    if (this.left.length < this.capacity.length) {
      const size = this.capacity.length * 2;
      this.left = new Float64Array(size);
      this.unfrozen = new Int32Array(size);
      this.unfrozenWeight = new Float64Array(size);
      this.maxNew = new Float64Array(size);
      this.filledAt = new Float64Array(size);
    }
    const left = this.left;
    const unfrozen = this.unfrozen;
    const weight = this.unfrozenWeight;
    const heap = this.fillHeap;
    heap.clear();
    const seen = ++this.markEpoch;
    const resources: number[] = [];
    for (const f of flows) {
      const rs = f.spec.resources;
      const ws = f.spec.weights;
      for (let k = 0; k < rs.length; k++) {
        const r = rs[k]!;
        const w = ws === undefined ? 1 : ws[k]!;
        if (this.resourceMark[r] !== seen) {
          this.resourceMark[r] = seen;
          resources.push(r);
          left[r] = this.capacity[r]! - this.load[r]!;
          unfrozen[r] = 0;
          weight[r] = 0;
          this.maxNew[r] = 0;
          this.filledAt[r] = Number.POSITIVE_INFINITY;
        }
        // What the re-filled flows use now is theirs to share again.
        left[r] = left[r]! + f.rate * w;
        unfrozen[r] = unfrozen[r]! + 1;
        weight[r] = weight[r]! + w;
      }
    }
    for (const r of resources) heap.push(Math.max(0, left[r]!) / weight[r]!, r);
    for (let i = 0; i < flows.length; i++) {
      const cap = flows[i]!.spec.capBytesPerSecond;
      if (cap !== undefined) heap.push(cap, -1 - i);
    }
    const frozenMark = ++this.markEpoch;
    let frozen = 0;
    const freeze = (f: Flow, rate: number, by: number) => {
      f.mark = frozenMark;
      frozen++;
      f.next = rate;
      f.bottleneck = by;
      const rs = f.spec.resources;
      const ws = f.spec.weights;
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
    };
    while (heap.size > 0 && frozen < flows.length) {
      const share = heap.peekKey();
      const id = heap.pop()!;
      if (id < 0) {
        const f = flows[-1 - id]!;
        if (f.mark !== frozenMark) freeze(f, share, -1);
        continue;
      }
      const n = unfrozen[id]!;
      // A stale entry: the resource's share has moved on since it was queued.
      if (n === 0 || Math.abs(Math.max(0, left[id]!) / weight[id]! - share) > 1e-12 * Math.max(1, share)) continue;
      this.filledAt[id] = share;
      for (const f of this.flowsOn[id]!) if (f.mark === member) freeze(f, share, id);
    }
    // Frozen flows carry frozenMark now; give them back their membership for the caller's checks.
    for (const f of flows) f.mark = member;
    return resources;
  }
}

/** The kind of capacity that bound the most flow-time in a step: what a planner would have to add to go faster. */
export function bottleneckOf(net: FluidNetwork): string | undefined {
  let best: string | undefined;
  let most = 0;
  for (const [kind, seconds] of net.boundSeconds) {
    if (seconds > most) {
      most = seconds;
      best = kind;
    }
  }
  return best;
}
