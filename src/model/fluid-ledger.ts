import { BottleneckGroup, thresholdResource } from './bottleneck-group.ts';
import { FlowLists } from './flow-list.ts';
import { ACTIVE, AFTER_MILESTONE, BACKGROUND, BOTTLENECK, CAP, CAP_KIND, FINISH_AT, FlowTable, GROUP, LAST_SECONDS, MEMBERSHIP, RATE, RATE_BOTTLENECK, REMAINING, ROW, VERSION } from './flow-table.ts';
import { BoundTime } from './bound-time.ts';
import { IdSet } from './id-set.ts';
import { MinHeap } from './min-heap.ts';
import { ResourceRows } from './resource-rows.ts';

/** Free share a member's other capacity must keep for it to join a group: at none, the group would bind at once. */
const SLACK = 1e-9;

/**
 * Flows that must freeze at a resource together for a new group to form there: a small group (a P2P
 * uploader's 4 slots) costs more in joining and leaving than it saves (P2P, 500 nodes: 8.5 s CPU at 8, 9.9 s at 4).
 */
const MIN_NEW_GROUP = 8;

/** A unit of the completion queue and of a re-share: a flow's id, or -1 - a group's index (groupOfUnit reads it back). */
export const groupUnit = (g: BottleneckGroup): number => -1 - g.index;

/**
 * The fluid network's state between events: capacities, flows (rows of a FlowTable) and their loads, bottleneck
 * groups and who is a member where, the completion queue and the meters; and how a flow's rate, a group's level
 * and a group's membership change. FluidNetwork (fluid-network.ts) drives it, event by
 * event, and FluidReshare (fluid-reshare.ts) decides the rates.
 */
