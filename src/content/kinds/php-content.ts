import type { Rng } from '../../core/rng.ts';
import type { FileStream } from './file-stream.ts';
import { IdWords, copySmall } from './id-words.ts';
import { TextCorpusWriter, bandPosition, walkRuns, type RunCorpus, type WalkShape } from './run-corpus.ts';
import { CODE_WORDS, LATIN_SYLLABLES, RollingPool, Vocabulary, capitalize, inventWords } from './vocabulary.ts';

/**
 * PHP source in MediaWiki's style: namespaces and use lines, docblocks, classes with tab-indented methods,
 * accessors, `$this->` calls and string literals, camelCase names from a Zipf vocabulary. The text reuses the
 * few names and phrases in current use (rolling pools), so its redundancy is short-range and the same all
 * through: any cut of it compresses about alike, whatever class it lands in.
 */

/** The licence block MediaWiki core puts at the top of its files: identical in all files, as in the real tree. */
export const PHP_LICENCE_HEADER =
  '<?php\n' +
  '/**\n' +
  ' * This program is free software; you can redistribute it and/or modify\n' +
  ' * it under the terms of the GNU General Public License as published by\n' +
  ' * the Free Software Foundation; either version 2 of the License, or\n' +
  ' * (at your option) any later version.\n' +
  ' *\n' +
  ' * @license GPL-2.0-or-later\n' +
  ' * @file\n' +
  ' */\n';

const OPENING = '<?php\n';

/**
 * Files of different sizes are cut from different regions of the corpus. gzip starts every file with an empty
 * window, so a small file compresses worse than a large one of the same text; regions for small files repeat
 * phrases more. Each band is calibrated at its anchor size; a file between two anchors blends both regions,
 * which keeps the per-file ratio near the target over the whole size range.
 */
export interface PhpBand {
  readonly anchorBytes: number;
  readonly corpusBytes: number;
  /** Chance that a name is one in current use rather than a fresh draw. */
  readonly localReuse: number;
  /** Chance that an expression, literal or comment repeats one in current use. */
  readonly phraseReuse: number;
}

/** Knobs calibrated against gzip -1 by bench/content-calibration.ts. */
export interface PhpCorpusShape {
  /** Invented words added after the real ones: a longer tail means less repetition, a lower ratio. */
  readonly tailWords: number;
  readonly exponent: number;
  /** By ascending anchor size. */
  readonly bands: readonly PhpBand[];
}

export const DEFAULT_PHP_SHAPE: PhpCorpusShape = {
  tailWords: 2000,
  exponent: 0.8,
  // Most files are small, and small files are what a tar packs together: their regions are the largest, so
  // neighbours in a tar rarely share a run.
  bands: [
    { anchorBytes: 3072, corpusBytes: 112 << 10, localReuse: 0.9, phraseReuse: 0.85 },
    { anchorBytes: 6144, corpusBytes: 64 << 10, localReuse: 0.9, phraseReuse: 0.629 },
    { anchorBytes: 12288, corpusBytes: 64 << 10, localReuse: 0.9, phraseReuse: 0.347 },
    { anchorBytes: 28672, corpusBytes: 96 << 10, localReuse: 0.9, phraseReuse: 0.164 },
    { anchorBytes: 81920, corpusBytes: 96 << 10, localReuse: 0.9, phraseReuse: 0.032 },
  ],
};

/** 2048^3 > 2^32: three words carry half of the file id. */
const NAMESPACE_WORDS = 2048;
const WALK: WalkShape = { minUnits: 24, maxUnits: 72, maxSkip: 40 };
const SCALAR_TYPES = ['int', 'string', 'bool', 'array', '?string', '?int', 'float', 'mixed', 'callable', 'iterable'];
const VISIBILITY = ['public', 'public', 'public', 'private', 'protected', 'private'];
const KNOWN_CLASSES = ['Title', 'User', 'Config', 'MediaWikiServices', 'LoggerInterface', 'PageIdentity', 'UserIdentity', 'RevisionRecord', 'Status', 'Message', 'IContextSource', 'ServiceOptions', 'LinkTarget', 'HookContainer', 'WANObjectCache', 'IDatabase', 'LBFactory', 'Language', 'OutputPage', 'WebRequest', 'ParserOutput', 'Html', 'Authority', 'StatusValue'];

