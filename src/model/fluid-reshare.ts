import { type BottleneckGroup, thresholdFlow, thresholdResource } from './bottleneck-group.ts';
import { FluidLedger, groupUnit } from './fluid-ledger.ts';
import { BOTTLENECK, CAP, GROUP, MARK, NEXT, RATE, ROW } from './flow-table.ts';
import { grown } from './grown-typed-array.ts';
import { IdSet } from './id-set.ts';
import { MaxMinCheck } from './max-min-check.ts';
import { FillUnits, ProgressiveFill } from './progressive-fill.ts';
import { RESHARE_REACH } from './reshare-reach.ts';

/**
 * How rates are re-shared after a change, on the ledger's state (fluid-ledger.ts): the flows started, the
 * capacities changed and the resources freed since the last re-share are its input; FluidNetwork (fluid-network.ts)
 * records them as events go, and asks for a re-share before each next event.
 */
export abstract class FluidReshare extends FluidLedger {
  /** Units a re-share may take in beyond what its changes touch (RESHARE_REACH; Infinity: exact max-min always). */
  constructor(private readonly reach = RESHARE_REACH) {
    super();
  }

  protected readonly dirtyResources = new IdSet();
  /** Resources a flow left since the last re-share: only what was bound there can gain from it. */
  protected readonly freedResources = new IdSet();
  /** Flows started since the last re-share (the first dirtyFlowCount entries; each is started once). */
  protected dirtyFlows = new Int32Array(64);
  protected dirtyFlowCount = 0;
  private markEpoch = 0;
  /**
   * The re-share in progress: its epoch (units' mark) and its units (flow ids, groups as groupUnit). Scratch
   * lists here are used up to a count and never emptied by length: V8 frees an array's storage when its length
   * is set to 0, and these are refilled at every event.
   */
  private epoch = 0;
  private readonly units: number[] = [];
  private unitCount = 0;
  private readonly liveUnits: number[] = [];
  /** Scratch of releaseAt: the thresholds a group reached. */
  private readonly reachedThresholds: number[] = [];
  /** Scratch of attachMembers: the resources of the fill in progress (typed: a plain array first written far out is a slow dictionary). */
  private setMark = new Int32Array(64);
  private setEpoch = 0;
  private readonly touched: number[] = [];
  private readonly filler = new ProgressiveFill();
  private readonly fillUnits = new FillUnits();
  private readonly check = new MaxMinCheck(this.filler, this.t, this.rows, this.flowsOn, this.ownGroup, this.memberGroup);
  /** Scratch of a re-share, per resource: how many flows froze at it. */
  private frozenAt = new Int32Array(64);

  /** Room in the per-resource scratch for `resources` resources (called as they are added). */
  protected fitResources(resources: number): void {
    if (resources > this.frozenAt.length) [this.frozenAt, this.setMark] = [grown(this.frozenAt, resources), grown(this.setMark, resources)];
  }

