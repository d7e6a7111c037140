import type { FileStream } from './file-stream.ts';
import { ZipfTable } from './vocabulary.ts';

/**
 * Writes generated text straight into a file's buffer, byte by byte from pre-encoded pieces, stopping at
 * `end`: building strings and encoding them would cost more than the rest of synthesis.
 */
export class ByteWriter {
  target: Buffer = Buffer.alloc(0);
  pos = 0;
  end = 0;

  reset(target: Buffer, pos: number, end: number): this {
    this.target = target;
    this.pos = pos;
    this.end = end;
    return this;
  }

  get full(): boolean {
    return this.pos >= this.end;
  }

  get room(): number {
    return this.end - this.pos;
  }

  lit(text: Buffer): void {
    const { target } = this;
    const n = Math.min(text.length, this.end - this.pos);
    let p = this.pos;
    for (let i = 0; i < n; i++) target[p++] = text[i] as number;
    this.pos = p;
  }

  byte(b: number): void {
    if (this.pos < this.end) this.target[this.pos++] = b;
  }

  /** Decimal digits of a non-negative integer. */
  int(n: number): void {
    if (n >= 10) this.int(Math.floor(n / 10));
    this.byte(0x30 + (n % 10));
  }

  /** `count` copies of byte `b` (indentation). */
  repeat(b: number, count: number): void {
    const n = Math.min(count, this.end - this.pos);
    this.target.fill(b, this.pos, this.pos + n);
    this.pos += n;
  }
}

/** Encodes a literal once, at module load. */
export function lit(text: string): Buffer {
  return Buffer.from(text, 'utf8');
}

/**
 * Words packed in one buffer with a Zipf law over them; writes a word as is, capitalised (ASCII) or
 * upper-cased (ASCII), with no per-word allocation.
 */
export class WordTable {
  readonly bytes: Buffer;
  readonly starts: Uint32Array;
  private readonly zipf: ZipfTable;

  constructor(
    readonly words: readonly string[],
    exponent: number,
  ) {
    if (words.length === 0) throw new RangeError('a word table needs words');
    const encoded = words.map((w) => Buffer.from(w, 'utf8'));
    this.bytes = Buffer.concat(encoded);
    this.starts = new Uint32Array(words.length + 1);
    let at = 0;
    encoded.forEach((b, i) => {
      this.starts[i] = at;
      at += b.length;
    });
    this.starts[words.length] = at;
    this.zipf = new ZipfTable(words.length, exponent);
  }

  get size(): number {
    return this.words.length;
  }

  draw(stream: FileStream): number {
    return this.zipf.draw(stream);
  }

  /** Byte length of word i. */
  length(i: number): number {
    return (this.starts[i + 1] as number) - (this.starts[i] as number);
  }

  /** Writes word i; case 0 as is, 1 first letter upper, 2 all upper. */
  write(w: ByteWriter, i: number, letterCase = 0): void {
    const { bytes } = this;
    const from = this.starts[i] as number;
    const to = this.starts[i + 1] as number;
    const { target } = w;
    let p = w.pos;
    const stop = Math.min(w.end, p + to - from);
    for (let b = from; p < stop; b++) {
      let c = bytes[b] as number;
      if (letterCase !== 0 && c >= 0x61 && c <= 0x7a && (letterCase === 2 || b === from)) c -= 0x20;
      target[p++] = c;
    }
    w.pos = p;
  }
}
