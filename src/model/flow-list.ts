import type { Flow } from './bottleneck-group.ts';

/**
 * The flows on one resource, visited in the order they came as a Set visits them (a re-added flow goes to
 * the end), without a hash table: each flow keeps its slot per resource (`slots`, parallel to `res`), a
 * removed flow leaves a hole, and holes are squeezed out once they outnumber the flows. A Set re-hashed as
 * it grew and shrank with every flow that started and ended: most of the model's garbage.
 */
export class FlowList {
  /** Slots in order; undefined where a flow left. Visit items[0..end) and skip the holes. */
  readonly items: Array<Flow | undefined> = [];
  end = 0;
  size = 0;

  constructor(private readonly resource: number) {}

  add(f: Flow): void {
    const k = slotIndex(f, this.resource);
    if (f.slots[k]! >= 0) return;
    f.slots[k] = this.end;
    this.items[this.end++] = f;
    this.size++;
  }

  delete(f: Flow): void {
    const k = slotIndex(f, this.resource);
    const at = f.slots[k]!;
    if (at < 0) return;
    this.items[at] = undefined;
    f.slots[k] = -1;
    this.size--;
    if (this.end > 2 * this.size + 8) this.squeeze();
  }

  private squeeze(): void {
    const items = this.items;
    let to = 0;
    for (let from = 0; from < this.end; from++) {
      const f = items[from];
      if (f === undefined) continue;
      items[to] = f;
      f.slots[slotIndex(f, this.resource)] = to++;
    }
    items.fill(undefined, to, this.end);
    this.end = to;
  }
}

/** Where `resource` first stands in the flow's resources (a resource listed twice is one membership). */
function slotIndex(f: Flow, resource: number): number {
  const res = f.res;
  let k = 0;
  while (res[k] !== resource) k++;
  return k;
}
