/* eslint-disable max-lines -- one content kind, PHP-like code: its vocabulary, licence text and writer are generated together and tuned against each other */
import { Rng } from '../../core/rng.ts';
import { ByteWriter, WordTable, lit } from './byte-writer.ts';
import type { FileStream } from './file-stream.ts';
import { CODE_WORDS, LATIN_SYLLABLES, inventWords } from './vocabulary.ts';

/**
 * Source code (PHP or JavaScript) generated token by token, fresh in every file. What repeats across files
 * is only what repeats across real code: keywords and syntax, the common words of the code base, and the
 * names a component shares among its files (its classes, services, methods). Each file invents its own
 * local names (a few camelCase compounds of vocabulary words), and uses them over and over, which is where
 * most of a source file's own redundancy comes from. So a long-window compressor finds short matches
 * across files (words, idioms) but never whole runs of lines, as on a real tree.
 */

/** Knobs, calibrated by bench/content-calibration.ts against Debian's MediaWiki. */
export interface CodeShape {
  /** Chance an identifier is one of the file's own names (else the component's, else a common word). */
  readonly localShare: number;
  readonly componentShare: number;
  /** The file's own names: base count, plus one per this many bytes. */
  readonly localsBase: number;
  readonly bytesPerLocal: number;
  /** Names a component shares among its files, and the words they and the locals are made of. */
  readonly componentNames: number;
  readonly componentWords: number;
  readonly exponent: number;
  /** Share of statements that are comments, and docblock lines per method. */
  readonly commentShare: number;
}

export const DEFAULT_CODE_SHAPE: CodeShape = {
  localShare: 0.85,
  componentShare: 0.1,
  localsBase: 4,
  bytesPerLocal: 1200,
  componentNames: 800,
  componentWords: 1200,
  exponent: 1.2,
  commentShare: 0.05,
};

const MAX_LOCALS = 96;
const WORDS_PER_NAME = 3;

/** The words and shared names of one component (an extension set, core, vendor): its own jargon. */
export class CodeVocabulary {
  readonly words: WordTable;
  /** Shared names as word-index triples (-1 = no word), Zipf-drawn by rank. */
  readonly names: Int32Array;
  readonly nameCount: number;
  private readonly nameRanks: WordTable;

  constructor(seed: number | string, component: string, shape: CodeShape) {
    const rng = Rng.derive(seed, 'code-vocabulary', component);
    // The common words of all code, then this component's own: both ranked, the common ones first.
    const own = inventWords(rng, LATIN_SYLLABLES, shape.componentWords, 2, 3);
    const mixed: string[] = [];
    for (let i = 0; i < Math.max(CODE_WORDS.length, own.length); i++) {
      if (i < CODE_WORDS.length) mixed.push(CODE_WORDS[i] as string);
      if (i < own.length) mixed.push(own[i] as string);
    }
    this.words = new WordTable([...new Set(mixed)], shape.exponent);
    this.nameCount = shape.componentNames;
    this.names = new Int32Array(this.nameCount * WORDS_PER_NAME).fill(-1);
    for (let n = 0; n < this.nameCount; n++) {
      const parts = rng.int(1, WORDS_PER_NAME);
      for (let j = 0; j < parts; j++) this.names[n * WORDS_PER_NAME + j] = Math.floor(Math.pow(rng.next(), 2) * this.words.size);
    }
    // A rank table only for its Zipf draw.
    this.nameRanks = new WordTable(Array.from({ length: this.nameCount }, () => 'x'), shape.exponent);
  }

  drawName(stream: FileStream): number {
    return this.nameRanks.draw(stream);
  }
}

/** Words of comments and docblocks, shared by all code. */
let proseTable: WordTable | undefined;
function prose(): WordTable {
  return (proseTable ??= new WordTable([...CODE_WORDS, ...inventWords(Rng.derive('shipbench prose'), LATIN_SYLLABLES, 800, 2, 4)], 1.1));
}

interface Dialect {
  readonly php: boolean;
  readonly variable: Buffer;
  readonly member: Buffer;
  readonly self: Buffer;
  readonly staticCall: Buffer;
}

const PHP: Dialect = { php: true, variable: lit('$'), member: lit('->'), self: lit('$this->'), staticCall: lit('::') };
const JS: Dialect = { php: false, variable: lit(''), member: lit('.'), self: lit('this.'), staticCall: lit('.') };

