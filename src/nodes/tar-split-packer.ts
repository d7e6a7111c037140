import { isUtf8 } from 'node:buffer';
import { ShipbenchError } from '../core/errors.ts';
import { Crc64Iso } from './crc64-iso.ts';

/**
 * tar-split's record of a tar stream, as dockerd's layer store keeps one per layer to rebuild the exact tar
 * later (moby layer/layer_store.go applyTar: `asm.NewInputTarStream(tr, storage.NewJSONPacker(tsw), nil)`,
 * gzipped into layerdb's tar-split.json.gz). tar-split (tar/asm/disassemble.go, its archive/tar fork with
 * RawAccounting, tar/storage) reads the stream as it passes and writes one JSON line per record:
 * - a segment (`"type":2`) with the raw bytes read since the last record, base64: the previous entry's
 *   padding, any PAX or GNU long-name headers with their data, and the entry's own header block;
 * - a file (`"type":1`) per entry, of whatever type, with its name, size (left out when 0) and, when the
 *   header's size is above 0, the CRC-64/ISO of the content read (the putter's checksum), base64;
 * - after the last entry, a segment with the padding and the two zero blocks, then the stream's rest
 *   (whatever follows the end marker) and a last, empty segment once it ends.
 * `position` counts records from 0. Go's encoding/json writes the lines: HTML characters escaped, and a
 * name that is not valid UTF-8 goes in `name_raw` (base64) instead.
 */
export class TarSplitPacker {
  private readonly raw: Buffer[] = [];
  /** Bytes still wanted for the current header-side read (a header block, padding, special data). */
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private want = 512;
  private state: 'header' | 'special' | 'content' | 'second-zero' | 'trailer' = 'header';
  /** Content bytes of the current entry left to checksum. */
  private contentLeft = 0;
  private padding = 0;
  private crc: Crc64Iso | undefined;
  private entry: { name: Buffer; size: number } | undefined;
  private special: { type: string; size: number; name: Buffer } | undefined;
  private longName: Buffer | undefined;
  private paxPath: Buffer | undefined;
  private paxSize: number | undefined;
  private position = 0;
  private readonly seen = new Set<string>();

  /** `emit` receives each JSON line, newline included. */
  constructor(
    private readonly emit: (line: string) => void,
    private readonly layer: string,
  ) {}

  push(chunk: Buffer): void {
    let at = 0;
    while (at < chunk.length) {
      if (this.state === 'trailer') {
        this.raw.push(chunk.subarray(at));
        return;
      }
      if (this.state === 'content') {
        const n = Math.min(this.contentLeft, chunk.length - at);
        this.crc?.update(chunk.subarray(at, at + n));
        this.contentLeft -= n;
        at += n;
        if (this.contentLeft === 0) this.endContent();
        continue;
      }
      const n = Math.min(this.want - this.pendingBytes, chunk.length - at);
      this.pending.push(chunk.subarray(at, at + n));
      this.pendingBytes += n;
      at += n;
      if (this.pendingBytes === this.want) this.take(Buffer.concat(this.pending, this.pendingBytes));
    }
  }

  /** The stream ended: the last segments. */
  end(): void {
    // Go's reader takes the stream's end where a header could start (or inside padding) for the archive's end.
    const atBoundary = (this.state === 'header' || this.state === 'second-zero') && (this.pendingBytes === 0 || this.padding > 0);
    if (this.state !== 'trailer' && !atBoundary) throw new ShipbenchError('invalid-layer', `layer ${this.layer} is not a valid tar: it ends inside an entry`);
    this.raw.push(...this.pending);
    this.pending = [];
    this.segment();
    this.record({ type: 2, payload: Buffer.alloc(0) });
  }

  /** A full header-side read: a header block, one of the two zero blocks, padding, or a special entry's data. */
  private take(block: Buffer): void {
    this.pending = [];
    this.pendingBytes = 0;
    this.raw.push(block);
    if (this.state === 'special') return this.endSpecial(block);
    if (this.padding > 0) {
      this.padding = 0;
      this.want = 512;
      return;
    }
    const zero = block.every((b) => b === 0);
    if (this.state === 'second-zero') {
      if (!zero) throw new ShipbenchError('invalid-layer', `layer ${this.layer} is not a valid tar: a zero block followed by a header`);
      this.segment();
      this.state = 'trailer';
      return;
    }
    if (zero) {
      this.state = 'second-zero';
      return;
    }
    this.header(block);
  }

  private header(block: Buffer): void {
    const type = String.fromCharCode(block[156] as number);
    const size = parseNumber(block.subarray(124, 136), this.layer);
    if (type === 'x' || type === 'g' || type === 'L' || type === 'K') {
      this.special = { type, size, name: headerName(block) };
      this.state = 'special';
      this.want = size;
      if (size === 0) this.endSpecial(Buffer.alloc(0));
      return;
    }
    const name = this.longName ?? this.paxPath ?? headerName(block);
    const headerSize = this.paxSize ?? size;
    this.longName = this.paxPath = this.paxSize = undefined;
    // Header-only types carry no content whatever their size field says (Go's archive/tar isHeaderOnlyType).
    const legacyDir = type === '\0' && name[name.length - 1] === 0x2f;
    const contentBytes = '123456'.includes(type) || legacyDir ? 0 : headerSize;
    this.startEntry(name, headerSize, contentBytes, padTo512(contentBytes));
  }

