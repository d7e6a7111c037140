import { Rng } from '../../core/rng.ts';
import { ByteWriter, WordTable, lit } from './byte-writer.ts';
import type { FileStream } from './file-stream.ts';
import { CODE_WORDS, LATIN_SYLLABLES, inventWords } from './vocabulary.ts';

/**
 * Stylesheets (CSS, LESS) and SVG icons, MediaWiki's `css` kind: rules of `.mw-`-prefixed selectors with a few
 * declarations from a common property list, or SVG path data (numbers, which compress least). Fresh per file;
 * what repeats across files is what repeats in real stylesheets: property names, units, the component's
 * class-name words.
 */
const PROPERTIES = [
  'color', 'background-color', 'margin', 'padding', 'border', 'border-radius', 'font-size', 'font-weight', 'line-height', 'display', 'position', 'top',
  'left', 'width', 'height', 'max-width', 'min-height', 'text-align', 'vertical-align', 'overflow', 'white-space', 'z-index', 'opacity', 'transition',
  'box-shadow', 'cursor', 'flex', 'align-items', 'justify-content', 'margin-top', 'margin-bottom', 'padding-left', 'border-bottom', 'content', 'float',
].map((p) => lit(`\t${p}: `));
const KEYWORDS = ['none', 'block', 'inline-block', 'flex', 'relative', 'absolute', 'auto', 'bold', 'normal', 'hidden', 'nowrap', 'center', 'left', 'inherit', 'pointer', '0', '1', 'transparent', '@color-base', '@border-subtle', '@spacing-50', '@font-size-medium'].map(lit);
const UNITS = ['px', 'em', 'rem', '%', 'px', 'em'].map(lit);
const L = {
  dotMw: lit('.mw-'),
  open: lit(' {\n'),
  close: lit('}\n\n'),
  semi: lit(';\n'),
  comma: lit(',\n'),
  hash: lit('#'),
  comment: lit('/* '),
  commentClose: lit(' */\n'),
  svgOpen: lit('<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="20" height="20" viewBox="0 0 20 20">\n'),
  title: lit('\t<title>'),
  titleClose: lit('</title>\n'),
  path: lit('\t<path d="M'),
  pathClose: lit('"/>\n'),
  svgClose: lit('</svg>\n'),
};
const HEX = lit('0123456789abcdef');
const PATH_OPS = lit('MLHVCSQTAZmlhvcsqtaz');

export class StyleVocabulary {
  readonly words: WordTable;
  constructor(seed: number | string, component: string) {
    this.words = new WordTable([...CODE_WORDS.slice(0, 200), ...inventWords(Rng.derive(seed, 'style-vocabulary', component), LATIN_SYLLABLES, 600, 2, 3)], 1.1);
  }
}

export class StyleWriter {
  private readonly w = new ByteWriter();

  file(svg: boolean, vocab: StyleVocabulary, stream: FileStream, target: Buffer, pos: number, end: number): void {
    const w = this.w.reset(target, pos, end);
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
    while (!w.full) {
      if (svg) this.path(stream);
      else this.rule(vocab, stream);
    }
  }

  private selector(vocab: StyleVocabulary, stream: FileStream): void {
    const w = this.w;
    w.lit(L.dotMw);
    vocab.words.write(w, vocab.words.draw(stream));
    for (let i = stream.below(3); i > 0; i--) {
      w.byte(0x2d);
      vocab.words.write(w, vocab.words.draw(stream));
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
    for (let i = stream.between(1, 7); i > 0; i--) {
      w.lit(PROPERTIES[stream.below(PROPERTIES.length)] as Buffer);
      const r = stream.below(3);
      if (r === 0) w.lit(KEYWORDS[stream.below(KEYWORDS.length)] as Buffer);
      else if (r === 1) {
        w.int(stream.below(40));
        w.lit(UNITS[stream.below(UNITS.length)] as Buffer);
      } else {
        w.lit(L.hash);
        for (let d = stream.below(2) === 0 ? 3 : 6; d > 0; d--) w.byte(HEX[stream.below(16)] as number);
      }
      w.lit(L.semi);
    }
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
