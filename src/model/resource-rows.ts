import { grown } from './grown-typed-array.ts';

/**
 * The fluid network's numbers per resource (fluid-ledger.ts), each kind in a typed array indexed by resource id:
 * no array changes its kind of elements as values come (a capacity first whole, then fractional, made V8 throw
 * away the code it had compiled for the first), and a resource's numbers are no boxed values. The arrays are
 * replaced as resources are added: hold this object, not an array.
 */
export class ResourceRows {
  /** Bytes per second. */
  capacity = new Float64Array(0);
  /** Its kind's id in the network's BoundTime. */
  kind = new Int32Array(0);
  /** What the flows on their own use of it now (rate times weight, summed); the groups' use is added apart. */
  load = new Float64Array(0);
  /** The members of the one group whose members also use it: how many, and their summed weight on it. */
  memberCount = new Int32Array(0);
  memberWeight = new Float64Array(0);
  /** Bumped when its members change, so older threshold entries for it are stale. */
  thresholdVersion = new Int32Array(0);
  /**
   * Flows of their own (active, in no group) bound there, and of those the ones the re-share in progress holds (0
   * between re-shares): no scan of a resource's flows tells whether one is bound there, nor one outside the re-share.
   */
  boundOwn = new Int32Array(0);
  boundHeld = new Int32Array(0);
  count = 0;

  /** A resource of `capacity` bytes per second and kind id `kind`, the rest 0; returns its id. */
  add(capacity: number, kind: number): number {
    const r = this.count++;
    if (r >= this.capacity.length) {
      const n = r + 1;
      this.capacity = grown(this.capacity, n);
      this.kind = grown(this.kind, n);
      this.load = grown(this.load, n);
      this.memberCount = grown(this.memberCount, n);
      this.memberWeight = grown(this.memberWeight, n);
      this.thresholdVersion = grown(this.thresholdVersion, n);
      this.boundOwn = grown(this.boundOwn, n);
      this.boundHeld = grown(this.boundHeld, n);
    }
    this.capacity[r] = capacity;
    this.kind[r] = kind;
    return r;
  }
}