class PhpCorpusWriter {
  private readonly words: Vocabulary;
  private readonly prose: Vocabulary;
  private readonly classes: Vocabulary;
  private readonly methods: Vocabulary;
  private readonly variables: Vocabulary;
  private readonly namespaces: Vocabulary;
  private readonly out: TextCorpusWriter;
  private band: PhpBand;
  // Names and phrases in current use. Small pools keep repeats within a few hundred bytes of each other,
  // so even a 3 KB file sees most of them.
  private readonly localClasses = new RollingPool(2);
  private readonly localMethods = new RollingPool(3);
  private readonly localProps = new RollingPool(2);
  private readonly localVars = new RollingPool(2);
  private readonly expressions = new RollingPool(6);
  private readonly literals = new RollingPool(4);
  private readonly comments = new RollingPool(3);

  constructor(
    private readonly rng: Rng,
    private readonly shape: PhpCorpusShape,
  ) {
    this.band = shape.bands[0] as PhpBand;
    this.out = new TextCorpusWriter(shape.bands.reduce((sum, b) => sum + b.corpusBytes, 4096));
    const all = [...CODE_WORDS, ...inventWords(rng, LATIN_SYLLABLES, shape.tailWords, 2, 4)];
    this.words = new Vocabulary(all, shape.exponent);
    this.prose = new Vocabulary(CODE_WORDS, shape.exponent);
    this.classes = new Vocabulary([...new Set([...KNOWN_CLASSES, ...this.names(NAMESPACE_WORDS + 256, 3, true)])], shape.exponent);
    this.methods = new Vocabulary(this.names(1500, 3, false), shape.exponent);
    this.variables = new Vocabulary(this.names(800, 2, false), shape.exponent);
    this.namespaces = new Vocabulary(this.names(200, 1, true), shape.exponent);
  }

  /** Distinct camelCase names of 1 to `maxWords` words. */
  private names(count: number, maxWords: number, pascal: boolean): string[] {
    const seen = new Set<string>();
    for (let i = 0; seen.size < count && i < count * 4; i++) {
      let name = '';
      for (let j = this.rng.int(1, maxWords); j > 0; j--) name += capitalize(this.words.draw(this.rng));
      seen.add(pascal ? name : name.charAt(0).toLowerCase() + name.slice(1));
    }
    return [...seen];
  }

  build(): RunCorpus {
    for (const band of this.shape.bands) {
      this.band = band;
      while (this.out.regionBytes < band.corpusBytes) this.file();
      this.out.endRegion();
    }
    return this.out.finish();
  }

  /** Distinct class-like names, the most frequent first, for per-file namespace names. */
  namespaceWords(count: number): string[] {
    return this.classes.words.slice(0, count);
  }

  private local(pool: RollingPool, global: Vocabulary): string {
    return pool.recall(this.rng, this.band.localReuse) ?? pool.remember(this.rng, global.draw(this.rng));
  }

  private phrase(pool: RollingPool, make: (this: PhpCorpusWriter) => string): string {
    return pool.recall(this.rng, this.band.phraseReuse) ?? pool.remember(this.rng, make.call(this));
  }

  private sentence(minWords: number, maxWords: number): string {
    const n = this.rng.int(minWords, maxWords);
    let s = '';
    for (let i = 0; i < n; i++) s += (i === 0 ? '' : ' ') + this.prose.draw(this.rng);
    return s.charAt(0).toUpperCase() + s.slice(1);
  }

  private comment(minWords: number, maxWords: number): string {
    return this.comments.recall(this.rng, this.band.phraseReuse) ?? this.comments.remember(this.rng, this.sentence(minWords, maxWords));
  }

  private type(): string {
    return this.rng.next() < 0.45 ? this.rng.pick(SCALAR_TYPES) : this.local(this.localClasses, this.classes);
  }

  private literal(): string {
    return this.phrase(this.literals, this.newLiteral);
  }

  private newLiteral(): string {
    const r = this.rng.next();
    if (r < 0.4) return `'${this.words.draw(this.rng)}-${this.words.draw(this.rng)}${this.rng.next() < 0.5 ? `-${this.words.draw(this.rng)}` : ''}'`;
    if (r < 0.6) return `'${this.words.draw(this.rng)}_${this.words.draw(this.rng)}'`;
    if (r < 0.8) return String(this.rng.int(0, 1000));
    return `"${this.comment(2, 6)}"`;
  }

