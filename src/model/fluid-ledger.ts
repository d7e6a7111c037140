import { BottleneckGroup, type Flow, type Threshold } from './bottleneck-group.ts';
import type { FlowList } from './flow-list.ts';
import { BoundTime } from './bound-time.ts';
import { IdSet } from './id-set.ts';
import { MinHeap } from './min-heap.ts';

/** Free share a member's other capacity must keep for it to join a group: at none, the group would bind at once. */
export const SLACK = 1e-9;

/**
 * Flows that must freeze at a resource together for a new group to form there: a small group (a P2P
 * uploader's 4 slots) costs more in joining and leaving than it saves (P2P, 500 nodes: 8.5 s CPU at 8, 9.9 s at 4).
 */
const MIN_NEW_GROUP = 8;


/**
 * The fluid network's state between events: capacities, flows and their loads, bottleneck groups and who is
 * a member where, the completion queue and the meters; and how a flow's rate, a group's level and a group's
 * membership change. FluidNetwork (fluid-network.ts) drives it: events, and the re-share that decides rates.
 */
export abstract class FluidLedger {
  now = 0;
  protected readonly capacity: number[] = [];
  /** Per resource: its kind's id in `bound`. */
  protected readonly resourceKind: number[] = [];
  /** Flow-seconds spent bound by each kind of capacity (or by a flow's own cap). */
  protected readonly bound = new BoundTime();
  /** Flow-seconds bound by each kind of capacity, in the order the kinds first bound a flow. */
  get boundSeconds(): Map<string, number> {
    return this.bound.asMap();
  }
  /** Per resource: its flows, apart from the members of its own group. */
  protected readonly flowsOn: FlowList[] = [];
  /** Per resource: what the flows on their own use of it now (rate times weight, summed); loadOf adds the groups'. */
  protected readonly load: number[] = [];
  /** Per resource: the group whose capacity it is, if any. */
  protected readonly ownGroup: Array<BottleneckGroup | undefined> = [];
  /** Per resource: the one group whose members also use it, how many of them do, and their summed weight on it. */
  protected readonly memberGroup: Array<BottleneckGroup | undefined> = [];
  protected readonly memberCount: number[] = [];
  protected readonly memberWeight: number[] = [];
  /** Per resource: bumped when its members change, so older threshold entries for it are stale. */
  protected readonly thresholdVersion: number[] = [];
  /**
   * Per resource: the flows of their own (active, in no group) bound there, and of those the ones the re-share
   * in progress holds (FluidNetwork keeps that count, 0 between re-shares). A flow's resource lists need no scan
   * to tell whether one is bound there, nor one outside the re-share.
   */
  protected readonly boundOwn: number[] = [];
  protected readonly boundHeld: number[] = [];
  /** When each flow or group is next done, tagged with its version when pushed (an older one is stale). */
  protected readonly completions = new MinHeap<Flow | BottleneckGroup>();
  /** Size of the completion queue after its last compaction. */
  protected compactedSize = 0;
  /** Current total rate per meter, and its history as (seconds, bytesPerSecond) change points. */
  readonly meterRate: number[] = [];
  readonly meterBytes: number[] = [];
  readonly meterHistory: Array<{ t: number[]; rate: number[] }> = [];
  protected readonly changedMeters = new IdSet();

  addMeter(): number {
    this.meterRate.push(0);
    this.meterBytes.push(0);
    this.meterHistory.push({ t: [0], rate: [0] });
    return this.meterRate.length - 1;
  }

