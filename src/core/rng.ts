import { createHash } from 'node:crypto';

/**
 * Deterministic randomness. Every random choice in shipbench draws from a stream derived from the scenario
 * seed and a label naming what it is for, so adding a draw in one place never shifts another place's draws,
 * and the same seed gives the same bytes on any machine.
 *
 * sfc32 (Chris Doty-Humphrey's small fast counting generator): 128 bits of state, passes PractRand, and is a
 * handful of 32-bit operations per draw, which matters in the content synthesis hot loop.
 */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  protected constructor(a: number, b: number, c: number, d: number) {
    this.a = 0;
    this.b = 0;
    this.c = 0;
    this.d = 0;
    this.reseed(a, b, c, d);
  }

  /** Sets the 128-bit state and discards the first draws (they are poorly mixed for similar seeds). */
  protected reseed(a: number, b: number, c: number, d: number): void {
    this.a = a;
    this.b = b;
    this.c = c;
    this.d = d;
    for (let i = 0; i < 12; i++) this.nextUint32();
  }

  /** A stream for `labels` under `seed`: sha256 of the joined labels seeds the 128-bit state. */
  static derive(seed: number | string, ...labels: Array<string | number>): Rng {
    const digest = createHash('sha256').update([String(seed), ...labels.map(String)].join('\u0000')).digest();
    return new Rng(digest.readUInt32LE(0), digest.readUInt32LE(4), digest.readUInt32LE(8), digest.readUInt32LE(12) | 1);
  }

  nextUint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.nextUint32() / 4294967296;
  }

  /** Uniform integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** Standard normal draw (Box-Muller). */
  normal(): number {
    let u = this.next();
    while (u === 0) u = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next());
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('pick from an empty list');
    return items[Math.floor(this.next() * items.length)] as T;
  }

  /** `count` distinct indices out of [0, n), in ascending order (partial Fisher-Yates). */
  sampleIndices(n: number, count: number): number[] {
    const k = Math.min(count, n);
    const chosen = new Map<number, number>();
    const out: number[] = [];
    for (let i = 0; i < k; i++) {
      const j = i + Math.floor(this.next() * (n - i));
      const vj = chosen.get(j) ?? j;
      const vi = chosen.get(i) ?? i;
      chosen.set(j, vi);
      out.push(vj);
    }
    return out.sort((x, y) => x - y);
  }

  /** Fill `target` with random bytes. */
  fill(target: Uint8Array): void {
    let i = 0;
    for (; i + 4 <= target.length; i += 4) {
      const v = this.nextUint32();
      target[i] = v & 0xff;
      target[i + 1] = (v >>> 8) & 0xff;
      target[i + 2] = (v >>> 16) & 0xff;
      target[i + 3] = v >>> 24;
    }
    for (; i < target.length; i++) target[i] = this.nextUint32() & 0xff;
  }
}
