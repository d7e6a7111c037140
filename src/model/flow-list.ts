import type { FlowTable } from './flow-table.ts';

/**
 * The flows on one resource (ids in a FlowTable), visited in the order they came as a Set visits them (a
 * re-added flow goes to the end), without a hash table: each flow keeps its slot per resource (the table's
 * `slots`, parallel to its resources), a removed flow leaves a hole (-1), and holes are squeezed out once they
 * outnumber the flows.
 */
export class FlowList {
  /**
   * Slots in order; -1 where a flow left. Visit items[0..end) and skip the holes. A plain array of small integers,
   * not a typed one: a fleet has a list per resource (50,000 at 10,000 nodes), and each typed array's buffer is
   * an allocation the collector tracks of its own.
   */
  readonly items: number[] = [];
  end = 0;
  size = 0;

  constructor(
    private readonly resource: number,
    private readonly table: FlowTable,
  ) {}

  add(f: number): void {
    const k = this.slotOf(f);
    const slots = this.table.slots;
    if (slots[k]! >= 0) return;
    slots[k] = this.end;
    this.items[this.end++] = f;
    this.size++;
  }

  delete(f: number): void {
    const k = this.slotOf(f);
    const slots = this.table.slots;
    const at = slots[k]!;
    if (at < 0) return;
    this.items[at] = -1;
    slots[k] = -1;
    this.size--;
    if (this.end > 2 * this.size + 8) this.squeeze();
  }

  private squeeze(): void {
    const items = this.items;
    let to = 0;
    for (let from = 0; from < this.end; from++) {
      const f = items[from]!;
      if (f < 0) continue;
      items[to] = f;
      this.table.slots[this.slotOf(f)] = to++;
    }
    items.fill(-1, to, this.end);
    this.end = to;
  }

  /** Where in the table's slots the flow's first listing of this resource is (a resource listed twice is one membership). */
  private slotOf(f: number): number {
    const { res, stride } = this.table;
    let k = f * stride;
    while (res[k] !== this.resource) k++;
    return k;
  }
}
