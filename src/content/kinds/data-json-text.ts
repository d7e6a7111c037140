import { Rng } from '../../core/rng.ts';
import { ByteWriter, WordTable, lit } from './byte-writer.ts';
import { type FileStream, mixInts } from './file-stream.ts';
import { CODE_WORDS, LATIN_SYLLABLES, inventWords } from './vocabulary.ts';

/**
 * Data JSON (extension.json, composer.json, siteinfo dumps, icon lists, source maps): pretty-printed arrays
 * of records. What makes it compress 5.5x file by file (Debian's MediaWiki, zlib -1) is that every record
 * repeats its data set's field names; what makes a tar of it compress 13x at a long window is that sibling
 * files of one data set (one siteinfo dump per wiki, one icon list per theme) hold the same records in the
 * same order, most values equal and some their own. So a directory is a data set: its schema and its shared
 * records come from the directory, the rest of each file's values from the file.
 * Files are valid JSON at every size: the last value is sized to end the file exactly.
 */

const RECORD_FIELDS_MAX = 12;
/** Share of a record's values equal across the files of a data set (the rest: the file's own). */
const SHARED_VALUES = 0.7;

/** A field's distinct shared values across records: 1, 2, 4, ... up to 2^(this - 1). */
const FIELD_CARDINALITY_BITS = 12;

/** Room kept for the tail: an array close, a field name of at most two words, the last string's quotes. */
const TAIL_ROOM = 64;

const L = {
  open: lit('{\n'),
  sectionOpen: lit('    "'),
  arrayOpen: lit('": [\n'),
  recordOpen: lit('        {\n'),
  fieldIndent: lit('            "'),
  fieldSep: lit('": '),
  quote: lit('"'),
  comma: lit(',\n'),
  newline: lit('\n'),
  recordClose: lit('        }'),
  arrayClose: lit('\n    ],\n'),
  lastOpen: lit('": "'),
  close: lit('"\n}\n'),
  smallOpen: lit('{"'),
  smallClose: lit('"}\n'),
  urlHead: lit('"https://'),
  urlMid: lit('.wikipedia.org/wiki/'),
  yes: lit('true'),
  no: lit('false'),
};

export class DataVocabulary {
  readonly fields: WordTable;
  readonly values: WordTable;

  constructor(seed: number | string) {
    const rng = Rng.derive(seed, 'data-json-vocabulary');
    this.fields = new WordTable([...CODE_WORDS, ...inventWords(rng, LATIN_SYLLABLES, 1500, 2, 3)], 1.0);
    this.values = new WordTable([...CODE_WORDS, ...inventWords(rng, LATIN_SYLLABLES, 6000, 2, 4)], 0.9);
  }
}

const MANIFEST = /^(?:\d+-)?(composer|extension|package|skin)\.json$/;

/**
 * The data set a file belongs to: every composer.json (or extension.json...) of a tree shares one schema and
 * its common values (licence, requirements, the same hook and autoload fields); other files share their
 * directory's.
 */
export function dataSetOf(path: string): string {
  const slash = path.lastIndexOf('/');
  const m = MANIFEST.exec(path.slice(slash + 1));
  return m === null ? path.slice(0, Math.max(0, slash)) : `manifest:${m[1] as string}`;
}


export class DataJsonWriter {
  private readonly w = new ByteWriter();
  private stream!: FileStream;
  private vocab!: DataVocabulary;
  private dirHash = 0;

  file(vocab: DataVocabulary, dirHash: number, stream: FileStream, target: Buffer, bytes: number): void {
    this.begin(vocab, dirHash, stream, target, 0, bytes);
    const w = this.w;
    if (bytes < 96) {
      w.lit(L.smallOpen);
      this.fieldName(stream.below(64));
      w.lit(L.lastOpen);
      this.stringExactly(bytes - L.smallClose.length);
      w.end = bytes;
      w.lit(L.smallClose);
      return;
    }
    // Written up to `bytes - TAIL_ROOM`; on overflow, back to the last whole record or section, then the tail.
    w.end = bytes - TAIL_ROOM;
    w.lit(L.open);
    let safe = w.pos;
    let inArray = false;
    for (let section = 0; !w.full; section++) {
      w.lit(L.sectionOpen);
      this.fieldName(mixInts(dirHash, 0x5ec + section) % 64);
      w.lit(L.arrayOpen);
      const records = 4 + (mixInts(dirHash, section) % 200);
      for (let r = 0; r < records && !w.full; r++) {
        if (r > 0) w.lit(L.comma);
        this.record(section, r);
        if (!w.full) [safe, inArray] = [w.pos, true];
      }
      w.lit(L.arrayClose);
      if (!w.full) [safe, inArray] = [w.pos, false];
    }
    w.pos = safe;
    w.end = bytes;
    if (inArray) w.lit(L.arrayClose);
    w.lit(L.sectionOpen);
    this.fieldName(63);
    w.lit(L.lastOpen);
    this.stringExactly(bytes - L.close.length);
    w.end = bytes;
    w.lit(L.close);
  }