  private file(): void {
    const rng = this.rng;

    let s = `namespace MediaWiki\\${this.namespaces.draw(rng)}${rng.next() < 0.6 ? `\\${this.namespaces.draw(rng)}` : ''};\n\n`;
    for (let i = rng.int(2, 9); i > 0; i--) {
      s += `use ${rng.next() < 0.7 ? 'MediaWiki' : 'Wikimedia'}\\${this.namespaces.draw(rng)}\\${this.local(this.localClasses, this.classes)};\n`;
    }
    const className = this.classes.draw(rng);
    s += `\n/**\n * ${this.comment(5, 14)}.\n`;
    if (rng.next() < 0.5) s += ` * ${this.comment(4, 12)}.\n`;
    s += ` *\n * @since 1.${rng.int(20, 45)}\n */\n`;
    const r = rng.next();
    if (r < 0.12) s += `interface ${className} {\n`;
    else {
      s += `${r < 0.25 ? 'abstract ' : r < 0.35 ? 'final ' : ''}class ${className}`;
      if (rng.next() < 0.4) s += ` extends ${this.local(this.localClasses, this.classes)}`;
      if (rng.next() < 0.3) s += ` implements ${this.local(this.localClasses, this.classes)}`;
      s += ' {\n';
    }
    this.out.write(s);
    s = '';
    for (let i = rng.int(0, 3); i > 0; i--) {
      s += `\tpublic const ${this.words.draw(rng).toUpperCase()}_${this.words.draw(rng).toUpperCase()} = ${this.literal()};\n`;
    }
    if (s !== '') s += '\n';
    const props: string[] = [];
    const types: string[] = [];
    for (let i = rng.int(1, 6); i > 0; i--) {
      props.push(this.local(this.localProps, this.variables));
      types.push(this.type());
    }
    props.forEach((prop, i) => {
      s += `\t/** @var ${types[i]} */\n\t${rng.pick(VISIBILITY)} $${prop};\n\n`;
    });
    this.out.write(s);
    this.constructorMethod(props);
    props.forEach((prop, i) => this.accessors(prop, types[i] as string));
    for (let i = rng.int(2, 9); i > 0; i--) this.method();
    this.out.write('}\n\n');
  }

  /** Getters and setters: the most formulaic code there is, and as common in MediaWiki as anywhere. */
  private accessors(prop: string, type: string): void {
    const name = prop.charAt(0).toUpperCase() + prop.slice(1);
    let s = '';
    if (this.rng.next() < 0.6) s += `\t/**\n\t * @return ${type}\n\t */\n\tpublic function get${name}(): ${type} {\n\t\treturn $this->${prop};\n\t}\n\n`;
    if (this.rng.next() < 0.3) s += `\t/**\n\t * @param ${type} $${prop}\n\t */\n\tpublic function set${name}( ${type} $${prop} ): void {\n\t\t$this->${prop} = $${prop};\n\t}\n\n`;
    this.out.write(s);
  }

  private constructorMethod(props: readonly string[]): void {
    const args = props.slice(0, this.rng.int(1, props.length));
    let s = '\t/**\n';
    for (const a of args) s += `\t * @param ${this.type()} $${a}\n`;
    s += '\t */\n\tpublic function __construct(\n';
    s += args.map((a) => `\t\t${this.type()} $${a}`).join(',\n');
    s += '\n\t) {\n';
    for (const a of args) s += `\t\t$this->${a} = $${a};\n`;
    this.out.write(s + '\t}\n\n');
  }

  private method(): void {
    const rng = this.rng;
    const name = this.local(this.localMethods, this.methods);
    const args: string[] = [];
    for (let i = rng.int(0, 3); i > 0; i--) args.push(this.local(this.localVars, this.variables));
    const returns = this.type();
    let s = `\t/**\n\t * ${this.comment(3, 12)}.\n`;
    if (rng.next() < 0.3) s += `\t * ${this.comment(4, 14)}.\n`;
    if (args.length > 0) s += '\t *\n';
    for (const a of args) s += `\t * @param ${this.type()} $${a}${rng.next() < 0.5 ? ` ${this.comment(2, 8)}` : ''}\n`;
    s += `\t * @return ${returns}\n\t */\n`;
    s += `\t${rng.pick(VISIBILITY)}${rng.next() < 0.15 ? ' static' : ''} function ${name}(`;
    s += args.length === 0 ? '' : ` ${args.map((a) => `${rng.next() < 0.7 ? `${this.type()} ` : ''}$${a}`).join(', ')} `;
    s += `): ${returns} {\n`;
    this.out.write(s);
    this.block(2, rng.int(2, 8));
    this.out.write('\t}\n\n');
  }

  private callArgs(): string {
    const n = this.rng.int(0, 3);
    if (n === 0) return '()';
    let s = '( ';
    for (let i = 0; i < n; i++) s += (i === 0 ? '' : ', ') + (this.rng.next() < 0.6 ? `$${this.local(this.localVars, this.variables)}` : this.literal());
    return s + ' )';
  }

  private expression(): string {
    return this.phrase(this.expressions, this.newExpression);
  }

