import { Rng } from '../../core/rng.ts';
import { ByteWriter, WordTable, lit } from './byte-writer.ts';
import type { FileStream } from './file-stream.ts';
import { CODE_WORDS, LATIN_SYLLABLES, inventWords } from './vocabulary.ts';

/**
 * Stylesheets (CSS, LESS) and SVG icons, MediaWiki's `css` kind: rules of `.mw-`-prefixed selectors with a few
 * declarations from a common property list, or SVG path data (numbers, which compress least). Fresh per file;
 * what repeats across files is what repeats in real stylesheets: property names, units, the component's
 * class-name words. Within a file, as in real (often built) stylesheets such as OOUI's themes: a selector
 * often extends the previous one (`.mw-foo > .mw-foo-bar`), each property takes one of the few values the
 * component uses for it (its palette of colours, its spacings), and some declarations come with their vendor
 * prefixes (-webkit-, -moz-, -ms-). A stylesheet styles its own few classes (a widget's block, elements and
 * modifiers: `.oo-ui-buttonElement-framed.oo-ui-iconElement > .oo-ui-buttonElement-button`), so most selector
 * words come from a set the file draws first, larger for a larger file (a built theme styles dozens of
 * widgets): that is what makes OOUI's 263 KB theme compress 9x file by file.
 */
const PROPERTIES = [
  'color', 'background-color', 'margin', 'padding', 'border', 'border-radius', 'font-size', 'font-weight', 'line-height', 'display', 'position', 'top',
  'left', 'width', 'height', 'max-width', 'min-height', 'text-align', 'vertical-align', 'overflow', 'white-space', 'z-index', 'opacity', 'transition',
  'box-shadow', 'cursor', 'flex', 'align-items', 'justify-content', 'margin-top', 'margin-bottom', 'padding-left', 'border-bottom', 'content', 'float',
].map((p) => lit(`\t${p}: `));
const KEYWORDS: readonly string[] = ['none', 'block', 'inline-block', 'flex', 'relative', 'absolute', 'auto', 'bold', 'normal', 'hidden', 'nowrap', 'center', 'left', 'inherit', 'pointer', '0', '1', 'transparent', '@color-base', '@border-subtle', '@spacing-50', '@font-size-medium'];
const UNITS = ['px', 'em', 'rem', '%', 'px', 'em'];
const VENDOR_PREFIXES = ['-webkit-', '-moz-', '-ms-'].map((p) => lit(`\t${p}`));
const L = {
  dotMw: lit('.mw-'),
  open: lit(' {\n'),
  close: lit('}\n\n'),
  semi: lit(';\n'),
  comma: lit(',\n'),
  child: lit(' > '),
  comment: lit('/* '),
  commentClose: lit(' */\n'),
  svgOpen: lit('<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="20" height="20" viewBox="0 0 20 20">\n'),
  title: lit('\t<title>'),
  titleClose: lit('</title>\n'),
  path: lit('\t<path d="M'),
  pathClose: lit('"/>\n'),
  svgClose: lit('</svg>\n'),
};
const PATH_OPS = lit('MLHVCSQTAZmlhvcsqtaz');

/** Values a component uses per property: a few each (its palette, its spacings), the first most. */
const VALUES_PER_PROPERTY = 5;
/** Own class words of a stylesheet of 1 KB or less; two more per doubling above. */
const OWN_WORDS_MIN = 6;
/** Rule bodies a later rule may repeat: the last few (a widget's states sit together). */
const REPEATABLE_BODIES = 8;
const PALETTE = 12;

function valueText(rng: Rng, palette: readonly string[]): string {
  const r = rng.int(0, 2);
  if (r === 0) return KEYWORDS[rng.int(0, KEYWORDS.length - 1)] as string;
  if (r === 1) return `${rng.int(0, 39)}${rng.pick(UNITS)}`;
  return rng.pick(palette);
}

export class StyleVocabulary {
  readonly words: WordTable;
  /** values[p * VALUES_PER_PROPERTY + k]: the k-th value property p takes in this component. */
  readonly values: Buffer[];
  constructor(seed: number | string, component: string) {
    const rng = Rng.derive(seed, 'style-vocabulary', component);
    this.words = new WordTable([...CODE_WORDS.slice(0, 200), ...inventWords(rng, LATIN_SYLLABLES, 600, 2, 3)], 1.1);
    const hex = '0123456789abcdef';
    const palette = Array.from({ length: PALETTE }, () => `#${Array.from({ length: rng.next() < 0.5 ? 3 : 6 }, () => hex[rng.int(0, 15)]).join('')}`);
    this.values = PROPERTIES.flatMap(() => Array.from({ length: VALUES_PER_PROPERTY }, () => lit(valueText(rng, palette))));
  }
}

export class StyleWriter {
  private readonly w = new ByteWriter();
  /** The words of the last selector written: the next one often extends it. */
  private readonly stem: number[] = [];
  /** The file's own class words (empty in an edit's fragment: fresh words then). */
  private readonly own: number[] = [];
  /** Where the last few rule bodies are in the target ([start, end) pairs): a state variant repeats one. */
  private readonly bodies: number[] = [];

