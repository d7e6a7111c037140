import type { BottleneckGroup } from './bottleneck-group.ts';
import type { FlowLists } from './flow-list.ts';
import { BOTTLENECK, type FlowTable, GROUP, MARK, RATE, ROW } from './flow-table.ts';
import type { ProgressiveFill } from './progressive-fill.ts';
import type { ResourceRows } from './resource-rows.ts';

/**
 * The incremental re-share's check (fluid-reshare.ts): after a fill of some units, with every other flow held
 * at its rate, does one of those others break max-min on a resource of the fill? The network's per-resource
 * state is shared by reference; `epoch` marks the units of the re-share in progress.
 */
export class MaxMinCheck {
  constructor(
    private readonly filler: ProgressiveFill,
    private readonly table: FlowTable,
    private readonly rows: ResourceRows,
    private readonly flowsOn: FlowLists,
    private readonly ownGroup: ReadonlyArray<BottleneckGroup | undefined>,
    private readonly memberGroup: ReadonlyArray<BottleneckGroup | undefined>,
  ) {}

  /** Does a unit the fill held as background on `r` break max-min now? */
  violated(r: number, epoch: number): boolean {
    const saturated = this.filler.left[r]! <= 1e-9 * this.rows.capacity[r]!;
    // Not full, a flow of its own breaks it only by being bound there: counted, not scanned (most checks are these).
    if (saturated ? this.ownFlowBreaks(r, epoch) : this.rows.boundOwn[r]! > this.rows.boundHeld[r]!) return true;
    const own = this.ownGroup[r];
    if (own !== undefined && own.mark !== epoch && own.size > 0 && this.breaks(r, saturated, own.rate, r)) return true;
    const members = this.memberGroup[r];
    return members !== undefined && members.mark !== epoch && members.size > 0 && this.breaks(r, saturated, members.rate, members.resource);
  }

  /** On a full r: a flow of its own outside the re-share faster than the fill's level there, or bound there and slower than a re-filled one. */
  private ownFlowBreaks(r: number, epoch: number): boolean {
    const lists = this.flowsOn;
    const { d, i: ints } = this.table;
    for (let k = 0, end = lists.span(r); k < end; k++) {
      const f = lists.at(r, k);
      if (f >= 0 && ints[f * ROW + GROUP] === -1 && ints[f * ROW + MARK] !== epoch && this.breaks(r, true, d[f * ROW + RATE]!, ints[f * ROW + BOTTLENECK]!)) return true;
    }
    return false;
  }

  /** Every unit frozen at r must have the largest rate on r (and r must stay full for its own). */
  private breaks(r: number, saturated: boolean, rate: number, bottleneck: number): boolean {
    const tol = 1e-9 * Math.max(1, rate);
    return saturated ? rate > this.filler.filledAt[r]! + tol || (bottleneck === r && rate < this.filler.maxNew[r]! - tol) : bottleneck === r;
  }
}
