import type { Rng } from '../../core/rng.ts';
import { CODE_WORDS, LATIN_SYLLABLES, RollingPool, Vocabulary, inventWords } from './vocabulary.ts';

/**
 * Interface messages as MediaWiki's i18n files and l10n cache hold them: keys like `echo-notification-edit-
 * header` grouped by module, values in a pseudo-language with `$1` parameters and a little wikitext. The same
 * messages feed the JSON files and the CDB cache, so the cache is built from the JSON, as the real one is.
 */

interface Script {
  readonly consonants: readonly string[];
  readonly vowels: readonly string[];
  /** Scripts without letter case (Devanagari, Han) start sentences as they are. */
  readonly cased: boolean;
  /** Han-like scripts write words without spaces. */
  readonly spaced: boolean;
  /**
   * Vocabulary size and Zipf exponent. Multi-byte scripts repeat longer byte strings per repeated word, so
   * they get larger, flatter vocabularies to compress about as well as Latin text.
   */
  readonly words: number;
  readonly exponent: number;
}

const LATIN_CONSONANTS = 'b c d f g h j k l m n p r s t v w z'.split(' ');
const LATIN_VOWELS = 'a e i o u'.split(' ');

// Letters beyond ASCII make 2- and 3-byte UTF-8 sequences, which compress differently from ASCII text.
const SCRIPTS: readonly Script[] = [
  { consonants: LATIN_CONSONANTS, vowels: LATIN_VOWELS, cased: true, spaced: true, words: 2000, exponent: 0.9 },
  { consonants: [...LATIN_CONSONANTS, 'ç', 'ñ'], vowels: [...LATIN_VOWELS, 'é', 'è', 'á', 'ó', 'ê'], cased: true, spaced: true, words: 2000, exponent: 0.9 },
  { consonants: [...LATIN_CONSONANTS, 'ł', 'ś', 'ż', 'č', 'š'], vowels: [...LATIN_VOWELS, 'ą', 'ę', 'y'], cased: true, spaced: true, words: 2000, exponent: 0.9 },
  { consonants: 'б в г д ж з к л м н п р с т ф х ц ч ш'.split(' '), vowels: 'а е и о у ы я ю'.split(' '), cased: true, spaced: true, words: 3000, exponent: 0.85 },
  {
    consonants: 'क ख ग घ च छ ज झ ट ठ ड ढ ण त थ द ध न प फ ब भ म य र ल व श ष स ह क्ष त्र ज्ञ'.split(' '),
    vowels: ['', 'ा', 'ि', 'ी', 'ु', 'ू', 'े', 'ै', 'ो', 'ौ', 'ं', 'ः', '्र', 'ँ'],
    cased: false,
    spaced: true,
    words: 8000,
    exponent: 0.75,
  },
  {
    consonants: Array.from('的一是不了人我在有他这中大来上国个到说们为子和你地出道也时年得就那要下以生会自着去之过家学对可她里后小么心多天而能好都然没日于起还发成事只作当想看文无开手十用主行方又如前所本见经头面公同三已老从动两长'),
    vowels: [''],
    cased: false,
    spaced: false,
    words: 1500,
    exponent: 0.9,
  },
];

export interface PseudoLanguage {
  readonly words: Vocabulary;
  readonly cased: boolean;
  readonly spaced: boolean;
}

export function createLanguages(rng: Rng): PseudoLanguage[] {
  return SCRIPTS.map((script) => {
    const syllables: string[] = [];
    for (const c of script.consonants) for (const v of script.vowels) syllables.push(c + v);
    const words = inventWords(rng, syllables, script.words, 1, script.spaced ? 4 : 3);
    return { words: new Vocabulary(words, script.exponent), cased: script.cased, spaced: script.spaced };
  });
}

const KEY_SUFFIXES = ['-desc', '-label', '-title', '-summary', '-text', '-tooltip', '-help', '-error', '-button', '-header'];