export const PHP_LICENCE_HEADER =
  '<?php\n/**\n * This program is free software; you can redistribute it and/or modify\n * it under the terms of the GNU General Public License as published by\n' +
  ' * the Free Software Foundation; either version 2 of the License, or\n * (at your option) any later version.\n *\n * @license GPL-2.0-or-later\n * @file\n */\n';

const L = {
  licence: lit(PHP_LICENCE_HEADER),
  phpOpen: lit('<?php\n'),
  namespace: lit('\nnamespace MediaWiki\\'),
  use: lit('use MediaWiki\\'),
  useWikimedia: lit('use Wikimedia\\'),
  backslash: lit('\\'),
  semiNl: lit(';\n'),
  nl: lit('\n'),
  docOpen: lit('/**\n'),
  docLine: lit(' * '),
  docClose: lit(' */\n'),
  since: lit(' * @since 1.'),
  param: lit(' * @param '),
  returns: lit(' * @return '),
  varDoc: lit('/** @var '),
  docEnd: lit(' */\n'),
  classKw: lit('class '),
  extendsKw: lit(' extends '),
  implementsKw: lit(' implements '),
  openBrace: lit(' {\n'),
  closeBrace: lit('}\n'),
  closeBraceSemi: lit('};\n'),
  functionKw: lit('function '),
  jsMethod: lit('.prototype.'),
  jsFunction: lit(' = function ('),
  openParen: lit('( '),
  closeParenBrace: lit(' ) {\n'),
  emptyParenBrace: lit('() {\n'),
  closeParen: lit(' )'),
  emptyCall: lit('()'),
  comma: lit(', '),
  assign: lit(' = '),
  ifOpen: lit('if ( '),
  elseLine: lit('} else {\n'),
  foreachOpen: lit('foreach ( '),
  forOpen: lit('for ( '),
  asKw: lit(' as '),
  arrow: lit(' => '),
  ofKw: lit(' of '),
  returnKw: lit('return '),
  comment: lit('// '),
  newKw: lit('new '),
  isNull: lit(' === null'),
  notEq: lit(' !== '),
  instanceOf: lit(' instanceof '),
  not: lit('!'),
  throwNew: lit('throw new '),
  exception: lit('Exception( '),
  arrayOpen: lit('[ '),
  arrayClose: lit(' ]'),
  quote: lit("'"),
  dash: lit('-'),
  underscore: lit('_'),
  constDecl: lit('const '),
  varDecl: lit('var '),
  jsOpen: lit("( function () {\n\t'use strict';\n\n"),
  jsClose: lit('}() );\n'),
  mw: lit('mw.'),
  jquery: lit("$( '"),
  jqueryClose: lit("' )"),
  dot: lit('.'),
  dotSpace: lit('. '),
  objOpen: lit('{\n'),
  colon: lit(': '),
  commaNl: lit(',\n'),
  nullKw: lit('null'),
  trueKw: lit('true'),
  falseKw: lit('false'),
};

const VISIBILITY = [lit('public '), lit('public '), lit('private '), lit('protected '), lit('public static '), lit('private ')];
const TYPES = ['int', 'string', 'bool', 'array', '?string', '?int', 'float', 'mixed', 'callable', 'iterable', 'void', 'self', 'static'].map(lit);
const KNOWN_CLASSES = ['Title', 'User', 'Config', 'MediaWikiServices', 'LoggerInterface', 'PageIdentity', 'UserIdentity', 'RevisionRecord', 'Status', 'Message', 'IContextSource', 'ServiceOptions', 'LinkTarget', 'HookContainer', 'WANObjectCache', 'IDatabase', 'Language', 'OutputPage', 'WebRequest', 'ParserOutput', 'Html', 'Authority', 'StatusValue', 'InvalidArgumentException'].map(lit);
const JS_GLOBALS = ['mw.config.get', 'mw.msg', 'mw.message', 'mw.util.getUrl', 'mw.hook', 'mw.Api', 'OO.ui.ButtonWidget', 'OO.inheritClass', 'OO.mixinClass', 've.dm.Model', 'document.createElement', 'Object.keys', 'Array.prototype.slice.call'].map(lit);

