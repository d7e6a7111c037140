import { ByteWriter, WordTable, lit } from './byte-writer.ts';
import type { FileStream } from './file-stream.ts';
import { fillImage } from './image-content.ts';
import { CODE_WORDS, ZipfTable } from './vocabulary.ts';

/**
 * Binaries (shared objects, FST tables, serialised data): an ELF header, then 4 KiB blocks in the shares of a
 * stripped shared object: machine code (instructions from a skewed opcode set, small displacements, rel32
 * calls), symbol tables (24-byte records with slowly growing fields), NUL-terminated symbol names, relocation
 * and padding runs, and some already-compressed data. Real .so files of a Debian /usr compress 2.3x at
 * gzip -1 and 2.6x at zstd -3 (50 largest of /usr/lib/x86_64-linux-gnu); every block is fresh per file, since
 * real binaries share only idioms, not long runs.
 */
const ELF_HEADER = Buffer.from('7f454c4602010100000000000000000003003e0001000000', 'hex');
const BLOCK = 4096;
const MANGLE = lit('_ZN9Wikimedia');
let symbols: WordTable | undefined;

/**
 * x86-64 instruction openings, most frequent first (mov, lea, call, push/pop, test/cmp, jcc, ret, nop): a fixed
 * table, so opcodes repeat across binaries as real ones do. Each entry: opcode bytes, then the operand shape
 * (0 none, 1 ModRM + disp8, 2 rel32, 3 imm32).
 */
const OPCODES: ReadonlyArray<readonly [string, number]> = [
  ['488b', 1], ['4889', 1], ['e8', 2], ['488d', 1], ['85c0', 0], ['0f84', 2], ['4883c4', 3], ['5d', 0], ['c3', 0],
  ['55', 0], ['4889e5', 0], ['8b', 1], ['89', 1], ['4c8b', 1], ['4c89', 1], ['e9', 2], ['74', 1], ['75', 1],
  ['31c0', 0], ['4885c0', 0], ['0f85', 2], ['41', 0], ['53', 0], ['5b', 0], ['c744', 3], ['4883ec', 3], ['ff15', 2],
  ['0fb6', 1], ['3d', 3], ['83f8', 1], ['4839', 1], ['eb', 1], ['66', 1], ['0f1f4400', 0], ['90', 0], ['f30f1efa', 0],
  ['48c7', 3], ['b8', 3], ['ba', 3], ['be', 3], ['bf', 3], ['4156', 0], ['4157', 0], ['415c', 0], ['415d', 0],
];
const OPCODE_BYTES = OPCODES.map(([hex]) => Buffer.from(hex, 'hex'));
const opcodeZipf = new ZipfTable(OPCODES.length, 1.1);

function fillCode(stream: FileStream, target: Buffer, at: number, stop: number): void {
  const start = at;
  while (at < stop) {
    // Compiled code repeats its own idioms (prologues, the same loads and calls): a recent run, copied.
    if (at - start > 256 && stream.below(5) === 0) {
      const length = stream.between(6, 24);
      const from = at - stream.between(length, Math.min(at - start, 2048));
      for (let i = 0; i < length && at < stop; i++) target[at++] = target[from + i] as number;
      continue;
    }
    const op = opcodeZipf.draw(stream);
    const bytes = OPCODE_BYTES[op] as Buffer;
    for (let i = 0; i < bytes.length && at < stop; i++) target[at++] = bytes[i] as number;
    const shape = (OPCODES[op] as readonly [string, number])[1];
    if (shape === 1) {
      // ModRM (a handful of register pairs) and a small, often aligned, displacement.
      if (at < stop) target[at++] = 0x40 + 8 * stream.below(8) + stream.below(4);
      if (at < stop) target[at++] = stream.below(3) === 0 ? stream.below(256) : 8 * stream.below(16);
    } else if (shape === 2 || shape === 3) {
      // rel32 to somewhere within a megabyte, either direction; imm32 mostly small.
      const near = shape === 2 ? stream.below(1 << 20) : stream.below(4) === 0 ? stream.below(1 << 16) : stream.below(64);
      const value = shape === 2 && stream.below(2) === 0 ? -near : near;
      for (let i = 0; i < 4 && at < stop; i++) target[at++] = (value >>> (8 * i)) & 0xff;
    }
  }
}

function fillSymbols(stream: FileStream, target: Buffer, at: number, stop: number): void {
  target.fill(0, at, stop);
  let name = stream.below(1 << 16);
  let value = stream.below(1 << 22);
  for (let p = at; p + 24 <= stop; p += 24) {
    target.writeUInt32LE(name, p);
    target[p + 4] = stream.below(4) === 0 ? 0x11 : 0x12;
    target.writeUInt16LE(stream.below(5) === 0 ? stream.between(1, 30) : 14, p + 6);
    target.writeUInt32LE(value, p + 8);
    target.writeUInt32LE(stream.between(8, 2048), p + 16);
    name += stream.between(8, 60);
    value += stream.between(16, 4096);
  }
}

function fillNames(stream: FileStream, target: Buffer, at: number, stop: number): void {
  const w = new ByteWriter().reset(target, at, stop);
  const words = (symbols ??= new WordTable(CODE_WORDS, 1.0));
  while (!w.full) {
    w.lit(MANGLE);
    for (let i = stream.between(1, 3); i > 0; i--) words.write(w, words.draw(stream), 1);
    w.byte(stream.below(2) === 0 ? 0x76 : 0x45);
    w.byte(0);
  }
}

/** Relocations: 24-byte records whose offsets step by 8 and whose types repeat. */
function fillRelocations(stream: FileStream, target: Buffer, at: number, stop: number): void {
  target.fill(0, at, stop);
  let offset = stream.below(1 << 22) * 8;
  for (let p = at; p + 24 <= stop; p += 24) {
    target.writeUInt32LE(offset, p);
    target[p + 8] = stream.below(3) === 0 ? 0x06 : 0x08;
    target.writeUInt32LE(stream.below(2) === 0 ? 0 : offset + stream.below(1 << 12), p + 16);
    offset += 8 * stream.between(1, 3);
  }
}

export function fillBinary(stream: FileStream, target: Buffer, pos: number, end: number): void {
  let at = pos;
  if (pos === 0) at = ELF_HEADER.copy(target, 0, 0, Math.min(ELF_HEADER.length, end));
  // The entry point differs between binaries: here it carries the file id, so even tiny files differ.
  for (let i = 0; i < 8 && at < end; i++) target[at++] = (i < 4 ? stream.idLow >>> (8 * i) : stream.idHigh >>> (8 * (i - 4))) & 0xff;
  while (at < end) {
    const stop = Math.min(end, at + BLOCK);
    const r = stream.below(20);
    if (r < 9) fillCode(stream, target, at, stop);
    else if (r < 11) fillSymbols(stream, target, at, stop);
    else if (r < 15) fillNames(stream, target, at, stop);
    else if (r < 18) fillRelocations(stream, target, at, stop);
    else if (r < 19) target.fill(0, at, stop);
    else fillImage(stream, target, at, stop);
    at = stop;
  }
}
