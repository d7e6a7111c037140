/**
 * CRC-64 with the ISO 3309 polynomial, as Go's hash/crc64 computes it (`crc64.MakeTable(crc64.ISO)`: the
 * reflected polynomial 0xD800000000000000, all bits inverted before and after): tar-split records it for
 * every file's content (tar/storage getter.go, bitBucketFilePutter). Every table entry has its low 32 bits
 * zero (the polynomial's set bits sit at 59 and above and move down at most 7 places), so the 64-bit state
 * fits two 32-bit halves and only the high half takes the table.
 */
const HIGH = new Uint32Array(256);
for (let i = 0; i < 256; i++) {
  let hi = 0;
  let lo = i;
  for (let j = 0; j < 8; j++) {
    const odd = lo & 1;
    lo = ((lo >>> 1) | ((hi & 1) << 31)) >>> 0;
    hi = (hi >>> 1) ^ (odd === 1 ? 0xd8000000 : 0);
  }
  HIGH[i] = hi >>> 0;
}

export class Crc64Iso {
  // The inverted state, as Go keeps it between updates.
  private hi = 0xffffffff;
  private lo = 0xffffffff;

  update(data: Uint8Array): void {
    let hi = this.hi;
    let lo = this.lo;
    for (let i = 0; i < data.length; i++) {
      const index = (lo ^ (data[i] as number)) & 0xff;
      lo = (lo >>> 8) | (hi << 24);
      hi = (hi >>> 8) ^ (HIGH[index] as number);
    }
    this.hi = hi;
    this.lo = lo;
  }

  /** The checksum as Go's `Sum(nil)` gives it: 8 bytes, big-endian. */
  digest(): Buffer {
    const out = Buffer.alloc(8);
    out.writeUInt32BE(~this.hi >>> 0, 0);
    out.writeUInt32BE(~this.lo >>> 0, 4);
    return out;
  }
}
