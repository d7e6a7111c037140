import { Rng } from '../../core/rng.ts';

/**
 * The per-file random stream of content synthesis. Rng.derive seeds through sha256, which costs about 4 us: more
 * than synthesising a median 3 KB file should take in total. So files get a murmur3-style 64-bit hash of their
 * content key, mixed with the synthesizer's seed digest, feeding the same sfc32 generator as core/rng.ts.
 * All 32-bit integer arithmetic: the same key gives the same stream on any machine.
 */
export class FileStream extends Rng {
  /** 64 bits identifying the file (seed, kind, key, size), as two int32: raw material for per-file unique bytes. */
  idHigh = 0;
  idLow = 0;

  constructor() {
    super(0, 0, 0, 1);
  }

  /** Re-seeds in place, so the hot path allocates nothing per file. */
  reset(seedDigest: Uint32Array, kindIndex: number, key: string, bytes: number): void {
    let h1 = (seedDigest[0] as number) ^ kindIndex;
    let h2 = (seedDigest[1] as number) ^ Math.imul(kindIndex + 1, 0x9e3779b9);
    for (let i = 0; i < key.length; i++) {
      let k = Math.imul(key.charCodeAt(i), 0xcc9e2d51);
      k = Math.imul((k << 15) | (k >>> 17), 0x1b873593);
      h1 ^= k;
      h1 = (Math.imul((h1 << 13) | (h1 >>> 19), 5) + 0xe6546b64) | 0;
      h2 ^= Math.imul(k, 0x85ebca6b) ^ h1;
      h2 = (Math.imul((h2 << 17) | (h2 >>> 15), 9) + 0x38b34ae5) | 0;
    }
    const low = bytes >>> 0;
    const high = Math.floor(bytes / 4294967296) >>> 0;
    h1 = fmix32(h1 ^ key.length ^ low);
    h2 = fmix32(h2 ^ Math.imul(high + 1, 0x27d4eb2f) ^ h1);
    h1 = fmix32(h1 ^ h2);
    this.idHigh = h1 | 0;
    this.idLow = h2 | 0;
    this.reseed(h1 ^ (seedDigest[2] as number), h2 ^ (seedDigest[3] as number), low ^ (seedDigest[4] as number), (high ^ (seedDigest[5] as number)) | 1);
  }

  /** Uniform integer in [0, n), n <= 2^21 (so the product stays exact in a double). */
  below(n: number): number {
    return Math.floor((this.nextUint32() * n) / 4294967296);
  }

  /** Uniform integer in [min, max]. */
  between(min: number, max: number): number {
    return min + this.below(max - min + 1);
  }
}

/** 32-bit mix of two integers, for per-key draws that need no stream (the same in every file that asks). */
export function mixInts(a: number, b: number): number {
  let h = Math.imul(a ^ Math.imul(b, 0x9e3779b9), 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h;
}
