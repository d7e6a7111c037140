import { ByteWriter, WordTable, lit } from './byte-writer.ts';
import { type FileStream, mixInts } from './file-stream.ts';
import type { PseudoLanguage } from './i18n-messages.ts';
import { CODE_WORDS, LATIN_SYLLABLES, inventWords } from './vocabulary.ts';
import { Rng } from '../../core/rng.ts';

/**
 * MediaWiki i18n JSON, written message by message: `{"@metadata": {"authors": [...]}, "key": "text", ...}`.
 * All files of one i18n directory translate the same module's keys, in the same order, each language
 * skipping some; the texts are fresh in every file, in the file's language. So neighbouring files in a tar
 * share their keys (as real ones do, and which is much of why a real tree compresses better whole than file
 * by file), and nothing longer than a key repeats across directories.
 * Files are valid JSON at every size: the last message is sized to end the file exactly.
 */

export interface I18nShape {
  /** Chance the next words of a message repeat a phrase the file used recently. */
  readonly phraseReuse: number;
}

export const DEFAULT_I18N_SHAPE: I18nShape = { phraseReuse: 0.5 };

const PHRASES = 8;
const NEUTRAL_PERCENT = 5;
const L = {
  open: lit('{\n\t"@metadata": {\n\t\t"authors": [\n'),
  author: lit('\t\t\t"'),
  authorNext: lit('",\n'),
  authorLast: lit('"\n'),
  closeAuthors: lit('\t\t]\n\t},\n'),
  key: lit('\t"'),
  keyClose: lit('": "'),
  valueClose: lit('",\n'),
  close: lit('"\n}\n'),
  smallOpen: lit('{"'),
  smallClose: lit('"}\n'),
  param: lit(' $1'),
  plural: lit(' {{PLURAL:$1|'),
  pluralClose: lit('}}'),
  link: lit(' [[Special:'),
  linkClose: lit(']]'),
};

const SUFFIXES = ['desc', 'label', 'title', 'summary', 'text', 'tooltip', 'help', 'error', 'button', 'header', 'placeholder', 'confirm'];

export class I18nVocabulary {
  readonly keyWords: WordTable;
  readonly languages: readonly WordTable[];
  readonly authors: WordTable;
  readonly spaced: readonly boolean[];

  constructor(seed: number | string, languages: readonly PseudoLanguage[]) {
    const rng = Rng.derive(seed, 'i18n-vocabulary');
    this.keyWords = new WordTable([...SUFFIXES, ...CODE_WORDS, ...inventWords(rng, LATIN_SYLLABLES, 3000, 2, 3)], 0.9);
    this.languages = languages.map((l) => new WordTable(l.words.words, 1.0));
    this.spaced = languages.map((l) => l.spaced);
    this.authors = new WordTable(inventWords(rng, LATIN_SYLLABLES, 3000, 2, 4), 0.8);
  }
}


export class I18nJsonWriter {
  private readonly w = new ByteWriter();
  private stream!: FileStream;
  private words!: WordTable;
  private vocab!: I18nVocabulary;
  private dirHash = 0;
  private spaced = true;
  private readonly phrases = new Int32Array(PHRASES * 2);

  constructor(private readonly shape: I18nShape = DEFAULT_I18N_SHAPE) {}

  /**
   * `dirHash` names the directory (its keys), `language` the file's script, `translated` the share of the
   * directory's keys the language has.
   */
  file(vocab: I18nVocabulary, dirHash: number, language: number, translated: number, stream: FileStream, target: Buffer, bytes: number): void {
    this.begin(vocab, dirHash, language, stream, target, 0, bytes);
    const w = this.w;
    const lastRoom = 48;
    if (bytes < 160) {
      w.lit(L.smallOpen);
      this.key(stream.below(1 << 16));
      w.lit(L.keyClose);
      this.valueExactly(Math.max(w.pos, bytes - L.smallClose.length));
      w.end = bytes;
      w.lit(L.smallClose);
      return;
    }
    w.lit(L.open);
    const authors = Math.min(1 + stream.below(1 + Math.floor(bytes / 3000)), 12);
    for (let a = 0; a < authors; a++) {
      w.lit(L.author);
      vocab.authors.write(w, vocab.authors.draw(stream), 1);
      if (stream.below(2) === 0) {
        w.byte(0x20);
        vocab.authors.write(w, vocab.authors.draw(stream), 1);
      }
      w.lit(a === authors - 1 ? L.authorLast : L.authorNext);
    }
    w.lit(L.closeAuthors);
    const threshold = Math.floor(translated * 4294967296);
    let k = 0;
    w.end = bytes - lastRoom;
    for (; !w.full; k++) {
      if (mixInts(this.dirHash ^ language, k) >= threshold) continue;
      this.message(k);
    }
    // Back to the last whole line, then one message sized to end the file.
    let cut = w.pos;
    while (cut > 0 && target[cut - 1] !== 0x0a) cut--;
    w.pos = cut;
    w.end = bytes;
    w.lit(L.key);
    this.key(k + 1);
    w.lit(L.keyClose);
    this.valueExactly(bytes - L.close.length);
    w.end = bytes;
    w.lit(L.close);
  }

