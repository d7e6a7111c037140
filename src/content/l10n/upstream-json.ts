import { cdbBytes, writeCdb } from './cdb-format.ts';

/**
 * scap's upstream JSON of one l10n cache file (`cache/l10n/upstream/l10n_cache-<lang>.cdb.json`): the CDB's
 * records as one JSON object, key to value, values PHP-serialized as the cache holds them. scap ships these
 * and rebuilds each CDB on the node from its JSON (merge_cdb_updates), so a CDB here is a function of its JSON:
 * `cdbFromUpstreamJson`, used alike by the content model (image side) and by the nodes (volume side).
 *
 * Layout, one record a line: `{\n`, then `\t"<key>": "s:<n>:\"<text>\";",\n` per record (the last without
 * its comma), then `}\n`. Every value holds exactly two quotes and text without quotes or backslashes, so a
 * record of key and value bytes k + v takes k + v + 11 bytes of JSON (10 for the last): a file of J bytes
 * with n records holds J - 3 - 11n bytes of keys and values, and its CDB is J + 2045 + 13n bytes.
 */

export type UpstreamRecord = readonly [key: Buffer, value: Buffer];

/** JSON bytes per record, on average: MediaWiki's caches hold messages of about this size. */
const JSON_BYTES_PER_RECORD = 110;
/** Per record: JSON punctuation around key and value (with the value's two escaped quotes). */
export const RECORD_JSON_OVERHEAD = 11;
/** Keys stay under this, so a record of the smallest size still fits a key and a one-byte text. */
export const MAX_KEY_BYTES = 64;
/** `s:1:"x";` */
export const MIN_VALUE_BYTES = 8;
/** Key plus value bytes of one record: room for the longest key (one byte more, see the value sizing) and a value. */
export const MIN_RECORD_BODY = MAX_KEY_BYTES + 1 + MIN_VALUE_BYTES;
export const MAX_RECORD_BODY = 4000;

const OPEN = Buffer.from('{\n');
const CLOSE = Buffer.from('}\n');

/** Records an upstream JSON of `bytes` bytes holds: none when no record fits (then `{`, spaces, `}`). */
export function upstreamRecordCount(bytes: number): number {
  if (bytes - 3 - RECORD_JSON_OVERHEAD < MIN_RECORD_BODY) return 0;
  return Math.max(1, Math.floor((bytes - 3) / JSON_BYTES_PER_RECORD));
}

/** Key and value bytes all records of an upstream JSON of `bytes` bytes add up to. */
export function upstreamBodyBytes(bytes: number): number {
  const n = upstreamRecordCount(bytes);
  return n === 0 ? 0 : bytes - 3 - RECORD_JSON_OVERHEAD * n;
}

/** Smallest upstream JSON: `{}` and a newline. */
export const MIN_UPSTREAM_BYTES = 3;

/** Bytes of the CDB built from an upstream JSON of `jsonBytes` bytes. */
export function cdbBytesForUpstream(jsonBytes: number): number {
  return cdbBytes(upstreamRecordCount(jsonBytes), upstreamBodyBytes(jsonBytes));
}

/** The upstream JSON size whose CDB comes closest to `cdbBytes` (for drawing sizes as CDB sizes). */
export function upstreamBytesForCdb(cdbTarget: number): number {
  // CDB ≈ J (1 + 13 / 110) + 2045: start there and step to the closest.
  let j = Math.max(MIN_UPSTREAM_BYTES, Math.round((cdbTarget - 2045) / (1 + 13 / JSON_BYTES_PER_RECORD)));
  while (j > MIN_UPSTREAM_BYTES && cdbBytesForUpstream(j) > cdbTarget) j--;
  return j;
}

/** The JSON text of `records`, exactly `bytes` long (an internal error when the records do not add up). */
export function serializeUpstream(records: readonly UpstreamRecord[], bytes: number): Buffer {
  const out = Buffer.alloc(bytes, 0x20);
  let pos = OPEN.copy(out, 0);
  if (records.length === 0) {
    // `{`, spaces, `}\n`: still valid JSON, of the size asked.
    out[pos - 1] = 0x20;
    CLOSE.copy(out, bytes - CLOSE.length);
    return out;
  }
  records.forEach(([key, value], i) => {
    out[pos++] = 0x09;
    out[pos++] = 0x22;
    pos += key.copy(out, pos);
    pos += out.write('": "', pos, 'latin1');
    for (const byte of value) {
      if (byte === 0x22 || byte === 0x5c) out[pos++] = 0x5c;
      out[pos++] = byte;
    }
    out[pos++] = 0x22;
    if (i < records.length - 1) out[pos++] = 0x2c;
    out[pos++] = 0x0a;
  });
  pos += CLOSE.copy(out, pos);
  if (pos !== bytes) throw new Error(`upstream JSON of ${records.length} records is ${pos} bytes, ${bytes} were planned`);
  return out;
}

/** The records of an upstream JSON file, in file order; refuses anything but an object of strings. */
export function parseUpstream(json: Buffer): UpstreamRecord[] {
  const data: unknown = JSON.parse(json.toString('utf8'));
  if (typeof data !== 'object' || data === null || Array.isArray(data)) throw new Error('an upstream l10n JSON file holds one object');
  return Object.entries(data as Record<string, unknown>).map(([key, value]) => {
    if (typeof value !== 'string') throw new Error(`upstream l10n JSON: the value of "${key}" is not a string`);
    return [Buffer.from(key, 'utf8'), Buffer.from(value, 'utf8')] as const;
  });
}

/** What scap's merge_cdb_updates does per language: the CDB of the JSON's records, in the JSON's order. */
export function cdbFromUpstreamJson(json: Buffer): Buffer {
  return writeCdb(parseUpstream(json));
}
