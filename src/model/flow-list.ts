import type { FlowTable } from './flow-table.ts';
import { grown } from './grown-typed-array.ts';

/** Slots a resource's list starts with; a full list moves to a region twice its size. */
const INITIAL_ROOM = 4;

/**
 * The flows on each resource (ids in a FlowTable), visited in the order they came as a Set visits them (a
 * re-added flow goes to the end), without a hash table: each flow keeps its slot per resource (the table's
 * `slots`, parallel to its resources), a removed flow leaves a hole (-1), and holes are squeezed out once they
 * outnumber the flows. Every resource's list is a region of one typed array (`items`), not an object and an array
 * of its own: at 10,000 nodes a fleet has 50,000 lists, and a list's flows then lie in one run of memory beside no
 * object header the collector has to trace.
 *
 * A visit goes by slot, `at(r, i)` for i below `span(r)`, skipping the holes: the array may be replaced (grown)
 * by an add to another list during a visit, and a list's region moves when it outgrows it.
 */
export class FlowLists {
  private items = new Int32Array(0);
  /** Per resource: where its region starts, how many slots the region has, how far its list runs, and its flows. */
  private start = new Int32Array(0);
  private room = new Int32Array(0);
  private used = new Int32Array(0);
  private count = new Int32Array(0);
  private resources = 0;
  /**
   * Where the next region goes. A list only moves to a region twice its size, so the regions it left behind add up
   * to less than the one it has: what stays behind is less than what is in use, and nothing is compacted.
   */
  private top = 0;

  constructor(private readonly table: FlowTable) {}

  /** A list for the next resource id. */
  addResource(): void {
    const r = this.resources++;
    if (r >= this.start.length) [this.start, this.room, this.used, this.count] = [grown(this.start, r + 1), grown(this.room, r + 1), grown(this.used, r + 1), grown(this.count, r + 1)];
    this.start[r] = this.region(INITIAL_ROOM);
    this.room[r] = INITIAL_ROOM;
  }

  /** How far r's list runs, its holes included: visit at(r, i) for i below it. */
  span(r: number): number {
    return this.used[r]!;
  }

  /** The flow in slot i of r's list, or -1 for a hole. */
  at(r: number, i: number): number {
    return this.items[this.start[r]! + i]!;
  }

  /** The flows on r. */
  size(r: number): number {
    return this.count[r]!;
  }

  add(r: number, f: number): void {
    const k = this.slotOf(r, f);
    const slots = this.table.slots;
    if (slots[k]! >= 0) return;
    if (this.used[r] === this.room[r]) this.move(r);
    const at = this.used[r]!++;
    slots[k] = at;
    this.items[this.start[r]! + at] = f;
    this.count[r]!++;
  }

  delete(r: number, f: number): void {
    const k = this.slotOf(r, f);
    const slots = this.table.slots;
    const at = slots[k]!;
    if (at < 0) return;
    this.items[this.start[r]! + at] = -1;
    slots[k] = -1;
    const left = --this.count[r]!;
    if (this.used[r]! > 2 * left + 8) this.squeeze(r);
  }

  /** Drops the holes of r's list, its flows in their order; each flow's slot follows it. */
  private squeeze(r: number): void {
    const { items } = this;
    const base = this.start[r]!;
    const end = base + this.used[r]!;
    let to = 0;
    for (let i = base; i < end; i++) {
      const f = items[i]!;
      if (f < 0) continue;
      items[base + to] = f;
      this.table.slots[this.slotOf(r, f)] = to++;
    }
    items.fill(-1, base + to, end);
    this.used[r] = to;
  }

  /** r's list is full: to a region of twice the room (slots count from a region's start, so they stay). */
  private move(r: number): void {
    const room = 2 * this.room[r]!;
    const to = this.region(room);
    const from = this.start[r]!;
    this.items.copyWithin(to, from, from + this.used[r]!);
    this.start[r] = to;
    this.room[r] = room;
  }

  /** Where a new region of `room` slots starts: past the last one, the array grown when it has no room. */
  private region(room: number): number {
    if (this.top + room > this.items.length) this.items = grown(this.items, Math.max(1024, this.top + room));
    const at = this.top;
    this.top += room;
    return at;
  }

  /** Where in the table's slots the flow's first listing of r is (a resource listed twice is one membership). */
  private slotOf(r: number, f: number): number {
    const { res, stride } = this.table;
    let k = f * stride;
    while (res[k] !== r) k++;
    return k;
  }
}
