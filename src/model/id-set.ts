import { grown } from './grown-typed-array.ts';

/**
 * A set of small non-negative integer ids (resource ids) in insertion order, emptied and refilled at every
 * event of the fluid model without garbage: a JS Set allocates a new table on clear() and re-hashes as it
 * grows and shrinks. Membership is an epoch mark per id; the ids themselves sit in a list used up to a count.
 */
export class IdSet {
  private mark = new Int32Array(64);
  private epoch = 1;
  private readonly list: number[] = [];
  size = 0;

  add(id: number): void {
    if (id >= this.mark.length) this.mark = grown(this.mark, id + 1);
    if (this.mark[id] === this.epoch) return;
    this.mark[id] = this.epoch;
    this.list[this.size++] = id;
  }

  /** The i-th id added since the last clear (i below size). */
  at(i: number): number {
    return this.list[i]!;
  }

  clear(): void {
    this.epoch++;
    this.size = 0;
  }
}
