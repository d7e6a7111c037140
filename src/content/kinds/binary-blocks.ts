import { ByteWriter, WordTable, lit } from './byte-writer.ts';
import type { FileStream } from './file-stream.ts';
import { fillImage } from './image-content.ts';
import { CODE_WORDS } from './vocabulary.ts';

/**
 * Binaries (shared objects, FST tables, data files): an ELF header, then 4 KiB blocks of machine-code-like
 * random bytes, symbol tables (24-byte records with slowly growing fields), NUL-terminated symbol names and
 * zero padding, in the shares that give 1.4-2x at gzip -1. Every block is fresh per file: real binaries share
 * no long runs either.
 */
const ELF_HEADER = Buffer.from('7f454c4602010100000000000000000003003e0001000000', 'hex');
const BLOCK = 4096;
const MANGLE = lit('_ZN9Wikimedia');
let symbols: WordTable | undefined;

export function fillBinary(stream: FileStream, target: Buffer, pos: number, end: number): void {
  let at = pos;
  if (pos === 0) at = ELF_HEADER.copy(target, 0, 0, Math.min(ELF_HEADER.length, end));
  // The entry point differs between binaries: here it carries the file id, so even tiny files differ.
  for (let i = 0; i < 8 && at < end; i++) target[at++] = (i < 4 ? stream.idLow >>> (8 * i) : stream.idHigh >>> (8 * (i - 4))) & 0xff;
  const w = new ByteWriter();
  const words = (symbols ??= new WordTable(CODE_WORDS, 1.0));
  while (at < end) {
    const stop = Math.min(end, at + BLOCK);
    const r = stream.below(20);
    if (r < 9) fillImage(stream, target, at, stop);
    else if (r < 15) {
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
    } else if (r < 19) {
      w.reset(target, at, stop);
      while (!w.full) {
        w.lit(MANGLE);
        for (let i = stream.between(1, 3); i > 0; i--) words.write(w, words.draw(stream), 1);
        w.byte(stream.below(2) === 0 ? 0x76 : 0x45);
        w.byte(0);
      }
    } else {
      // Padding, then random bytes again.
      const zeros = at + stream.below(stop - at);
      target.fill(0, at, zeros);
      fillImage(stream, target, zeros, stop);
    }
    at = stop;
  }
}
