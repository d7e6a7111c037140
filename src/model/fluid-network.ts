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
}

/** Tolerance for "ends at the same instant": relative to the clock, so batches survive rounding. */
const SAME_INSTANT = 1e-9;

export class FluidNetwork {
  now = 0;
  private readonly capacity: number[] = [];
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

  /** A shared capacity in bytes per second. */
  addResource(bytesPerSecond: number): number {
    if (!(bytesPerSecond > 0)) throw new RangeError(`a capacity must be above zero, got ${bytesPerSecond}`);
    this.capacity.push(bytesPerSecond);
    this.flowsOn.push(new Set());
    this.weightOn.push(0);
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
    const flow: Flow = { spec, remaining: spec.bytes, rate: 0, lastSeconds: this.now, version: 0, active: true, mark: 0 };
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
      this.dirtyResources.add(r);
    });
    for (const m of flow.spec.meters ?? []) this.meterBytes[m]! += flow.spec.bytes;
  }

  private setRate(flow: Flow, rate: number): void {
    // An unchanged rate keeps its completion entry: re-pushing would grow the queue by every flow per event.
    if (flow.rate === rate) return;
    flow.remaining = Math.max(0, flow.remaining - flow.rate * (this.now - flow.lastSeconds));
    flow.lastSeconds = this.now;
    for (const m of flow.spec.meters ?? []) {
      this.meterRate[m]! += rate - flow.rate;
      this.changedMeters.add(m);
    }
    flow.rate = rate;
    flow.version++;
    if (flow.active && rate > 0) this.completions.push(this.now + flow.remaining / rate, { flow, version: flow.version });
  }

  /** Re-shares the components touched since the last event, then records meter changes. */
  private reshare(): void {
    if (this.dirtyFlows.size > 0 || this.dirtyResources.size > 0) {
      const { flows, resources } = this.component();
      this.fill(flows, resources);
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

  /** Every flow and resource reachable from what changed, through shared resources. */
  private component(): { flows: Flow[]; resources: number[] } {
    const epoch = ++this.markEpoch;
    const flows: Flow[] = [];
    const resources: number[] = [];
    const stack: number[] = [];
    const visitFlow = (f: Flow) => {
      if (f.mark === epoch || !f.active) return;
      f.mark = epoch;
      flows.push(f);
      for (const r of f.spec.resources) {
        if (this.resourceMark[r] !== epoch) {
          this.resourceMark[r] = epoch;
          resources.push(r);
          stack.push(r);
        }
      }
    };
    for (const r of this.dirtyResources) {
      if (this.resourceMark[r] !== epoch) {
        this.resourceMark[r] = epoch;
        resources.push(r);
        stack.push(r);
      }
    }
    for (const f of this.dirtyFlows) visitFlow(f);
    while (stack.length > 0) for (const f of this.flowsOn[stack.pop()!]!) visitFlow(f);
    return { flows, resources };
  }

  /** Progressive filling: raise all rates together; freeze the flows of whichever capacity fills first. */
  private fill(flows: readonly Flow[], resources: readonly number[]): void {
    if (this.left.length < this.capacity.length) {
      this.left = new Float64Array(this.capacity.length * 2);
      this.unfrozen = new Int32Array(this.capacity.length * 2);
      this.unfrozenWeight = new Float64Array(this.capacity.length * 2);
    }
    const left = this.left;
    const unfrozen = this.unfrozen;
    const weight = this.unfrozenWeight;
    const heap = this.fillHeap;
    heap.clear();
    for (const r of resources) {
      const n = this.flowsOn[r]!.size;
      left[r] = this.capacity[r]!;
      unfrozen[r] = n;
      weight[r] = this.weightOn[r]!;
      if (n > 0) heap.push(this.capacity[r]! / weight[r]!, r);
    }
    // Per-flow caps compete in the same queue, as single-flow capacities (encoded as -1 - index).
    for (let i = 0; i < flows.length; i++) {
      const cap = flows[i]!.spec.capBytesPerSecond;
      if (cap !== undefined) heap.push(cap, -1 - i);
    }
    const epoch = ++this.markEpoch;
    let frozen = 0;
    const freeze = (f: Flow, rate: number) => {
      f.mark = epoch;
      frozen++;
      this.setRate(f, rate);
      const weights = f.spec.weights;
      f.spec.resources.forEach((r, k) => {
        const w = weights?.[k] ?? 1;
        const rest = left[r]! - rate * w;
        const n = unfrozen[r]! - 1;
        left[r] = rest;
        unfrozen[r] = n;
        weight[r] = weight[r]! - w;
        if (n > 0) heap.push(Math.max(0, rest) / weight[r]!, r);
      });
    };
    while (heap.size > 0 && frozen < flows.length) {
      const share = heap.peekKey();
      const id = heap.pop()!;
      if (id < 0) {
        const f = flows[-1 - id]!;
        if (f.mark !== epoch) freeze(f, share);
        continue;
      }
      const n = unfrozen[id]!;
      // A stale entry: the resource's share has moved on since it was queued.
      if (n === 0 || Math.abs(Math.max(0, left[id]!) / weight[id]! - share) > 1e-12 * Math.max(1, share)) continue;
      for (const f of this.flowsOn[id]!) if (f.mark !== epoch) freeze(f, share);
    }
  }
}