  private newExpression(): string {
    const rng = this.rng;
    const r = rng.next();
    if (r < 0.35) return `$this->${this.local(this.localProps, this.variables)}->${this.local(this.localMethods, this.methods)}${this.callArgs()}`;
    if (r < 0.55) return `$this->${this.local(this.localMethods, this.methods)}${this.callArgs()}`;
    if (r < 0.7) return `$${this.local(this.localVars, this.variables)}->${this.methods.draw(rng)}${this.callArgs()}`;
    if (r < 0.8) return `${this.local(this.localClasses, this.classes)}::${this.methods.draw(rng)}${this.callArgs()}`;
    if (r < 0.88) return `new ${this.local(this.localClasses, this.classes)}${this.callArgs()}`;
    if (r < 0.94) return this.literal();
    return `[ ${this.literal()} => $${this.local(this.localVars, this.variables)}, ${this.literal()} => ${this.literal()} ]`;
  }

  private block(depth: number, statements: number): void {
    const rng = this.rng;
    const pad = '\t'.repeat(depth);
    for (let i = 0; i < statements; i++) {
      const r = rng.next();
      const v = `$${this.local(this.localVars, this.variables)}`;
      if (r < 0.4) this.out.write(`${pad}${v} = ${this.expression()};\n`);
      else if (r < 0.55 && depth < 5) {
        const cond = rng.next() < 0.5 ? `${v} === null` : rng.next() < 0.5 ? `!${this.expression()}` : `${v} instanceof ${this.local(this.localClasses, this.classes)}`;
        this.out.write(`${pad}if ( ${cond} ) {\n`);
        this.block(depth + 1, rng.int(1, 3));
        if (rng.next() < 0.3) {
          this.out.write(`${pad}} else {\n`);
          this.block(depth + 1, rng.int(1, 2));
        }
        this.out.write(`${pad}}\n`);
      } else if (r < 0.63 && depth < 5) {
        this.out.write(`${pad}foreach ( ${v} as $${this.variables.draw(rng)} => $${this.local(this.localVars, this.variables)} ) {\n`);
        this.block(depth + 1, rng.int(1, 3));
        this.out.write(`${pad}}\n`);
      } else if (r < 0.7) {
        this.out.write(`${pad}// ${this.comment(3, 12)}\n`);
      } else if (r < 0.76) {
        this.out.write(`${pad}throw new ${this.local(this.localClasses, this.classes)}Exception( ${this.literal()} );\n`);
      } else if (r < 0.86) {
        this.out.write(`${pad}${this.expression()};\n`);
      } else {
        this.out.write(`${pad}return ${rng.next() < 0.5 ? v : this.expression()};\n`);
      }
    }
  }
}

export function createPhpContent(rng: Rng, shape: PhpCorpusShape = DEFAULT_PHP_SHAPE): PhpContent {
  const writer = new PhpCorpusWriter(rng, shape);
  const corpus = writer.build();
  const words = writer.namespaceWords(NAMESPACE_WORDS);
  if (words.length < NAMESPACE_WORDS) throw new Error('PHP vocabulary too small for per-file namespace names');
  return new PhpContent(corpus, words, shape.bands.map((b) => b.anchorBytes));
}

const NAMESPACE_OPEN = Buffer.from('\nnamespace MediaWiki\\', 'latin1');
const NAMESPACE_CLOSE = Buffer.from(';\n\n', 'latin1');

/** Fills PHP files: the shared licence header, a per-file namespace line, then runs of corpus lines. */
export class PhpContent {
  private readonly header = Buffer.from(PHP_LICENCE_HEADER, 'latin1');
  private readonly opening = Buffer.from(OPENING, 'latin1');
  private readonly ids: IdWords;

  constructor(
    private readonly corpus: RunCorpus,
    namespaceWords: readonly string[],
    private readonly anchors: readonly number[],
  ) {
    this.ids = new IdWords(namespaceWords, 0x5c);
  }

  fill(stream: FileStream, target: Buffer, bytes: number): void {
    // Files too small to hold the licence and some code skip it; their namespace line keeps them distinct.
    const prefix = bytes >= this.header.length * 2 ? this.header : this.opening;
    let pos = prefix.copy(target, 0, 0, Math.min(prefix.length, bytes));
    // `namespace MediaWiki\AaaBbb\...;` spelled from the file id: unique bytes per file.
    pos = copySmall(NAMESPACE_OPEN, target, pos, bytes);
    pos = this.ids.write(stream, target, pos, bytes);
    pos = copySmall(NAMESPACE_CLOSE, target, pos, bytes);
    if (pos >= bytes) return;
    const band = bandPosition(this.anchors, bytes);
    const low = Math.floor(band);
    walkRuns(this.corpus, low, Math.min(low + 1, this.anchors.length - 1), band - low, WALK, stream, target, pos, bytes, false);
  }
}
