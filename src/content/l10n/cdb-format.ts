/**
 * D. J. Bernstein's constant database, as MediaWiki's l10n cache and scap's cdblib write it: a 2048-byte
 * header of 256 (table position, slot count) pairs, the records (key length, value length as u32 LE, key,
 * value) in insertion order, then 256 open-addressing hash tables with twice as many slots as keys, each
 * slot a (hash, record position) pair. The same records in the same order always give the same bytes.
 */

const HEADER_BYTES = 2048;
const SLOT_BYTES = 8;

/** Bytes of a CDB holding `records` records whose keys and values add up to `keyValueBytes`. */
export function cdbBytes(records: number, keyValueBytes: number): number {
  return HEADER_BYTES + keyValueBytes + records * (8 + 2 * SLOT_BYTES);
}

/** cdb's hash: h = 5381; h = (h * 33) ^ byte, in 32 bits. */
export function cdbHash(key: Buffer): number {
  let h = 5381;
  for (let i = 0; i < key.length; i++) h = (Math.imul(h, 33) ^ (key[i] as number)) >>> 0;
  return h;
}

/** The CDB of `records`, keys and values as given (UTF-8 bytes), in their order; keys must be distinct. */
export function writeCdb(records: ReadonlyArray<readonly [Buffer, Buffer]>): Buffer {
  let keyValueBytes = 0;
  for (const [key, value] of records) keyValueBytes += key.length + value.length;
  const out = Buffer.allocUnsafe(cdbBytes(records.length, keyValueBytes));
  const hashes = new Uint32Array(records.length);
  const positions = new Uint32Array(records.length);
  const perTable = new Uint32Array(256);
  let pos = HEADER_BYTES;
  records.forEach(([key, value], i) => {
    const hash = cdbHash(key);
    hashes[i] = hash;
    positions[i] = pos;
    perTable[hash & 0xff] = (perTable[hash & 0xff] as number) + 1;
    out.writeUInt32LE(key.length, pos);
    out.writeUInt32LE(value.length, pos + 4);
    out.set(key, pos + 8);
    out.set(value, pos + 8 + key.length);
    pos += 8 + key.length + value.length;
  });
  // Each table's slots as (hash, position) pairs; a slot is empty while its position is 0.
  const tableAt = new Uint32Array(257);
  for (let t = 0; t < 256; t++) tableAt[t + 1] = (tableAt[t] as number) + 2 * (perTable[t] as number);
  const slots = new Uint32Array(2 * (tableAt[256] as number));
  for (let i = 0; i < records.length; i++) {
    const hash = hashes[i] as number;
    const t = hash & 0xff;
    const first = tableAt[t] as number;
    const count = (tableAt[t + 1] as number) - first;
    // Linear probing from the hash's upper bits, in record order, as cdb_make does.
    let slot = (hash >>> 8) % count;
    while (slots[2 * (first + slot) + 1] !== 0) slot = (slot + 1) % count;
    slots[2 * (first + slot)] = hash;
    slots[2 * (first + slot) + 1] = positions[i] as number;
  }
  for (let t = 0; t < 256; t++) {
    out.writeUInt32LE(pos + (tableAt[t] as number) * SLOT_BYTES, t * 8);
    out.writeUInt32LE((tableAt[t + 1] as number) - (tableAt[t] as number), t * 8 + 4);
  }
  for (let i = 0; i < slots.length; i++) out.writeUInt32LE(slots[i] as number, pos + i * 4);
  return out;
}

/** Looks `key` up in a CDB (what MediaWiki's reader does); undefined when absent. */
export function readCdb(cdb: Buffer, key: Buffer): Buffer | undefined {
  const hash = cdbHash(key);
  const table = cdb.readUInt32LE((hash & 0xff) * 8);
  const slots = cdb.readUInt32LE((hash & 0xff) * 8 + 4);
  for (let probe = 0, slot = (hash >>> 8) % Math.max(1, slots); probe < slots; probe++, slot = (slot + 1) % slots) {
    const at = cdb.readUInt32LE(table + slot * SLOT_BYTES + 4);
    if (at === 0) return undefined;
    if (cdb.readUInt32LE(table + slot * SLOT_BYTES) !== hash) continue;
    const keyLength = cdb.readUInt32LE(at);
    if (keyLength === key.length && cdb.subarray(at + 8, at + 8 + keyLength).equals(key)) return cdb.subarray(at + 8 + keyLength, at + 8 + keyLength + cdb.readUInt32LE(at + 4));
  }
  return undefined;
}