  /** Record lines for an edit, exactly target[pos, end): whole records where they fit, whitespace after. */
  fragment(vocab: DataVocabulary, dirHash: number, stream: FileStream, target: Buffer, pos: number, end: number): void {
    this.begin(vocab, dirHash, stream, target, pos, end);
    const w = this.w;
    // A value line of the form `            "field": "text",\n`, which is valid wherever a record's field was.
    while (end - w.pos >= 48) {
      const before = w.pos;
      w.end = end - 24;
      w.lit(L.fieldIndent);
      this.fieldName(stream.below(64));
      w.lit(L.fieldSep);
      w.lit(L.quote);
      for (let i = stream.between(1, 4); i > 0; i--) this.word(stream.below(4) !== 0);
      w.lit(L.quote);
      w.lit(L.comma);
      w.end = end;
      if (w.pos > end - 24 || target[w.pos - 1] !== 0x0a) {
        w.pos = before;
        break;
      }
    }
    if (w.pos < end) {
      target.fill(0x20, w.pos, end - 1);
      target[end - 1] = 0x0a;
    }
  }

  private begin(vocab: DataVocabulary, dirHash: number, stream: FileStream, target: Buffer, pos: number, end: number): void {
    this.w.reset(target, pos, end);
    this.stream = stream;
    this.vocab = vocab;
    this.dirHash = dirHash;
  }

  /** The data set's field n: the same name in every file of the directory. */
  private fieldName(n: number): void {
    const { vocab } = this;
    const h = mixInts(this.dirHash, 0xf1e1d + n);
    vocab.fields.write(this.w, h % 400);
    if ((h >>> 16) % 3 === 0) vocab.fields.write(this.w, (h >>> 18) % vocab.fields.size, 1);
  }

  /** One value word: the data set's (the same in this record of every sibling file) or the file's own. */
  private word(shared: boolean, salt = 0): void {
    const { vocab, w } = this;
    // Shared values skew to the data set's common ones (enum-like values recur in every record).
    const u = mixInts(this.dirHash, salt) / 4294967296;
    vocab.values.write(w, shared ? Math.floor(3000 * u * u * u) : vocab.values.draw(this.stream));
  }

  private record(section: number, r: number): void {
    const { w, stream } = this;
    w.lit(L.recordOpen);
    const base = mixInts(this.dirHash, (section << 16) + r);
    const fields = 2 + (base % (RECORD_FIELDS_MAX - 1));
    for (let f = 0; f < fields; f++) {
      if (f > 0) w.lit(L.comma);
      w.lit(L.fieldIndent);
      this.fieldName((section * 7 + f) % 64);
      w.lit(L.fieldSep);
      // A field takes few distinct values or many (a namespace's "case" one, its "id" one per record): the
      // shared value of record r is one of the field's `cardinality`, and its shape is the field's.
      const field = mixInts(this.dirHash, 0xca4d0000 + (section << 6) + f);
      const cardinality = 1 << field % FIELD_CARDINALITY_BITS;
      const salt = mixInts(field, mixInts(base, f) % cardinality);
      const shared = stream.next() < SHARED_VALUES;
      const shape = (shared ? field >>> 8 : stream.nextUint32()) % 10;
      if (shape < 5) {
        w.lit(L.quote);
        const words = 1 + (salt % 3);
        for (let i = 0; i < words; i++) {
          if (i > 0) w.byte(0x20);
          this.word(shared, salt + i);
        }
        w.lit(L.quote);
      } else if (shape < 6) {
        w.lit(L.urlHead);
        this.word(shared, salt);
        w.lit(L.urlMid);
        this.word(shared, salt + 1);
        w.lit(L.quote);
      } else if (shape < 9) w.int(shared ? salt % 5000 : stream.below(5000));
      else w.lit((shared ? salt : stream.nextUint32()) % 2 === 0 ? L.yes : L.no);
    }
    w.lit(L.newline);
    w.lit(L.recordClose);
  }

  /** String text up to exactly `end` (ASCII words, spaces). */
  private stringExactly(end: number): void {
    const w = this.w;
    w.end = end;
    while (!w.full) {
      this.word(this.stream.below(2) === 0, this.stream.below(1 << 16));
      w.byte(0x20);
    }
    w.pos = end;
  }
}
