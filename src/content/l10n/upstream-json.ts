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

/**
 * The records of an upstream JSON file, in file order, as JSON.parse would give them (a repeated key keeps its
 * first place and its last value); refuses anything but an object of strings. Read straight from the bytes:
 * unescaped strings are views of the input, escaped ones are decoded into one buffer.
 */
export function parseUpstream(json: Buffer): UpstreamRecord[] {
  return new UpstreamReader(json).object();
}

const SIMPLE_ESCAPES: Record<number, number> = { 0x22: 0x22, 0x5c: 0x5c, 0x2f: 0x2f, 0x62: 0x08, 0x66: 0x0c, 0x6e: 0x0a, 0x72: 0x0d, 0x74: 0x09 };

function indexOrEnd(buffer: Buffer, byte: number, from: number): number {
  const at = buffer.indexOf(byte, from);
  return at < 0 ? buffer.length : at;
}

class UpstreamReader {
  private pos = 0;
  private readonly decoded: Buffer;
  private decodedAt = 0;
  /** Where the next backslash at or after the current string is (the input's length when none). */
  private nextBackslash = -1;

  constructor(private readonly json: Buffer) {
    this.decoded = Buffer.allocUnsafe(json.length);
  }

  object(): UpstreamRecord[] {
    const records: Array<[Buffer, Buffer]> = [];
    const seen = new Map<string, number>();
    this.expect(0x7b, 'an upstream l10n JSON file holds one object');
    if (this.peek() === 0x7d) this.pos++;
    else {
      for (;;) {
        const key = this.string();
        this.expect(0x3a, 'expected ":" after a key');
        if (this.peek() !== 0x22) throw new Error(`upstream l10n JSON: the value of "${key.toString('utf8')}" is not a string (byte ${this.pos})`);
        const value = this.string();
        const id = key.toString('latin1');
        const at = seen.get(id);
        if (at === undefined) {
          seen.set(id, records.length);
          records.push([key, value]);
        } else (records[at] as [Buffer, Buffer])[1] = value;
        const next = this.peek();
        this.pos++;
        if (next === 0x7d) break;
        if (next !== 0x2c) throw new Error(`upstream l10n JSON: expected "," or "}" at byte ${this.pos - 1}`);
      }
    }
    if (this.peek() !== undefined) throw new Error(`upstream l10n JSON: unexpected bytes after the object at byte ${this.pos}`);
    return records;
  }

  /** The next non-whitespace byte, the position left on it. */
  private peek(): number | undefined {
    const json = this.json;
    let pos = this.pos;
    let byte = json[pos];
    while (byte === 0x20 || byte === 0x0a || byte === 0x09 || byte === 0x0d) byte = json[++pos];
    this.pos = pos;
    return byte;
  }

  private expect(byte: number, message: string): void {
    if (this.peek() !== byte) throw new Error(`upstream l10n JSON: ${message} (byte ${this.pos})`);
    this.pos++;
  }

  /** A JSON string's UTF-8 bytes: a view of the input when it holds no escape. */
  private string(): Buffer {
    this.expect(0x22, 'expected a string');
    const json = this.json;
    const start = this.pos;
    if (this.nextBackslash < start) this.nextBackslash = indexOrEnd(json, 0x5c, start);
    let quote = json.indexOf(0x22, start);
    if (quote < 0) throw new Error('upstream l10n JSON: unterminated string');
    if (this.nextBackslash > quote) {
      this.pos = quote + 1;
      return json.subarray(start, quote);
    }
    // Runs between escapes are copied whole; the escapes decoded one by one.
    const from = this.decodedAt;
    let out = from;
    let pos = start;
    while (this.nextBackslash < quote) {
      const at = this.nextBackslash;
      out += json.copy(this.decoded, out, pos, at);
      pos = at + this.escape(at, out);
      out = this.decodedAt;
      this.nextBackslash = indexOrEnd(json, 0x5c, pos);
      if (quote < pos) quote = json.indexOf(0x22, pos);
      if (quote < 0) throw new Error('upstream l10n JSON: unterminated string');
    }
    out += json.copy(this.decoded, out, pos, quote);
    this.pos = quote + 1;
    this.decodedAt = out;
    return this.decoded.subarray(from, out);
  }

  /** Decodes the escape at `at` into the decoded buffer at `out`; returns the escape's length in the input. */
  private escape(at: number, out: number): number {
    const json = this.json;
    const kind = json[at + 1] as number;
    const simple = SIMPLE_ESCAPES[kind];
    if (simple !== undefined) {
      this.decoded[out] = simple;
      this.decodedAt = out + 1;
      return 2;
    }
    if (kind !== 0x75) throw new Error(`upstream l10n JSON: bad escape at byte ${at}`);
    let code = parseInt(json.toString('latin1', at + 2, at + 6), 16);
    let length = 6;
    // A surrogate pair in two escapes is one character.
    if (code >= 0xd800 && code < 0xdc00 && json[at + 6] === 0x5c && json[at + 7] === 0x75) {
      const low = parseInt(json.toString('latin1', at + 8, at + 12), 16);
      if (low >= 0xdc00 && low < 0xe000) {
        code = 0x10000 + ((code - 0xd800) << 10) + (low - 0xdc00);
        length = 12;
      }
    }
    if (!Number.isInteger(code)) throw new Error(`upstream l10n JSON: bad escape at byte ${at}`);
    this.decodedAt = out + this.decoded.write(String.fromCodePoint(code), out, 'utf8');
    return length;
  }
}

/** What scap's merge_cdb_updates does per language: the CDB of the JSON's records, in the JSON's order. */
export function cdbFromUpstreamJson(json: Buffer): Buffer {
  return writeCdb(parseUpstream(json));
}
