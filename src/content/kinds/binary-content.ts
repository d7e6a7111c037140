import type { Rng } from '../../core/rng.ts';
import type { FileStream } from './file-stream.ts';
import { randomBytes } from './random-bytes.ts';
import { runCorpus, walkRuns, type RunCorpus, type WalkShape } from './run-corpus.ts';
import { CODE_WORDS, ZipfTable, camel } from './vocabulary.ts';

/**
 * Vendor binaries (shared objects, FST tables): machine-code-like byte streams, random-looking regions
 * (compressed data, FST arcs), tables of small fixed-size structs, string tables and zero padding, mixed in
 * blocks of a few KiB so any 100 KB stretch has the file-wide mix. Each file starts with an ELF header and a
 * GNU build-id note whose 20 bytes come from the file's own stream.
 */

export interface BinaryCorpusShape {
  readonly corpusBytes: number;
  /**
   * Byte shares of block kinds; their mix sets the gzip ratio (at gzip -1: random 1.0, code ~1.3, struct
   * tables ~2.6, string tables ~4.8, padding ~200).
   */
  readonly shares: Readonly<Record<BlockKind, number>>;
}

type BlockKind = 'code' | 'random' | 'structs' | 'strings' | 'padding';
const BLOCK_KINDS: readonly BlockKind[] = ['code', 'random', 'structs', 'strings', 'padding'];

export const DEFAULT_BINARY_SHAPE: BinaryCorpusShape = {
  corpusBytes: 128 << 10,
  shares: { code: 0.43, random: 0.14, structs: 0.18, strings: 0.14, padding: 0.11 },
};

const WALK: WalkShape = { minUnits: 4, maxUnits: 16, maxSkip: 8 };
/**
 * Blocks come in groups holding every kind in its share, in shuffled order: a file is a walk over a few
 * groups, and stratifying keeps its mix, hence its ratio, close to the corpus's at any size.
 */
const GROUP_BYTES = 24 << 10;

// Common x86-64 opcodes, most frequent first (mov, call, lea, test, jcc, push/pop, ...).
const OPCODES = [0x89, 0x8b, 0xe8, 0x8d, 0x85, 0x74, 0x75, 0x83, 0x0f, 0xc3, 0x31, 0x39, 0xeb, 0xc7, 0x55, 0x5d, 0x53, 0x5b, 0x41, 0xff, 0x01, 0x29, 0x3b, 0x80, 0xb8, 0xe9, 0x66, 0x90, 0x48, 0x4c];

class BinaryCorpusWriter {
  readonly bytes: Buffer;
  readonly starts: number[] = [];
  pos = 0;
  private readonly opcodes = new ZipfTable(OPCODES.length, 1.1);
  private readonly modrm = new ZipfTable(64, 1.2);
  private readonly symbols = new ZipfTable(CODE_WORDS.length, 1.0);

  constructor(
    private readonly rng: Rng,
    capacity: number,
  ) {
    this.bytes = Buffer.alloc(capacity);
  }

  block(kind: BlockKind, size: number): void {
    this.starts.push(this.pos);
    const end = this.pos + size;
    if (kind === 'code') this.code(end);
    else if (kind === 'random') randomBytes(this.rng, size).copy(this.bytes, this.pos);
    else if (kind === 'structs') this.structs(end);
    else if (kind === 'strings') this.strings(end);
    // Padding: zeros, which Buffer.alloc already holds; other kinds leave their tail zero too.
    this.pos = end;
  }

  private code(end: number): void {
    const { rng, bytes } = this;
    let pos = this.pos;
    while (pos < end - 16) {
      if (rng.next() < 0.5) bytes[pos++] = 0x48;
      const op = OPCODES[this.opcodes.draw(rng)] as number;
      bytes[pos++] = op;
      if (op === 0xe8 || op === 0xe9) {
        // rel32 call and jump targets: random low bytes, sign-extended high bytes.
        bytes.writeInt32LE(rng.int(-1 << 20, 1 << 20), pos);
        pos += 4;
      } else {
        bytes[pos++] = 0x40 + this.modrm.draw(rng) + (rng.next() < 0.6 ? 0x80 : 0);
        if (rng.next() < 0.4) bytes[pos++] = rng.next() < 0.5 ? rng.int(0, 0x1f) * 8 : 0xf8 - rng.int(0, 8) * 8;
        if (rng.next() < 0.1) {
          bytes.writeUInt32LE(rng.int(0, 0xffff), pos);
          pos += 4;
        }
      }
    }
  }

