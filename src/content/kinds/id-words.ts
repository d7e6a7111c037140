import type { FileStream } from './file-stream.ts';

/**
 * Spells a file's 64-bit id in words (a namespace, a message key), the per-file unique bytes that keep any
 * two files distinct while reading like the text around them. Words are ASCII and copied byte by byte:
 * building a string and Buffer.write-ing it costs more than the rest of a small file's synthesis.
 */
export class IdWords {
  private readonly bytes: Buffer;
  /** Byte offset of every word, plus a final entry equal to bytes.length. */
  private readonly starts: Uint32Array;
  /** Bits per word: the word count is a power of two, so words are bit fields of the id (int32 arithmetic). */
  private readonly bits: number;
  /** Words per 32-bit half of the id. */
  private readonly perHalf: number;

  constructor(
    words: readonly string[],
    private readonly separator: number,
  ) {
    this.bits = Math.log2(words.length);
    if (!Number.isInteger(this.bits) || this.bits < 1) throw new RangeError('spelling an id needs a power-of-two number of words');
    this.perHalf = Math.ceil(32 / this.bits);
    this.bytes = Buffer.from(words.join(''), 'latin1');
    if (this.bytes.length !== words.reduce((sum, w) => sum + w.length, 0)) throw new RangeError('id words must be ASCII');
    this.starts = new Uint32Array(words.length + 1);
    let at = 0;
    words.forEach((w, i) => {
      this.starts[i] = at;
      at += w.length;
    });
    this.starts[words.length] = at;
  }

  /** Bytes the spelling of the stream's id takes. */
  length(stream: FileStream): number {
    const { starts, bits, perHalf } = this;
    const mask = (1 << bits) - 1;
    let total = 2 * perHalf - 1;
    for (let half = 0; half < 2; half++) {
      const v = half === 0 ? stream.idHigh : stream.idLow;
      for (let i = 0; i < perHalf; i++) {
        const w = (v >>> (i * bits)) & mask;
        total += (starts[w + 1] as number) - (starts[w] as number);
      }
    }
    return total;
  }

  /** Writes the spelling at target[pos], cut at `end`; returns the position after it. */
  write(stream: FileStream, target: Buffer, pos: number, end: number): number {
    const { bytes, starts, bits, perHalf, separator } = this;
    const mask = (1 << bits) - 1;
    for (let half = 0; half < 2; half++) {
      const v = half === 0 ? stream.idHigh : stream.idLow;
      for (let i = 0; i < perHalf; i++) {
        if ((half > 0 || i > 0) && pos < end) target[pos++] = separator;
        const w = (v >>> (i * bits)) & mask;
        const wordEnd = starts[w + 1] as number;
        for (let b = starts[w] as number; b < wordEnd && pos < end; b++) target[pos++] = bytes[b] as number;
      }
    }
    return pos;
  }
}

/** Copies a short buffer to target[pos], cut at `end`; returns the position after it. Below ~64 bytes a loop beats Buffer.copy. */
export function copySmall(text: Buffer, target: Buffer, pos: number, end: number): number {
  const n = Math.min(text.length, end - pos);
  for (let i = 0; i < n; i++) target[pos + i] = text[i] as number;
  return pos + n;
}