/** Fills one file: reset per file, no allocation per file. */
export class CodeWriter {
  private readonly w = new ByteWriter();
  private stream!: FileStream;
  private vocab!: CodeVocabulary;
  private dialect: Dialect = PHP;
  private readonly locals = new Int32Array(MAX_LOCALS * WORDS_PER_NAME);
  private localCount = 0;

  constructor(private readonly shape: CodeShape = DEFAULT_CODE_SHAPE) {}

  /** A whole file, `<?php` or a JS module wrapper first. */
  file(kind: 'php' | 'js', vocab: CodeVocabulary, stream: FileStream, target: Buffer, pos: number, end: number): number {
    this.begin(kind, vocab, stream, target, pos, end);
    const w = this.w;
    if (kind === 'php') {
      w.lit(end - pos >= L.licence.length * 2 ? L.licence : L.phpOpen);
      w.lit(L.namespace);
      this.localName(0, 1);
      w.byte(0x5c);
      this.name(this.componentName(), 1);
      w.lit(L.semiNl);
      w.lit(L.nl);
      for (let i = stream.between(2, 8); i > 0; i--) {
        w.lit(stream.below(4) === 0 ? L.useWikimedia : L.use);
        this.name(this.componentName(), 1);
        w.byte(0x5c);
        this.className();
        w.lit(L.semiNl);
      }
      w.lit(L.nl);
    } else {
      w.lit(L.jsOpen);
    }
    while (!w.full) this.classBody();
    return w.pos;
  }

  /** Lines of code for an edit: statements at method depth. */
  fragment(kind: 'php' | 'js', vocab: CodeVocabulary, stream: FileStream, target: Buffer, pos: number, end: number): number {
    this.begin(kind, vocab, stream, target, pos, end);
    while (!this.w.full) this.statement(2, 0);
    return this.w.pos;
  }

  private begin(kind: 'php' | 'js', vocab: CodeVocabulary, stream: FileStream, target: Buffer, pos: number, end: number): void {
    this.w.reset(target, pos, end);
    this.stream = stream;
    this.vocab = vocab;
    this.dialect = kind === 'php' ? PHP : JS;
    const { shape } = this;
    this.localCount = Math.min(MAX_LOCALS, shape.localsBase + Math.floor((end - pos) / shape.bytesPerLocal));
    const words = vocab.words.size;
    for (let i = 0; i < this.localCount; i++) {
      // The first name (the namespace) is always a full compound: it tells even tiny files apart.
      const parts = i === 0 ? WORDS_PER_NAME : 1 + stream.below(WORDS_PER_NAME);
      for (let j = 0; j < WORDS_PER_NAME; j++) this.locals[i * WORDS_PER_NAME + j] = j < parts ? (j === 0 ? vocab.words.draw(stream) : stream.below(words)) : -1;
    }
  }

  // Names are encoded as (source, index): source 0 = local, 1 = component, 2 = common word.
  private local(): number {
    // Skewed: a few of the file's names carry most uses.
    const u = this.stream.next();
    return Math.floor(u * u * this.localCount);
  }

  private componentName(): number {
    return this.vocab.drawName(this.stream);
  }

  /** Writes an identifier: one of the file's own, the component's, or a common word. */
  private ident(letterCase: 0 | 1): void {
    const r = this.stream.next();
    const { shape } = this;
    if (r < shape.localShare) this.localName(this.local(), letterCase);
    else if (r < shape.localShare + shape.componentShare) this.name(this.componentName(), letterCase);
    else this.vocab.words.write(this.w, this.vocab.words.draw(this.stream), letterCase);
  }

  private localName(i: number, letterCase: 0 | 1): void {
    this.parts(this.locals, i, letterCase);
  }

  private name(i: number, letterCase: 0 | 1): void {
    this.parts(this.vocab.names, i, letterCase);
  }

  private parts(table: Int32Array, i: number, letterCase: 0 | 1): void {
    const words = this.vocab.words;
    for (let j = 0; j < WORDS_PER_NAME; j++) {
      const word = table[i * WORDS_PER_NAME + j] as number;
      if (word < 0) break;
      words.write(this.w, word, j === 0 ? letterCase : 1);
    }
  }

  private className(): void {
    if (this.stream.below(5) === 0) this.w.lit(KNOWN_CLASSES[this.stream.below(KNOWN_CLASSES.length)] as Buffer);
    else this.ident(1);
  }