/** Module prefixes and key words shared by every language, as every language translates the same keys. */
export class MessageKeys {
  private readonly prefixes: Vocabulary;
  private readonly words: Vocabulary;
  /** Distinct ASCII words for per-file unique keys. */
  readonly idWords: readonly string[];

  constructor(rng: Rng) {
    this.idWords = inventWords(rng, LATIN_SYLLABLES, 1024, 2, 3);
    const modules = [...inventWords(rng, LATIN_SYLLABLES, 300, 2, 3), 'apihelp', 'special', 'prefs', 'action', 'right', 'log', 'echo', 'wikibase'];
    this.prefixes = new Vocabulary(modules.reverse(), 0.9);
    this.words = new Vocabulary(CODE_WORDS, 0.9);
  }

  /** The prefix of a module's keys: `echo-notification`, `apihelp-query+allpages-param`, ... */
  prefix(rng: Rng): string {
    let p = this.prefixes.draw(rng);
    for (let i = rng.int(0, 2); i > 0; i--) p += `${rng.next() < 0.15 ? '+' : '-'}${this.words.draw(rng)}`;
    return p;
  }

  /** A key of a module: its prefix, a word or two, often a conventional suffix (`-desc`, `-label`). */
  key(rng: Rng, prefix: string): string {
    let k = prefix;
    for (let i = rng.int(1, 2); i > 0; i--) k += `-${this.words.draw(rng)}`;
    return rng.next() < 0.4 ? k + rng.pick(KEY_SUFFIXES) : k;
  }

  /** `count` distinct keys of one module, as a JSON object cannot repeat a key. */
  moduleKeys(rng: Rng, count: number): string[] {
    const prefix = this.prefix(rng);
    const keys = new Set<string>();
    for (let attempt = 0; keys.size < count && attempt < count * 4; attempt++) keys.add(this.key(rng, prefix));
    return [...keys];
  }
}

export interface MessageShape {
  /** Chance that a message repeats a word sequence in current use (the jargon of the messages around it). */
  readonly phraseReuse: number;
}

/** Word sequences in current use: few, so repeats stay close together and any cut compresses alike. */
const PHRASE_POOL = 6;

/** Message values in one language; no `"` or `\`, so they need no escaping in JSON or PHP strings. */
export class MessageWriter {
  private readonly phrases = new RollingPool(PHRASE_POOL);

  constructor(
    private readonly rng: Rng,
    private readonly language: PseudoLanguage,
    private readonly shape: MessageShape,
  ) {}

  value(): string {
    const rng = this.rng;
    const r = rng.next();
    // Labels and button texts are short, help texts long.
    const words = r < 0.35 ? rng.int(1, 3) : r < 0.8 ? rng.int(3, 10) : rng.int(10, 30);
    let s = '';
    let n = 0;
    while (n < words) {
      const piece = this.phrases.recall(rng, this.shape.phraseReuse) ?? this.phrases.remember(rng, this.words(rng.int(1, 4)));
      s += (s === '' || !this.language.spaced ? '' : ' ') + piece;
      n += 2;
      const m = rng.next();
      if (m < 0.06) s += ' $1';
      else if (m < 0.08) s += ` {{PLURAL:$1|${this.words(1)}|${this.words(1)}}}`;
      else if (m < 0.09) s += ` [[Special:${this.words(1)}|${this.words(1)}]]`;
      else if (m < 0.1) s += ` <code>$2</code>`;
      else if (m < 0.13 && n < words) s += ',';
    }
    if (this.language.cased) s = s.charAt(0).toUpperCase() + s.slice(1);
    if (words > 5) s += this.language.spaced ? '.' : '。';
    return s;
  }

  private words(n: number): string {
    let s = '';
    for (let i = 0; i < n; i++) s += (i === 0 || !this.language.spaced ? '' : ' ') + this.language.words.draw(this.rng);
    return s;
  }
}
