/**
 * CRC-64 with the ISO 3309 polynomial, as Go's hash/crc64 computes it (`crc64.MakeTable(crc64.ISO)`: the
 * reflected polynomial 0xD800000000000000, all bits inverted before and after): tar-split records it for
 * every file's content (tar/storage getter.go, bitBucketFilePutter). The 64-bit state is kept as two 32-bit
 * halves; eight bytes at a time go through eight tables (slicing-by-8, as Go does for long inputs), the
 * rest a byte at a time.
 */
const POLY_HIGH = 0xd8000000;
const HIGH: Uint32Array[] = [];
const LOW: Uint32Array[] = [];
for (let t = 0; t < 8; t++) {
  HIGH.push(new Uint32Array(256));
  LOW.push(new Uint32Array(256));
}
for (let i = 0; i < 256; i++) {
  let hi = 0;
  let lo = i;
  for (let j = 0; j < 8; j++) {
    const odd = lo & 1;
    lo = ((lo >>> 1) | ((hi & 1) << 31)) >>> 0;
    hi = ((hi >>> 1) ^ (odd === 1 ? POLY_HIGH : 0)) >>> 0;
  }
  (HIGH[0] as Uint32Array)[i] = hi;
  (LOW[0] as Uint32Array)[i] = lo;
}
// Table t: the CRC of byte i followed by t zero bytes (Go's makeSlicingBy8Table).
for (let i = 0; i < 256; i++) {
  let hi = (HIGH[0] as Uint32Array)[i] as number;
  let lo = (LOW[0] as Uint32Array)[i] as number;
  for (let t = 1; t < 8; t++) {
    const index = lo & 0xff;
    lo = ((lo >>> 8) | (hi << 24)) ^ ((LOW[0] as Uint32Array)[index] as number);
    hi = (hi >>> 8) ^ ((HIGH[0] as Uint32Array)[index] as number);
    (HIGH[t] as Uint32Array)[i] = hi >>> 0;
    (LOW[t] as Uint32Array)[i] = lo >>> 0;
  }
}
const [H0, H1, H2, H3, H4, H5, H6, H7] = HIGH as [Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array];
const [L0, L1, L2, L3, L4, L5, L6, L7] = LOW as [Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array];

/** Whether a Uint32Array reads memory little-endian here (x86, arm64): the word loop below assumes it. */
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

export class Crc64Iso {
  // The inverted state, as Go keeps it between updates.
  private hi = 0xffffffff;
  private lo = 0xffffffff;

  update(data: Uint8Array): void {
    let hi = this.hi;
    let lo = this.lo;
    let i = 0;
    const n = data.length;
    // A byte at a time up to a 4-byte boundary of the memory beneath, so the rest is read a word at a time:
    // a third less CPU than assembling each word from bytes (on a big-endian machine, bytes all the way).
    for (; i < n && (!LITTLE_ENDIAN || ((data.byteOffset + i) & 3) !== 0); i++) {
      const index = (lo ^ (data[i] as number)) & 0xff;
      lo = (lo >>> 8) | (hi << 24);
      hi = (hi >>> 8) ^ (H0[index] as number);
    }
    const pairs = (n - i) >>> 3;
    if (pairs > 0) {
      const words = new Uint32Array(data.buffer, data.byteOffset + i, pairs * 2);
      for (let k = 0; k < words.length; k += 2) {
        const a = lo ^ (words[k] as number);
        const b = hi ^ (words[k + 1] as number);
        const a0 = a & 0xff, a1 = (a >>> 8) & 0xff, a2 = (a >>> 16) & 0xff, a3 = a >>> 24;
        const b0 = b & 0xff, b1 = (b >>> 8) & 0xff, b2 = (b >>> 16) & 0xff, b3 = b >>> 24;
        lo = (L7[a0] as number) ^ (L6[a1] as number) ^ (L5[a2] as number) ^ (L4[a3] as number) ^ (L3[b0] as number) ^ (L2[b1] as number) ^ (L1[b2] as number) ^ (L0[b3] as number);
        hi = (H7[a0] as number) ^ (H6[a1] as number) ^ (H5[a2] as number) ^ (H4[a3] as number) ^ (H3[b0] as number) ^ (H2[b1] as number) ^ (H1[b2] as number) ^ (H0[b3] as number);
      }
      i += pairs * 8;
    }
    for (; i < n; i++) {
      const index = (lo ^ (data[i] as number)) & 0xff;
      lo = (lo >>> 8) | (hi << 24);
      hi = (hi >>> 8) ^ (H0[index] as number);
    }
    this.hi = hi >>> 0;
    this.lo = lo >>> 0;
  }

  /** The checksum as Go's `Sum(nil)` gives it: 8 bytes, big-endian. */
  digest(): Buffer {
    const out = Buffer.alloc(8);
    out.writeUInt32BE(~this.hi >>> 0, 0);
    out.writeUInt32BE(~this.lo >>> 0, 4);
    return out;
  }
}