  private variable(): void {
    this.w.lit(this.dialect.variable);
    this.ident(0);
  }

  private type(): void {
    if (this.stream.below(2) === 0) this.w.lit(TYPES[this.stream.below(TYPES.length)] as Buffer);
    else this.className();
  }

  private proseWords(min: number, max: number): void {
    const table = prose();
    const n = this.stream.between(min, max);
    for (let i = 0; i < n; i++) {
      if (i > 0) this.w.byte(0x20);
      table.write(this.w, table.draw(this.stream), i === 0 ? 1 : 0);
    }
  }

  private indent(depth: number): void {
    this.w.repeat(0x09, depth);
  }

  private classBody(): void {
    const { w, stream, dialect } = this;
    w.lit(L.docOpen);
    w.lit(L.docLine);
    this.proseWords(4, 14);
    w.lit(L.dotSpace);
    w.lit(L.nl);
    if (dialect.php) {
      w.lit(L.since);
      w.int(stream.between(17, 43));
      w.lit(L.nl);
    }
    w.lit(L.docClose);
    if (dialect.php) {
      w.lit(L.classKw);
      this.localName(this.local(), 1);
      if (stream.below(3) === 0) {
        w.lit(L.extendsKw);
        this.className();
      }
      if (stream.below(4) === 0) {
        w.lit(L.implementsKw);
        this.className();
      }
      w.lit(L.openBrace);
      for (let i = stream.below(5); i > 0 && !w.full; i--) {
        w.byte(0x09);
        w.lit(L.varDoc);
        this.type();
        w.lit(L.docEnd);
        w.byte(0x09);
        w.lit(VISIBILITY[stream.below(4)] as Buffer);
        this.variable();
        w.lit(L.semiNl);
        w.lit(L.nl);
      }
    }
    const cls = this.local();
    for (let i = stream.between(2, 10); i > 0 && !w.full; i--) this.method(cls);
    w.lit(L.closeBrace);
    w.lit(L.nl);
  }

  private method(cls: number): void {
    const { w, stream, dialect } = this;
    const depth = dialect.php ? 1 : 0;
    const args = stream.below(4);
    this.indent(depth);
    w.lit(L.docOpen);
    this.indent(depth);
    w.lit(L.docLine);
    this.proseWords(3, 12);
    w.lit(L.nl);
    for (let a = 0; a < args; a++) {
      this.indent(depth);
      w.lit(L.param);
      this.type();
      w.byte(0x20);
      this.variable();
      if (stream.below(2) === 0) {
        w.byte(0x20);
        this.proseWords(2, 8);
      }
      w.lit(L.nl);
    }
    this.indent(depth);
    w.lit(L.returns);
    this.type();
    w.lit(L.nl);
    this.indent(depth);
    w.lit(L.docClose);
    this.indent(depth);
    if (dialect.php) {
      w.lit(VISIBILITY[stream.below(VISIBILITY.length)] as Buffer);
      w.lit(L.functionKw);
      this.ident(0);
    } else {
      this.localName(cls, 1);
      w.lit(L.jsMethod);
      this.ident(0);
      w.lit(L.jsFunction);
    }
    if (args === 0) w.lit(dialect.php ? L.emptyParenBrace : L.emptyParenBrace.subarray(1));
    else {
      w.lit(dialect.php ? L.openParen : L.openParen.subarray(1));
      for (let a = 0; a < args; a++) {
        if (a > 0) w.lit(L.comma);
        this.variable();
      }
      w.lit(L.closeParenBrace);
    }
    for (let s = stream.between(2, 9); s > 0 && !w.full; s--) this.statement(depth + 1, 0);
    this.indent(depth);
    w.lit(dialect.php ? L.closeBrace : L.closeBraceSemi);
    w.lit(L.nl);
  }