  /** Elf64_Sym-like entries: name offset, info, other, section, value, size. */
  private structs(end: number): void {
    const { rng, bytes } = this;
    let name = rng.int(0, 1 << 16);
    let value = rng.int(0x1000, 1 << 22);
    for (let pos = this.pos; pos + 24 <= end; pos += 24) {
      bytes.writeUInt32LE(name, pos);
      bytes[pos + 4] = rng.next() < 0.7 ? 0x12 : 0x11;
      bytes.writeUInt16LE(rng.next() < 0.8 ? 14 : rng.int(1, 30), pos + 6);
      bytes.writeUInt32LE(value, pos + 8);
      bytes.writeUInt32LE(rng.int(8, 2048), pos + 16);
      name += rng.int(8, 60);
      value += rng.int(16, 4096);
    }
  }

  /** Mangled C++ symbol names, NUL-terminated. */
  private strings(end: number): void {
    const { rng } = this;
    let pos = this.pos;
    while (pos < end - 96) {
      const parts: string[] = [];
      for (let i = rng.int(1, 3); i > 0; i--) parts.push(CODE_WORDS[this.symbols.draw(rng)] as string);
      const name = camel(parts, true);
      pos += this.bytes.write(`_ZN9Wikimedia${name.length}${name}E${rng.next() < 0.5 ? 'v' : 'RKS_'}\0`, pos, 'latin1');
    }
  }
}

export function createBinaryContent(rng: Rng, shape: BinaryCorpusShape = DEFAULT_BINARY_SHAPE): BinaryContent {
  const writer = new BinaryCorpusWriter(rng, shape.corpusBytes + 2 * GROUP_BYTES);
  const order = [...BLOCK_KINDS];
  while (writer.pos < shape.corpusBytes) {
    // Fisher-Yates: each group lays its kinds out in a new order.
    for (let i = order.length - 1; i > 0; i--) {
      const j = rng.int(0, i);
      [order[i], order[j]] = [order[j] as BlockKind, order[i] as BlockKind];
    }
    for (const kind of order) {
      let left = Math.round(shape.shares[kind] * GROUP_BYTES);
      while (left >= 256) {
        const size = Math.min(left, rng.int(512, 6144));
        writer.block(kind, size);
        left -= size;
      }
    }
  }
  return new BinaryContent(runCorpus(writer.bytes.subarray(0, writer.pos), writer.starts, [0, writer.pos]));
}

// ELF64 header of an x86-64 shared object, then the header of a GNU build-id note (its 20 bytes follow).
const ELF_HEADER = Buffer.from(
  '7f454c4602010100000000000000000003003e0001000000' + '0000000000000000' + '4000000000000000' + '0000000000000000' + '00000000400038000b0040002000' + '1f00' +
    '040000001400000003000000474e5500',
  'hex',
);
const ENTRY_OFFSET = 24;
const SECTION_HEADERS_OFFSET = 40;
const BUILD_ID_BYTES = 20;

export class BinaryContent {
  constructor(private readonly corpus: RunCorpus) {}

  fill(stream: FileStream, target: Buffer, bytes: number): void {
    const header = Math.min(ELF_HEADER.length, bytes);
    ELF_HEADER.copy(target, 0, 0, header);
    // Entry point and section header offset differ between real binaries: here they carry the file id, so
    // files cut short inside the header differ too.
    if (ENTRY_OFFSET + 4 <= header) target.writeUInt32LE(stream.idLow >>> 0, ENTRY_OFFSET);
    if (SECTION_HEADERS_OFFSET + 4 <= header) target.writeUInt32LE(stream.idHigh >>> 0, SECTION_HEADERS_OFFSET);
    let pos = header;
    for (let i = 0; i < BUILD_ID_BYTES && pos < bytes; i++) target[pos++] = stream.nextUint32() & 0xff;
    if (pos < bytes) walkRuns(this.corpus, 0, 0, 0, WALK, stream, target, pos, bytes, false);
  }
}