  /** Adds a change point to the history of every meter whose rate changed since the last call (one per instant). */
  protected recordMeters(): void {
    for (let i = 0; i < this.changedMeters.size; i++) {
      const m = this.changedMeters.at(i);
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

  /** What every flow on `r` uses of it now, in groups or not. */
  protected readonly loadOf = (r: number): number => {
    const own = this.ownGroup[r];
    const members = this.memberGroup[r];
    return this.load[r]! + (own === undefined ? 0 : own.rate * own.ownWeight) + (members === undefined ? 0 : members.rate * this.memberWeight[r]!);
  };

  /** A threshold entry still holds while its flow is in the same group, or its resource's members are unchanged. */
  protected readonly isLive = (t: Threshold): boolean => (t.flow === undefined ? this.thresholdVersion[t.resource] === t.version && this.memberGroup[t.resource] !== undefined : t.flow.membership === t.version);

  /** Queues when a flow or group is next done; superseded entries stay until they surface or the queue is compacted. */
  protected complete(seconds: number, unit: Flow | BottleneckGroup): void {
    this.completions.push(seconds, unit, unit.version);
    if (this.completions.size > 2 * this.compactedSize + 4096) {
      this.completions.retain((u, version) => this.current(u, version));
      this.compactedSize = this.completions.size;
    }
  }

  /** Is a flow of its own (not a group's member) bound at r? */
  protected boundAt(r: number): boolean {
    return this.boundOwn[r]! > 0;
  }

  /** A flow of its own counts at its bottleneck (delta 1) or stops counting (-1); `held` when the re-share holds it. */
  protected countBound(f: Flow, delta: number, held: boolean): void {
    const b = f.bottleneck;
    if (b < 0) return;
    this.boundOwn[b]! += delta;
    if (held) this.boundHeld[b]! += delta;
  }

  protected current(u: Flow | BottleneckGroup, version: number): boolean {
    if (version !== u.version) return false;
    return u instanceof BottleneckGroup ? u.size > 0 && this.ownGroup[u.resource] === u : u.active && u.group === undefined;
  }

  protected blame(resource: number, seconds: number): void {
    if (seconds <= 0) return;
    this.bound.add(this.resourceKind[resource]!, seconds);
  }

  /** Brings a flow of its own up to now: its bytes left, and the time since its last change blamed. */
  protected settle(flow: Flow): void {
    const elapsed = this.now - flow.lastSeconds;
    if (flow.rate > 0 && elapsed > 0 && !flow.background) {
      this.bound.add(flow.rateBottleneck < 0 ? flow.capKind : this.resourceKind[flow.rateBottleneck]!, elapsed);
    }
    flow.remaining = Math.max(0, flow.remaining - flow.rate * elapsed);
    flow.lastSeconds = this.now;
  }

  protected setRate(flow: Flow, rate: number): void {
    // An unchanged rate keeps its completion entry: re-pushing would grow the queue by every flow per event.
    if (flow.rate === rate) return;
    this.settle(flow);
    flow.rateBottleneck = flow.bottleneck;
    for (const m of flow.meters) {
      this.meterRate[m]! += rate - flow.rate;
      this.changedMeters.add(m);
    }
    const resources = flow.res;
    const weights = flow.wts;
    for (let k = 0; k < resources.length; k++) this.load[resources[k]!]! += (rate - flow.rate) * (weights === undefined ? 1 : weights[k]!);
    flow.rate = rate;
    flow.version++;
    if (flow.active && rate > 0) this.complete(this.now + flow.remaining / rate, flow);
  }

  /** The flow's bytes after its milestone become its bytes left; a member's finish point moves on as far. */
  protected passMilestone(flow: Flow): void {
    const more = flow.afterMilestone;
    flow.afterMilestone = 0;
    const g = flow.group;
    if (g !== undefined) {
      flow.finishAt += more;
      g.addFinish(flow);
      return;
    }
    this.settle(flow);
    flow.remaining += more;
    flow.version++;
    this.complete(this.now + flow.remaining / flow.rate, flow);
  }

  /**
   * Gives a running flow `bytes` more to move. Its rate stays (max-min shares do not depend on how much is
   * left), so nothing is re-shared: only its completion moves. For a flow of its own that counts no meter and
   * has no milestone left (write-back, which never joins a group); throws for any other.
   */
  extendFlow(flow: Flow, bytes: number): void {
    if (!flow.active || flow.group !== undefined || flow.afterMilestone > 0 || flow.meters.length > 0) throw new Error('extendFlow: only a running flow of its own, without meters or a milestone left');
    if (!(bytes > 0)) return;
    this.settle(flow);
    flow.remaining += bytes;
    flow.version++;
    if (flow.rate > 0) this.complete(this.now + flow.remaining / flow.rate, flow);
  }

  protected refreshThreshold(r: number): void {
    const g = this.memberGroup[r];
    if (g === undefined) return;
    this.thresholdVersion[r]!++;
    g.addThreshold((this.capacity[r]! - this.load[r]!) / this.memberWeight[r]!, r, this.thresholdVersion[r]!, undefined);
  }

  protected setLevel(g: BottleneckGroup, level: number): void {
    if (g.rate === level) return;
    this.blame(g.resource, g.advance(this.now));
    for (let k = 0; k < g.meters.length; k++) {
      const m = g.meters[k]!;
      this.meterRate[m]! += (level - g.rate) * g.meterCounts[k]!;
      this.changedMeters.add(m);
    }
    g.rate = level;
    this.scheduleGroup(g);
  }

  /** Re-pushes the group's one completion entry: when its earliest member is done at the current level. */
  protected scheduleGroup(g: BottleneckGroup): void {
    this.blame(g.resource, g.advance(this.now));
    g.version++;
    const first = g.earliestFinish();
    g.scheduledFinish = first;
    if (g.rate > 0 && first < Number.POSITIVE_INFINITY) this.complete(this.now + Math.max(0, first - g.virtual) / g.rate, g);
  }

  /** A flow frozen at a resource joins that resource's group, if nothing else of its own is (nearly) full. */
  protected tryJoin(f: Flow, frozenTogether: number): void {
    const r = f.bottleneck;
    if (!f.active || f.group !== undefined || r < 0 || f.rate <= 0 || this.memberGroup[r] !== undefined || f.background) return;
    let g = this.ownGroup[r];
    if (g === undefined && frozenTogether < MIN_NEW_GROUP) return;
    if (f.cap !== undefined && f.cap <= (g?.rate ?? f.rate) * (1 + 1e-9)) return;
    for (const other of f.res) {
      if (other === r) continue;
      if (this.ownGroup[other] !== undefined) return;
      const members = this.memberGroup[other];
      if (members !== undefined && members !== g) return;
      if (this.capacity[other]! - this.loadOf(other) <= SLACK * this.capacity[other]!) return;
    }
    if (g === undefined) {
      g = new BottleneckGroup(r, this.now);
      g.rate = f.rate;
      this.ownGroup[r] = g;
    }
    this.join(f, g);
  }

  protected join(f: Flow, g: BottleneckGroup): void {
    this.countBound(f, -1, false);
    this.blame(g.resource, g.advance(this.now));
    this.settle(f);
    for (const m of f.meters) {
      this.meterRate[m]! += g.rate - f.rate;
      this.changedMeters.add(m);
    }
    g.countMeters(f.meters, 1);
    const { res, wts } = f;
    for (let k = 0; k < res.length; k++) {
      const r = res[k]!;
      const w = wts === undefined ? 1 : wts[k]!;
      this.load[r]! -= f.rate * w;
      if (r === g.resource) {
        g.ownWeight += w;
        this.flowsOn[r]!.delete(f);
      } else {
        this.memberGroup[r] = g;
        this.memberCount[r]!++;
        this.memberWeight[r]! += w;
        this.thresholdVersion[r]!++;
      }
    }
    for (const r of res) if (r !== g.resource) g.addThreshold((this.capacity[r]! - this.load[r]!) / this.memberWeight[r]!, r, this.thresholdVersion[r]!, undefined);
    f.group = g;
    f.membership++;
    f.version++;
    f.rate = g.rate;
    if (f.cap !== undefined) g.addThreshold(f.cap, -1, f.membership, f);
    g.size++;
    f.finishAt = g.virtual + f.remaining;
    g.addFinish(f);
    if (f.finishAt < g.scheduledFinish) this.scheduleGroup(g);
  }

  /** A member leaves its group, at the group's level: to be re-shared on its own, or because it is done. */
  protected leave(f: Flow, ending: boolean): void {
    const g = f.group!;
    this.blame(g.resource, g.advance(this.now));
    f.remaining = Math.max(0, f.finishAt - g.virtual);
    f.lastSeconds = this.now;
    f.rate = g.rate;
    f.bottleneck = g.resource;
    f.rateBottleneck = g.resource;
    g.countMeters(f.meters, -1);
    const { res, wts } = f;
    for (let k = 0; k < res.length; k++) {
      const r = res[k]!;
      const w = wts === undefined ? 1 : wts[k]!;
      this.load[r]! += f.rate * w;
      if (r === g.resource) {
        g.ownWeight -= w;
        this.flowsOn[r]!.add(f);
      } else {
        this.memberWeight[r]! -= w;
        this.thresholdVersion[r]!++;
        if (--this.memberCount[r]! === 0) {
          this.memberGroup[r] = undefined;
          this.memberWeight[r] = 0;
        }
      }
    }
    for (const r of res) if (r !== g.resource && this.memberCount[r]! > 0) g.addThreshold((this.capacity[r]! - this.load[r]!) / this.memberWeight[r]!, r, this.thresholdVersion[r]!, undefined);
    f.group = undefined;
    this.countBound(f, 1, false);
    f.membership++;
    f.version++;
    if (--g.size === 0) {
      g.ownWeight = 0;
      this.ownGroup[g.resource] = undefined;
    }
    if (!ending && f.rate > 0) this.complete(this.now + f.remaining / f.rate, f);
  }
}