  private statement(depth: number, nesting: number): void {
    const { w, stream, dialect, shape } = this;
    const r = stream.next();
    this.indent(depth);
    if (r < shape.commentShare) {
      w.lit(L.comment);
      this.proseWords(3, 12);
      w.lit(L.nl);
    } else if (r < 0.45) {
      if (!dialect.php && stream.below(3) === 0) w.lit(stream.below(2) === 0 ? L.constDecl : L.varDecl);
      this.variable();
      w.lit(L.assign);
      this.expression();
      w.lit(L.semiNl);
    } else if (r < 0.6 && nesting < 3) {
      w.lit(L.ifOpen);
      this.condition();
      w.lit(L.closeParenBrace);
      for (let i = stream.between(1, 3); i > 0; i--) this.statement(depth + 1, nesting + 1);
      if (stream.below(4) === 0) {
        this.indent(depth);
        w.lit(L.elseLine);
        this.statement(depth + 1, nesting + 1);
      }
      this.indent(depth);
      w.lit(L.closeBrace);
    } else if (r < 0.67 && nesting < 3) {
      if (dialect.php) {
        w.lit(L.foreachOpen);
        this.variable();
        w.lit(L.asKw);
        this.variable();
        w.lit(L.arrow);
        this.variable();
      } else {
        w.lit(L.forOpen);
        w.lit(L.constDecl);
        this.variable();
        w.lit(L.ofKw);
        this.variable();
      }
      w.lit(L.closeParenBrace);
      for (let i = stream.between(1, 3); i > 0; i--) this.statement(depth + 1, nesting + 1);
      this.indent(depth);
      w.lit(L.closeBrace);
    } else if (r < 0.72) {
      w.lit(L.throwNew);
      this.ident(1);
      w.lit(L.exception);
      this.literal();
      w.lit(L.closeParen);
      w.lit(L.semiNl);
    } else if (r < 0.86) {
      this.expression();
      w.lit(L.semiNl);
    } else {
      w.lit(L.returnKw);
      if (stream.below(2) === 0) this.variable();
      else this.expression();
      w.lit(L.semiNl);
    }
  }

  private condition(): void {
    const { w, stream } = this;
    const r = stream.below(4);
    if (r === 0) {
      this.variable();
      w.lit(L.isNull);
    } else if (r === 1) {
      w.lit(L.not);
      this.expression();
    } else if (r === 2 && this.dialect.php) {
      this.variable();
      w.lit(L.instanceOf);
      this.className();
    } else {
      this.variable();
      w.lit(L.notEq);
      this.literal();
    }
  }

  private args(): void {
    const { w, stream } = this;
    const n = stream.below(4);
    if (n === 0) {
      w.lit(L.emptyCall);
      return;
    }
    w.lit(L.openParen);
    for (let i = 0; i < n; i++) {
      if (i > 0) w.lit(L.comma);
      if (stream.below(5) < 3) this.variable();
      else this.literal();
    }
    w.lit(L.closeParen);
  }

  private expression(): void {
    const { w, stream, dialect } = this;
    const r = stream.below(20);
    if (r < 6) {
      w.lit(dialect.self);
      this.ident(0);
      w.lit(dialect.member);
      this.ident(0);
      this.args();
    } else if (r < 10) {
      w.lit(dialect.self);
      this.ident(0);
      this.args();
    } else if (r < 13) {
      this.variable();
      w.lit(dialect.member);
      this.ident(0);
      this.args();
    } else if (r < 15) {
      if (!dialect.php && stream.below(2) === 0) w.lit(JS_GLOBALS[stream.below(JS_GLOBALS.length)] as Buffer);
      else {
        this.className();
        w.lit(dialect.staticCall);
        this.ident(0);
      }
      this.args();
    } else if (r < 17) {
      w.lit(L.newKw);
      this.className();
      this.args();
    } else if (r < 19) {
      this.literal();
    } else {
      w.lit(L.arrayOpen);
      for (let i = stream.between(1, 3); i > 0; i--) {
        this.literal();
        w.lit(dialect.php ? L.arrow : L.colon);
        this.variable();
        if (i > 1) w.lit(L.comma);
      }
      w.lit(L.arrayClose);
    }
  }

  private literal(): void {
    const { w, stream } = this;
    const r = stream.below(10);
    if (r < 6) {
      w.lit(L.quote);
      this.ident(0);
      w.lit(L.dash);
      this.ident(0);
      w.lit(L.quote);
    } else if (r < 8) {
      w.int(stream.below(r === 6 ? 10 : 1000));
    } else if (r === 8) {
      w.lit(L.nullKw);
    } else {
      w.lit(stream.below(2) === 0 ? L.trueKw : L.falseKw);
    }
  }
}