  /** Re-shares what changed since the last call, if anything did, and forgets the changes. */
  protected reshareChanges(): void {
    if (this.dirtyFlowCount === 0 && this.dirtyResources.size === 0 && this.freedResources.size === 0) return;
    this.reshareLocally();
    this.dirtyFlowCount = 0;
    this.dirtyResources.clear();
    this.freedResources.clear();
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
    const t = this.t;
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
        if (u >= 0) live[liveCount++] = u;
        else {
          const g = this.groupOfUnit(u);
          if (g.size > 0) {
            const threshold = g.threshold(this.isLive);
            g.cap = threshold === Number.POSITIVE_INFINITY ? undefined : threshold;
            live[liveCount++] = u;
          }
        }
      }
      // The fill moves its flows' bottlenecks: they count where it froze them.
      for (let i = 0; i < liveCount; i++) if (live[i]! >= 0) this.countBound(live[i]!, -1, true);
      resourceCount = this.fillLive(liveCount);
      for (let i = 0; i < liveCount; i++) if (live[i]! >= 0) this.countBound(live[i]!, 1, true);
      // Widened only while within reach: past it, what is out of line waits for a change that touches it.
      if (this.unitCount < reach) for (let k = 0; k < resourceCount; k++) if (this.check.violated(resources[k]!, this.epoch)) this.addOn(resources[k]!);
      // A group frozen anywhere but at its capacity: the members that bind there go on their own.
      for (let i = 0; i < liveCount; i++) {
        const u = live[i]!;
        if (u >= 0) continue;
        const g = this.groupOfUnit(u);
        if (g.size === 0 || g.bottleneck === g.resource) continue;
        if (g.bottleneck < 0) this.releaseAt(g, g.next);
        else this.releaseOn(g, g.bottleneck, true);
      }
      if (this.unitCount === size) break;
    }
    const unitCount = this.unitCount;
    for (let i = 0; i < unitCount; i++) {
      const b = this.unitBottleneck(units[i]!);
      if (b >= 0) this.rows.boundHeld[b] = 0;
    }
    for (let i = 0; i < unitCount; i++) {
      const u = units[i]!;
      if (u >= 0) this.setRate(u, t.d[u * ROW + NEXT]!);
      else {
        const g = this.groupOfUnit(u);
        if (g.size > 0) this.setLevel(g, g.next);
      }
    }
    // Members on a resource the fill left full are bound there as much as by their group: they go on their
    // own (a later change of their group's level would miss that resource's other flows). Elsewhere the
    // members' threshold at the resource moves with its new load.
    for (let k = 0; k < resourceCount; k++) {
      const r = resources[k]!;
      const g = this.memberGroup[r];
      if (g === undefined) continue;
      if (this.isFull(r)) this.releaseOn(g, r, false);
      else this.refreshThreshold(r);
    }
    this.formGroups(unitCount);
  }

  /**
   * A new group only where several flows froze together: a lone flow gains nothing from one, and its
   * group would keep the flows sharing its other capacities out of theirs.
   */
  private formGroups(unitCount: number): void {
    const units = this.units;
    const t = this.t;
    const frozenAt = this.frozenAt;
    for (let i = 0; i < unitCount; i++) {
      const u = units[i]!;
      if (u < 0) continue;
      const b = t.i[u * ROW + BOTTLENECK]!;
      if (b >= 0) frozenAt[b] = (frozenAt[b] ?? 0) + 1;
    }
    for (let i = 0; i < unitCount; i++) {
      const u = units[i]!;
      if (u >= 0) this.tryJoin(u, frozenAt[t.i[u * ROW + BOTTLENECK]!] ?? 0);
    }
    for (let i = 0; i < unitCount; i++) {
      const b = this.unitBottleneck(units[i]!);
      if (b >= 0) frozenAt[b] = 0;
    }
  }

  private unitBottleneck(u: number): number {
    return u >= 0 ? this.t.i[u * ROW + BOTTLENECK]! : this.groupOfUnit(u).bottleneck;
  }

  /** Packs the live units for the fill, fills, and gives each unit its next rate and bottleneck; returns the fill's resource count. */
  private fillLive(liveCount: number): number {
    const live = this.liveUnits;
    const packed = this.fillUnits;
    const t = this.t;
    packed.clear();
    for (let i = 0; i < liveCount; i++) {
      const u = live[i]!;
      if (u >= 0) {
        const n = t.resCount[u]!;
        packed.add(t.d[u * ROW + RATE]!, t.d[u * ROW + CAP]!, n);
        for (let k = u * t.stride, end = k + n; k < end; k++) packed.addResource(t.res[k]!, t.wts[k]!);
      } else {
        const g = this.groupOfUnit(u);
        packed.add(g.rate, g.cap ?? Number.NaN, g.res.length);
        for (let k = 0; k < g.res.length; k++) packed.addResource(g.res[k]!, g.wts[k]!);
      }
    }
    const resourceCount = this.filler.fill(packed, this.rows.capacity, this.loadOf);
    const { next, bottleneck } = this.filler;
    for (let i = 0; i < liveCount; i++) {
      // A unit the fill never froze keeps its rate and bottleneck of before.
      if (!this.filler.froze(i)) continue;
      const u = live[i]!;
      if (u >= 0) {
        t.d[u * ROW + NEXT] = next[i]!;
        t.i[u * ROW + BOTTLENECK] = bottleneck[i]!;
      } else {
        const g = this.groupOfUnit(u);
        g.next = next[i]!;
        g.bottleneck = bottleneck[i]!;
      }
    }
    return resourceCount;
  }

  /** Gives each group in the re-share the resources of the fill its members use besides its capacity. */
  private attachMembers(): void {
    const mark = ++this.setEpoch;
    const touched = this.touched;
    const t = this.t;
    let touchedCount = 0;
    for (let i = 0; i < this.unitCount; i++) {
      const u = this.units[i]!;
      if (u < 0) {
        const g = this.groupOfUnit(u);
        g.res.length = 1;
        g.wts.length = 1;
        g.wts[0] = g.ownWeight;
        // Its one resource now: the group's capacity.
        const r = g.resource;
        if (this.setMark[r] !== mark) {
          this.setMark[r] = mark;
          touched[touchedCount++] = r;
        }
        continue;
      }
      for (let k = u * t.stride, end = k + t.resCount[u]!; k < end; k++) {
        const r = t.res[k]!;
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
      g.wts.push(this.rows.memberWeight[r]!);
    }
  }

  private addUnit(u: number): void {
    if (u < 0) {
      const g = this.groupOfUnit(u);
      if (g.mark === this.epoch) return;
      g.mark = this.epoch;
    } else {
      const ints = this.t.i;
      if (ints[u * ROW + MARK] === this.epoch) return;
      ints[u * ROW + MARK] = this.epoch;
      const b = ints[u * ROW + BOTTLENECK]!;
      if (b >= 0) this.rows.boundHeld[b]!++;
    }
    this.units[this.unitCount++] = u;
  }

  private addFlow(f: number): void {
    if (this.isActive(f)) this.addUnit(f);
  }

  /** Every unit on `r` joins the re-share: its flows of their own, its group, and the groups of members on it. */
  private addOn(r: number): void {
    const lists = this.flowsOn;
    const ints = this.t.i;
    for (let i = 0; i < lists.span(r); i++) {
      const f = lists.at(r, i);
      if (f < 0) continue;
      const g = ints[f * ROW + GROUP]!;
      if (g >= 0) this.addUnit(-1 - g);
      else this.addFlow(f);
    }
    const own = this.ownGroup[r];
    if (own !== undefined) this.addUnit(groupUnit(own));
  }

  /** A group reached its threshold: the members whose other capacity (or own cap) binds there leave it. */
  private releaseAt(g: BottleneckGroup, level: number): void {
    const reached = this.reachedThresholds;
    const n = g.takeThresholds(level * (1 + 1e-12), this.isLive, reached);
    for (let i = 0; i < n; i++) {
      const f = thresholdFlow(reached[i]!);
      if (f < 0) this.releaseOn(g, thresholdResource(reached[i]!), true);
      else if (this.t.i[f * ROW + GROUP] === g.index) {
        this.leave(f, false);
        this.addFlow(f);
      }
    }
  }

  /** The group's members on `r` leave it; into the re-share in progress when `refill`. */
  private releaseOn(g: BottleneckGroup, r: number, refill: boolean): void {
    const lists = this.flowsOn;
    const ints = this.t.i;
    // leave() adds the flow to its group's capacity's list, never to this one (r is not the group's capacity).
    for (let i = 0; i < lists.span(r); i++) {
      const f = lists.at(r, i);
      if (f < 0 || ints[f * ROW + GROUP] !== g.index) continue;
      this.leave(f, false);
      if (refill) this.addFlow(f);
    }
  }
}