  /** Message lines for an edit, filling target[pos, end) exactly (whitespace when too short for a line). */
  fragment(vocab: I18nVocabulary, dirHash: number, language: number, stream: FileStream, target: Buffer, pos: number, end: number): void {
    this.begin(vocab, dirHash, language, stream, target, pos, end);
    const w = this.w;
    let k = 10_000 + stream.below(1 << 20);
    while (end - w.pos >= 64) {
      const before = w.pos;
      w.end = end - 40;
      this.message(k++);
      let cut = w.pos;
      while (cut > before && target[cut - 1] !== 0x0a) cut--;
      w.pos = cut;
      w.end = end;
      // A message too long for the room left: the sized one below ends the fragment.
      if (cut === before) break;
    }
    // A sized last message needs room for the longest key; less room is left as whitespace.
    const room = end - w.pos;
    if (room >= 64) {
      w.lit(L.key);
      this.key(k);
      w.lit(L.keyClose);
      this.valueExactly(end - L.valueClose.length);
      w.end = end;
      w.lit(L.valueClose);
    }
    // JSON allows whitespace between members.
    if (w.pos < end) {
      target.fill(0x09, w.pos, end - 1);
      target[end - 1] = 0x0a;
    }
  }

  private begin(vocab: I18nVocabulary, dirHash: number, language: number, stream: FileStream, target: Buffer, pos: number, end: number): void {
    this.w.reset(target, pos, end);
    this.stream = stream;
    this.vocab = vocab;
    this.words = vocab.languages[language % vocab.languages.length] as WordTable;
    this.dirHash = dirHash;
    this.spaced = vocab.spaced[language % vocab.spaced.length] ?? true;
    this.phrases.fill(-1);
  }

  /** The directory's k-th key: `<module>-<word>[-<word>][-<suffix>]`, the module fixed per directory. */
  private key(k: number): void {
    const { w, vocab } = this;
    const table = vocab.keyWords;
    const module = mixInts(this.dirHash, 0x51);
    table.write(w, SUFFIXES.length + (module % 400));
    w.byte(0x2d);
    table.write(w, SUFFIXES.length + ((module >>> 9) % 2000));
    const h = mixInts(this.dirHash, k + 1);
    w.byte(0x2d);
    table.write(w, SUFFIXES.length + ((h & 0xffff) % (table.size - SUFFIXES.length)));
    if ((h >>> 16) % 3 === 0) {
      w.byte(0x2d);
      table.write(w, SUFFIXES.length + ((h >>> 18) % 600));
    }
    if ((h >>> 20) % 2 === 0) {
      w.byte(0x2d);
      table.write(w, (h >>> 24) % SUFFIXES.length);
    }
  }

  private message(k: number): void {
    const w = this.w;
    w.lit(L.key);
    this.key(k);
    w.lit(L.keyClose);
    // Some messages need no translation (formats, links, magic words): every language of the folder that has
    // the key has the same line (Debian's MediaWiki: 4% of i18n bytes are lines an earlier file of the
    // folder holds).
    const neutral = mixInts(this.dirHash ^ 0x6e657574, k);
    if (neutral % 100 < NEUTRAL_PERCENT) {
      const table = this.vocab.keyWords;
      for (let i = 0, n = 2 + ((neutral >>> 8) % 6); i < n; i++) {
        if (i > 0) w.byte(0x20);
        table.write(w, mixInts(neutral, i) % table.size, i === 0 ? 1 : 0);
      }
      w.lit(L.valueClose);
      return;
    }
    const r = this.stream.below(20);
    this.value(r < 7 ? this.stream.between(1, 3) : r < 16 ? this.stream.between(3, 10) : this.stream.between(10, 30));
    w.lit(L.valueClose);
  }

  private value(words: number): void {
    const { w, stream, spaced } = this;
    for (let n = 0; n < words && !w.full; ) {
      if (n > 0 && spaced) w.byte(0x20);
      const slot = stream.below(PHRASES);
      const a = this.phrases[slot * 2] as number;
      if (a >= 0 && stream.next() < this.shape.phraseReuse) {
        this.words.write(w, a, n === 0 ? 1 : 0);
        if (spaced) w.byte(0x20);
        this.words.write(w, this.phrases[slot * 2 + 1] as number);
        n += 2;
      } else {
        const x = this.words.draw(stream);
        const y = this.words.draw(stream);
        this.phrases[slot * 2] = x;
        this.phrases[slot * 2 + 1] = y;
        this.words.write(w, x, n === 0 ? 1 : 0);
        n++;
      }
      const m = stream.below(100);
      if (m < 5) w.lit(L.param);
      else if (m < 7) {
        w.lit(L.plural);
        this.words.write(w, this.words.draw(stream));
        w.byte(0x7c);
        this.words.write(w, this.words.draw(stream));
        w.lit(L.pluralClose);
      } else if (m < 8) {
        w.lit(L.link);
        this.words.write(w, this.words.draw(stream), 1);
        w.lit(L.linkClose);
      } else if (m < 12) w.byte(0x2c);
    }
  }

  /** Message text up to exactly `end`, whole UTF-8 characters, spaces for a cut character. */
  private valueExactly(end: number): void {
    const { w } = this;
    const start = w.pos;
    w.end = end;
    while (!w.full) this.value(8);
    let lead = end - 1;
    const target = w.target;
    while (lead > start && ((target[lead] as number) & 0xc0) === 0x80) lead--;
    if (lead >= start) {
      const b = target[lead] as number;
      const length = b < 0x80 ? 1 : b < 0xe0 ? 2 : b < 0xf0 ? 3 : 4;
      if (lead + length > end) target.fill(0x20, lead, end);
    }
    // A value never ends in a backslash or holds a quote: words are letters, so nothing to escape.
    w.pos = end;
  }
}