  file(svg: boolean, vocab: StyleVocabulary, stream: FileStream, target: Buffer, pos: number, end: number): void {
    const w = this.w.reset(target, pos, end);
    this.stem.length = 0;
    this.own.length = 0;
    this.bodies.length = 0;
    for (let i = OWN_WORDS_MIN + 2 * Math.max(0, Math.floor(Math.log2((end - pos) / 1024))); i > 0 && !svg; i--) this.own.push(vocab.words.draw(stream));
    if (svg) {
      w.lit(L.svgOpen);
      w.lit(L.title);
      vocab.words.write(w, vocab.words.draw(stream), 1);
      w.lit(L.titleClose);
      while (!w.full) this.path(stream);
      return;
    }
    while (!w.full) this.rule(vocab, stream);
  }

  fragment(svg: boolean, vocab: StyleVocabulary, stream: FileStream, target: Buffer, pos: number, end: number): void {
    const w = this.w.reset(target, pos, end);
    this.stem.length = 0;
    this.own.length = 0;
    this.bodies.length = 0;
    while (!w.full) {
      if (svg) this.path(stream);
      else this.rule(vocab, stream);
    }
  }

  private selector(vocab: StyleVocabulary, stream: FileStream): void {
    const w = this.w;
    const stem = this.stem;
    const extend = stem.length > 0 && stream.below(2) === 0;
    if (extend && stream.below(2) === 0) {
      this.words(vocab, stem.length);
      w.lit(L.child);
    }
    if (!extend) stem.length = 0;
    stem.push(this.classWord(vocab, stream));
    for (let i = extend || stem.length > 3 ? 0 : stream.below(3); i > 0; i--) stem.push(this.classWord(vocab, stream));
    this.words(vocab, stem.length);
  }

  /** Mostly one of the file's own words (its first ones most), now and then any of the component's. */
  private classWord(vocab: StyleVocabulary, stream: FileStream): number {
    const own = this.own;
    if (own.length === 0 || stream.below(8) === 0) return vocab.words.draw(stream);
    const u = stream.next();
    return own[Math.floor(u * u * own.length)] as number;
  }

  /** `.mw-` and the stem's first `count` words, dash-joined. */
  private words(vocab: StyleVocabulary, count: number): void {
    const w = this.w;
    w.lit(L.dotMw);
    for (let i = 0; i < count; i++) {
      if (i > 0) w.byte(0x2d);
      vocab.words.write(w, this.stem[i] as number);
    }
  }

  private rule(vocab: StyleVocabulary, stream: FileStream): void {
    const w = this.w;
    if (stream.below(8) === 0) {
      w.lit(L.comment);
      for (let i = stream.between(3, 10); i > 0; i--) {
        vocab.words.write(w, vocab.words.draw(stream));
        w.byte(0x20);
      }
      w.lit(L.commentClose);
    }
    this.selector(vocab, stream);
    for (let i = stream.below(3); i > 0; i--) {
      w.lit(L.comma);
      this.selector(vocab, stream);
    }
    w.lit(L.open);
    const bodies = this.bodies;
    if (bodies.length > 0 && stream.below(4) === 0) {
      // A variant of an earlier rule (a state, a theme's twin selector) with the same declarations.
      const k = 2 * stream.below(bodies.length / 2);
      const from = bodies[k] as number;
      const n = Math.min((bodies[k + 1] as number) - from, w.room);
      w.target.copyWithin(w.pos, from, from + n);
      w.pos += n;
      w.lit(L.close);
      return;
    }
    const start = w.pos;
    for (let i = stream.between(1, 7); i > 0; i--) {
      // Common properties most: display, color and margins far more often than z-index.
      const u = stream.next();
      const p = Math.floor(u * u * PROPERTIES.length);
      const v = stream.next();
      const value = vocab.values[p * VALUES_PER_PROPERTY + Math.floor(v * v * VALUES_PER_PROPERTY)] as Buffer;
      if (stream.below(10) === 0) {
        for (const prefix of VENDOR_PREFIXES) {
          w.lit(prefix);
          w.lit((PROPERTIES[p] as Buffer).subarray(1));
          w.lit(value);
          w.lit(L.semi);
        }
      }
      w.lit(PROPERTIES[p] as Buffer);
      w.lit(value);
      w.lit(L.semi);
    }
    if (bodies.length >= 2 * REPEATABLE_BODIES) bodies.splice(0, 2);
    bodies.push(start, w.pos);
    w.lit(L.close);
  }

  private path(stream: FileStream): void {
    const w = this.w;
    w.lit(L.path);
    // Icons are drawn on a 20x20 grid, a shape in one corner of it: coordinates are few, whole or half units.
    const base = stream.below(16);
    for (let i = stream.between(6, 40); i > 0 && !w.full; i--) {
      w.int(base + stream.below(5));
      if (stream.below(4) === 0) {
        w.byte(0x2e);
        w.byte(0x35);
      }
      w.byte(stream.below(3) === 0 ? (PATH_OPS[stream.below(4)] as number) : 0x20);
    }
    w.lit(L.pathClose);
  }
}