  private startEntry(name: Buffer, size: number, contentBytes: number, padding: number): void {
    this.segment();
    this.entry = { name, size };
    this.crc = size > 0 ? new Crc64Iso() : undefined;
    this.contentLeft = contentBytes;
    this.padding = padding;
    if (contentBytes === 0) this.endContent();
    else this.state = 'content';
  }

  private endContent(): void {
    const entry = this.entry as { name: Buffer; size: number };
    const key = cleanPath(entry.name.toString('latin1'));
    if (this.seen.has(key)) throw new ShipbenchError('invalid-layer', `layer ${this.layer}: tar-split refuses a second entry for ${JSON.stringify(entry.name.toString('utf8'))} (storage.ErrDuplicatePath)`);
    this.seen.add(key);
    this.record({ type: 1, name: entry.name, size: entry.size, payload: this.crc?.digest() });
    this.entry = this.crc = undefined;
    this.state = 'header';
    this.want = this.padding > 0 ? this.padding : 512;
  }

  private endSpecial(data: Buffer): void {
    const special = this.special as { type: string; size: number; name: Buffer };
    this.special = undefined;
    this.state = 'header';
    if (special.type === 'L') this.longName = cString(data);
    if (special.type === 'x') {
      const records = paxRecords(data);
      this.paxPath = records.get('path') ?? this.paxPath;
      const size = records.get('size');
      if (size !== undefined) this.paxSize = Number(size.toString('latin1'));
    }
    // A global header is an entry of its own in Go's reader (with no size); the others describe the next one.
    if (special.type === 'g') return this.startEntry(special.name, 0, 0, padTo512(special.size));
    this.padding = padTo512(special.size);
    this.want = this.padding > 0 ? this.padding : 512;
  }

  private segment(): void {
    if (this.raw.length === 0) return;
    this.record({ type: 2, payload: Buffer.concat(this.raw) });
    this.raw.length = 0;
  }

  private record(e: { type: 1 | 2; name?: Buffer; size?: number; payload: Buffer | undefined }): void {
    let line = `{"type":${e.type}`;
    if (e.name !== undefined && e.name.length > 0) line += isUtf8(e.name) ? `,"name":${goJsonString(e.name.toString('utf8'))}` : `,"name_raw":"${e.name.toString('base64')}"`;
    if (e.size !== undefined && e.size !== 0) line += `,"size":${e.size}`;
    line += `,"payload":${e.payload === undefined ? 'null' : `"${e.payload.toString('base64')}"`},"position":${this.position++}}\n`;
    this.emit(line);
  }
}

/** ustar's name: the prefix field joined to the name field when the magic says POSIX ustar (not GNU). */
function headerName(block: Buffer): Buffer {
  const name = cString(block.subarray(0, 100));
  const posix = block.subarray(257, 263).toString('latin1') === 'ustar\0';
  const prefix = posix ? cString(block.subarray(345, 500)) : Buffer.alloc(0);
  return prefix.length > 0 ? Buffer.concat([prefix, Buffer.from('/'), name]) : name;
}

function padTo512(bytes: number): number {
  return (512 - (bytes % 512)) % 512;
}

function cString(field: Buffer): Buffer {
  const nul = field.indexOf(0);
  return nul === -1 ? field : field.subarray(0, nul);
}

/** A numeric header field: octal text, or base-256 when the top bit of its first byte is set (GNU). */
function parseNumber(field: Buffer, layer: string): number {
  if (((field[0] as number) & 0x80) !== 0) {
    let n = (field[0] as number) & 0x7f;
    for (let i = 1; i < field.length; i++) n = n * 256 + (field[i] as number);
    return n;
  }
  const text = cString(field).toString('latin1').trim();
  if (text !== '' && !/^[0-7]+$/.test(text)) throw new ShipbenchError('invalid-layer', `layer ${layer} is not a valid tar: size field ${JSON.stringify(text)}`);
  return text === '' ? 0 : parseInt(text, 8);
}

/** PAX records (`LEN key=value\n`), values as bytes. */
function paxRecords(data: Buffer): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  let at = 0;
  while (at < data.length) {
    const space = data.indexOf(0x20, at);
    const length = Number(data.subarray(at, space).toString('latin1'));
    if (space === -1 || !Number.isInteger(length) || length <= 0) break;
    const record = data.subarray(space + 1, at + length - 1);
    const eq = record.indexOf(0x3d);
    if (eq !== -1) out.set(record.subarray(0, eq).toString('latin1'), record.subarray(eq + 1));
    at += length;
  }
  return out;
}

/** filepath.Clean, enough for the duplicate check: no empty or `.` components, `..` folded. */
function cleanPath(path: string): string {
  const parts: string[] = [];
  for (const p of path.split('/')) {
    if (p === '' || p === '.') continue;
    if (p === '..' && parts.length > 0 && parts.at(-1) !== '..') parts.pop();
    else if (p !== '..' || !path.startsWith('/')) parts.push(p);
  }
  const joined = parts.join('/');
  return path.startsWith('/') ? `/${joined}` : joined === '' ? '.' : joined;
}

/** A string as Go's encoding/json writes it: `<`, `>`, `&`, U+2028 and U+2029 escaped, other controls as \u00XX. */
function goJsonString(s: string): string {
  return JSON.stringify(s).replace(/\\.|[<>&\u2028\u2029]/g, (c) => {
    if (c === '\\b') return '\\u0008';
    if (c === '\\f') return '\\u000c';
    if (c.length === 2) return c;
    return `\\u${(c.codePointAt(0) as number).toString(16).padStart(4, '0')}`;
  });
}