export abstract class FluidLedger {
  now = 0;
  protected readonly t = new FlowTable();
  /** Per resource: its capacity, kind, load, members' count and weight, threshold version, flows bound there (resource-rows.ts). */
  protected readonly rows = new ResourceRows();
  /** Flow-seconds spent bound by each kind of capacity (or by a flow's own cap). */
  protected readonly bound = new BoundTime();
  /** Flow-seconds bound by each kind of capacity, in the order the kinds first bound a flow. */
  get boundSeconds(): Map<string, number> {
    return this.bound.asMap();
  }
  /** Per resource: its flows, apart from the members of its own group. */
  protected readonly flowsOn = new FlowLists(this.t);
  /** Every group made, by index (a unit's id is -1 - index); an emptied group stays, its entries stale (few are made: 140 in a P2P pull of 3,000 nodes). */
  protected readonly groups: BottleneckGroup[] = [];
  /** Per resource: the group whose capacity it is, if any. */
  protected readonly ownGroup: Array<BottleneckGroup | undefined> = [];
  /** Per resource: the one group whose members also use it (how many do, and their summed weight on it: `rows`). */
  protected readonly memberGroup: Array<BottleneckGroup | undefined> = [];
  /** When each flow or group is next done (units: groupUnit), tagged with its version when pushed (an older one is stale). */
  protected readonly completions = new MinHeap<number>();
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
    return this.rows.load[r]! + (own === undefined ? 0 : own.rate * own.ownWeight) + (members === undefined ? 0 : members.rate * this.rows.memberWeight[r]!);
  };

  /** A threshold entry still holds while its flow is in the same membership, or its resource's members are unchanged. */
  protected readonly isLive = (entry: number, version: number): boolean => {
    if (entry >= 0) return this.t.i[entry * ROW + MEMBERSHIP] === version;
    const r = thresholdResource(entry);
    return this.rows.thresholdVersion[r] === version && this.memberGroup[r] !== undefined;
  };

  /** The group a negative unit stands for (groupUnit's inverse). */
  protected groupOfUnit(u: number): BottleneckGroup {
    return this.groups[-1 - u]!;
  }

  protected groupOf(f: number): BottleneckGroup | undefined {
    const g = this.t.i[f * ROW + GROUP]!;
    return g < 0 ? undefined : this.groups[g];
  }

  protected isActive(f: number): boolean {
    return (this.t.flags[f]! & ACTIVE) !== 0;
  }

  /** Queues when a flow or group is next done; superseded entries stay until they surface or the queue is compacted. */
  protected complete(seconds: number, unit: number, version: number): void {
    this.completions.push(seconds, unit, version);
    if (this.completions.size > 2 * this.compactedSize + 4096) {
      this.completions.retain((u, v) => this.current(u, v));
      this.compactedSize = this.completions.size;
    }
  }

  /** Is a flow of its own (not a group's member) bound at r? */
  protected boundAt(r: number): boolean {
    return this.rows.boundOwn[r]! > 0;
  }

  /** A flow of its own counts at its bottleneck (delta 1) or stops counting (-1); `held` when the re-share holds it. */
  protected countBound(f: number, delta: number, held: boolean): void {
    const b = this.t.i[f * ROW + BOTTLENECK]!;
    if (b < 0) return;
    this.rows.boundOwn[b]! += delta;
    if (held) this.rows.boundHeld[b]! += delta;
  }

  protected current(u: number, version: number): boolean {
    if (u < 0) {
      const g = this.groupOfUnit(u);
      return version === g.version && g.size > 0 && this.ownGroup[g.resource] === g;
    }
    const ints = this.t.i;
    return version === ints[u * ROW + VERSION] && this.isActive(u) && ints[u * ROW + GROUP] === -1;
  }

  protected blame(resource: number, seconds: number): void {
    if (seconds <= 0) return;
    this.bound.add(this.rows.kind[resource]!, seconds);
  }

  /** Brings a flow of its own up to now: its bytes left, and the time since its last change blamed. */
  protected settle(f: number): void {
    const { d, i: ints } = this.t;
    const o = f * ROW;
    const rate = d[o + RATE]!;
    const elapsed = this.now - d[o + LAST_SECONDS]!;
    if (rate > 0 && elapsed > 0 && (this.t.flags[f]! & BACKGROUND) === 0) {
      const b = ints[o + RATE_BOTTLENECK]!;
      this.bound.add(b < 0 ? ints[o + CAP_KIND]! : this.rows.kind[b]!, elapsed);
    }
    d[o + REMAINING] = Math.max(0, d[o + REMAINING]! - rate * elapsed);
    d[o + LAST_SECONDS] = this.now;
  }

  protected setRate(f: number, rate: number): void {
    const t = this.t;
    const o = f * ROW;
    const was = t.d[o + RATE]!;
    // An unchanged rate keeps its completion entry: re-pushing would grow the queue by every flow per event.
    if (was === rate) return;
    this.settle(f);
    t.i[o + RATE_BOTTLENECK] = t.i[o + BOTTLENECK]!;
    for (const m of t.meters[f]!) {
      this.meterRate[m]! += rate - was;
      this.changedMeters.add(m);
    }
    const s = t.stride;
    for (let k = f * s, end = k + t.resCount[f]!; k < end; k++) this.rows.load[t.res[k]!]! += (rate - was) * t.wts[k]!;
    t.d[o + RATE] = rate;
    const version = ++t.i[o + VERSION]!;
    if (this.isActive(f) && rate > 0) this.complete(this.now + t.d[o + REMAINING]! / rate, f, version);
  }

  /** The flow's bytes after its milestone become its bytes left; a member's finish point moves on as far. */
  protected passMilestone(f: number): void {
    const t = this.t;
    const o = f * ROW;
    const more = t.d[o + AFTER_MILESTONE]!;
    t.d[o + AFTER_MILESTONE] = 0;
    const g = this.groupOf(f);
    if (g !== undefined) {
      t.d[o + FINISH_AT] = t.d[o + FINISH_AT]! + more;
      g.addFinish(f, t.d[o + FINISH_AT]!, t.i[o + MEMBERSHIP]!);
      return;
    }
    this.settle(f);
    t.d[o + REMAINING] = t.d[o + REMAINING]! + more;
    const version = ++t.i[o + VERSION]!;
    this.complete(this.now + t.d[o + REMAINING]! / t.d[o + RATE]!, f, version);
  }

  /**
   * Gives a running flow `bytes` more to move. Its rate stays (max-min shares do not depend on how much is
   * left), so nothing is re-shared: only its completion moves. For a flow of its own that counts no meter and
   * has no milestone left (write-back, which never joins a group); throws for any other.
   */
  extendFlow(handle: number, bytes: number): void {
    const t = this.t;
    const f = t.idOf(handle);
    if (f < 0 || !this.isActive(f) || t.i[f * ROW + GROUP] !== -1 || t.d[f * ROW + AFTER_MILESTONE]! > 0 || t.meters[f]!.length > 0) throw new Error('extendFlow: only a running flow of its own, without meters or a milestone left');
    if (!(bytes > 0)) return;
    const o = f * ROW;
    this.settle(f);
    t.d[o + REMAINING] = t.d[o + REMAINING]! + bytes;
    const version = ++t.i[o + VERSION]!;
    if (t.d[o + RATE]! > 0) this.complete(this.now + t.d[o + REMAINING]! / t.d[o + RATE]!, f, version);
  }

  protected refreshThreshold(r: number): void {
    const g = this.memberGroup[r];
    if (g === undefined) return;
    this.rows.thresholdVersion[r]!++;
    this.addMemberThreshold(g, r);
  }

  /** Queues the level at which g's members would fill r, their other capacity, tagged with r's threshold version. */
  private addMemberThreshold(g: BottleneckGroup, r: number): void {
    const rows = this.rows;
    g.addThreshold((rows.capacity[r]! - rows.load[r]!) / rows.memberWeight[r]!, r, rows.thresholdVersion[r]!, -1);
  }

  /** Is r full: what every flow on it uses within SLACK of its capacity? */
  protected isFull(r: number): boolean {
    return this.rows.capacity[r]! - this.loadOf(r) <= SLACK * this.rows.capacity[r]!;
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
    if (g.rate > 0 && first < Number.POSITIVE_INFINITY) this.complete(this.now + Math.max(0, first - g.virtual) / g.rate, groupUnit(g), g.version);
  }

  /** A flow frozen at a resource joins that resource's group, if nothing else of its own is (nearly) full. */
  protected tryJoin(f: number, frozenTogether: number): void {
    const t = this.t;
    const o = f * ROW;
    const r = t.i[o + BOTTLENECK]!;
    const rate = t.d[o + RATE]!;
    if (!this.isActive(f) || t.i[o + GROUP] !== -1 || r < 0 || rate <= 0 || this.memberGroup[r] !== undefined || (t.flags[f]! & BACKGROUND) !== 0) return;
    let g = this.ownGroup[r];
    if (g === undefined && frozenTogether < MIN_NEW_GROUP) return;
    const cap = t.d[o + CAP]!;
    if (!Number.isNaN(cap) && cap <= (g?.rate ?? rate) * (1 + 1e-9)) return;
    const s = t.stride;
    for (let k = f * s, end = k + t.resCount[f]!; k < end; k++) {
      const other = t.res[k]!;
      if (other === r) continue;
      if (this.ownGroup[other] !== undefined) return;
      const members = this.memberGroup[other];
      if (members !== undefined && members !== g) return;
      if (this.isFull(other)) return;
    }
    if (g === undefined) {
      g = new BottleneckGroup(this.t, this.groups.length, r, this.now);
      this.groups.push(g);
      g.rate = rate;
      this.ownGroup[r] = g;
    }
    this.join(f, g);
  }

  protected join(f: number, g: BottleneckGroup): void {
    const t = this.t;
    const o = f * ROW;
    this.countBound(f, -1, false);
    this.blame(g.resource, g.advance(this.now));
    this.settle(f);
    const rate = t.d[o + RATE]!;
    const meters = t.meters[f]!;
    for (const m of meters) {
      this.meterRate[m]! += g.rate - rate;
      this.changedMeters.add(m);
    }
    g.countMeters(meters, 1);
    const s = t.stride;
    const end = f * s + t.resCount[f]!;
    for (let k = f * s; k < end; k++) {
      const r = t.res[k]!;
      const w = t.wts[k]!;
      this.rows.load[r]! -= rate * w;
      if (r === g.resource) {
        g.ownWeight += w;
        this.flowsOn.delete(r, f);
      } else {
        this.memberGroup[r] = g;
        this.rows.memberCount[r]!++;
        this.rows.memberWeight[r]! += w;
        this.rows.thresholdVersion[r]!++;
      }
    }
    for (let k = f * s; k < end; k++) {
      const r = t.res[k]!;
      if (r !== g.resource) this.addMemberThreshold(g, r);
    }
    t.i[o + GROUP] = g.index;
    const membership = ++t.i[o + MEMBERSHIP]!;
    t.i[o + VERSION]!++;
    t.d[o + RATE] = g.rate;
    const cap = t.d[o + CAP]!;
    if (!Number.isNaN(cap)) g.addThreshold(cap, -1, membership, f);
    g.size++;
    t.d[o + FINISH_AT] = g.virtual + t.d[o + REMAINING]!;
    g.addFinish(f, t.d[o + FINISH_AT]!, membership);
    if (t.d[o + FINISH_AT]! < g.scheduledFinish) this.scheduleGroup(g);
  }

  /** A member leaves its group, at the group's level: to be re-shared on its own, or because it is done. */
  protected leave(f: number, ending: boolean): void {
    const t = this.t;
    const o = f * ROW;
    const g = this.groupOf(f)!;
    this.blame(g.resource, g.advance(this.now));
    t.d[o + REMAINING] = Math.max(0, t.d[o + FINISH_AT]! - g.virtual);
    t.d[o + LAST_SECONDS] = this.now;
    const rate = g.rate;
    t.d[o + RATE] = rate;
    t.i[o + BOTTLENECK] = g.resource;
    t.i[o + RATE_BOTTLENECK] = g.resource;
    g.countMeters(t.meters[f], -1);
    const s = t.stride;
    const end = f * s + t.resCount[f]!;
    for (let k = f * s; k < end; k++) {
      const r = t.res[k]!;
      const w = t.wts[k]!;
      this.rows.load[r]! += rate * w;
      if (r === g.resource) {
        g.ownWeight -= w;
        this.flowsOn.add(r, f);
      } else {
        this.rows.memberWeight[r]! -= w;
        this.rows.thresholdVersion[r]!++;
        if (--this.rows.memberCount[r]! === 0) {
          this.memberGroup[r] = undefined;
          this.rows.memberWeight[r] = 0;
        }
      }
    }
    for (let k = f * s; k < end; k++) {
      const r = t.res[k]!;
      if (r !== g.resource && this.rows.memberCount[r]! > 0) this.addMemberThreshold(g, r);
    }
    t.i[o + GROUP] = -1;
    this.countBound(f, 1, false);
    t.i[o + MEMBERSHIP]!++;
    const version = ++t.i[o + VERSION]!;
    if (--g.size === 0) {
      g.ownWeight = 0;
      this.ownGroup[g.resource] = undefined;
    }
    if (!ending && rate > 0) this.complete(this.now + t.d[o + REMAINING]! / rate, f, version);
  }
}
