import type { Rng } from '../../core/rng.ts';

/**
 * Words for synthetic text. Real source and message text reuse a few words constantly and many words rarely
 * (Zipf's law); that skew, more than the words themselves, is what sets how well gzip compresses the text.
 */

/** Words of MediaWiki's PHP code and comments, most frequent first. */
export const CODE_WORDS: readonly string[] = (
  'get set page title user the to is of a and revision content name id text for in this value ' +
  'config service cache key list type data message options result param status parser language ' +
  'store lookup factory handler request context output html link namespace database row query ' +
  'api module field array string int bool null return new from by with be if not on as it ' +
  'edit log file media search session auth token hook job special skin template category watch ' +
  'diff slot role model format table index count limit offset time stamp hash url path prefix ' +
  'callback provider manager builder formatter renderer validator normalizer resolver registry ' +
  'update insert delete select load save fetch check has can should make create build parse render ' +
  'add remove find apply run execute handle process prepare init reset clear merge filter map sort ' +
  'exists valid empty default current previous next parent child main local global remote shared ' +
  'wiki site group right permission block rate limit flag mode state event notification email ' +
  'section heading element attribute class style script resource loader bundle package version ' +
  'interwiki redirect alias target source origin owner author actor comment summary reason ' +
  'timestamp expiry duration size length width height offset position range batch chunk queue ' +
  'lock mutex transaction connection server client host domain lb primary replica write read ' +
  'object entity item record entry node tree graph path segment part piece unit block ' +
  'change patch tag label description keyword term phrase word token stream buffer reader writer ' +
  'input output error warning exception failure success info debug trace stack frame level ' +
  'user name real pass password mail address account login logout create account group member ' +
  'all any each some more most other only also may must will when which that there where then ' +
  'used uses using given gets sets returns called calls into over after before about without ' +
  'specified optional required internal public private protected static abstract final deprecated'
).split(' ');

/**
 * A weighted choice among `size` ranks with weight 1/(rank+1)^exponent. Walker's alias method: one uniform
 * draw per choice, which matters when building MiBs of text word by word.
 */
export class ZipfTable {
  private readonly keep: Float64Array;
  private readonly alias: Int32Array;

  constructor(size: number, exponent: number) {
    if (size < 1) throw new RangeError('a Zipf table needs at least one rank');
    const weights = new Float64Array(size);
    let total = 0;
    for (let i = 0; i < size; i++) total += weights[i] = 1 / Math.pow(i + 1, exponent);
    this.keep = new Float64Array(size);
    this.alias = new Int32Array(size);
    const small: number[] = [];
    const large: number[] = [];
    for (let i = 0; i < size; i++) {
      const scaled = ((weights[i] as number) * size) / total;
      this.keep[i] = scaled;
      (scaled < 1 ? small : large).push(i);
    }
    while (small.length > 0 && large.length > 0) {
      const s = small.pop() as number;
      const l = large[large.length - 1] as number;
      this.alias[s] = l;
      const rest = (this.keep[l] as number) + (this.keep[s] as number) - 1;
      this.keep[l] = rest;
      if (rest < 1) {
        large.pop();
        small.push(l);
      }
    }
    // Leftovers are 1 up to rounding.
    for (const i of [...small, ...large]) {
      this.keep[i] = 1;
      this.alias[i] = i;
    }
  }

  get size(): number {
    return this.keep.length;
  }

  draw(rng: Rng): number {
    const u = rng.next() * this.keep.length;
    const i = Math.floor(u);
    return u - i < (this.keep[i] as number) ? i : (this.alias[i] as number);
  }
}

/** A list of words with a Zipf law over them. */
export class Vocabulary {
  private readonly table: ZipfTable;

  constructor(
    readonly words: readonly string[],
    exponent: number,
  ) {
    this.table = new ZipfTable(words.length, exponent);
  }

  draw(rng: Rng): string {
    return this.words[this.table.draw(rng)] as string;
  }
}

/**
 * The last few phrases (or names) a text used; a new one replaces a random one. Repeats then stay at the
 * same short range all through the text, instead of piling up towards the end of each class or module, so
 * any cut of the text compresses about alike and small files vary little.
 */
export class RollingPool {
  private readonly items: string[] = [];

  constructor(private readonly capacity: number) {}

  /** With chance `reuse`, one of its items; else (or when empty) undefined: a new one is due. */
  recall(rng: Rng, reuse: number): string | undefined {
    const n = this.items.length;
    return n > 0 && rng.next() < reuse ? this.items[Math.floor(rng.next() * n)] : undefined;
  }


  remember(rng: Rng, item: string): string {
    if (this.items.length < this.capacity) this.items.push(item);
    else this.items[Math.floor(rng.next() * this.capacity)] = item;
    return item;
  }
}

/** Pronounceable invented words from a syllable inventory, for the long tail of a vocabulary. */
export function inventWords(rng: Rng, syllables: readonly string[], count: number, minSyllables: number, maxSyllables: number): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (let attempts = 0; out.length < count && attempts < count * 20; attempts++) {
    const n = rng.int(minSyllables, maxSyllables);
    let w = '';
    for (let i = 0; i < n; i++) w += rng.pick(syllables);
    if (!seen.has(w)) {
      seen.add(w);
      out.push(w);
    }
  }
  return out;
}

export const LATIN_SYLLABLES: readonly string[] = (
  'ba be bi bo bu ca ce ci co cu da de di do du fa fe fi fo ga ge gi go ha he hi ho ka ke ki ko la le li lo lu ' +
  'ma me mi mo mu na ne ni no nu pa pe pi po ra re ri ro ru sa se si so su ta te ti to tu va ve vi vo ' +
  'al an ar as el en er es il in ir is ol on or os ul un ur us st tr pr ch sh th'
).split(' ');

export function capitalize(word: string): string {
  return word.length === 0 ? word : word.charAt(0).toUpperCase() + word.slice(1);
}

/** camelCase (or PascalCase) from words. */
export function camel(words: readonly string[], pascal: boolean): string {
  let s = '';
  for (let i = 0; i < words.length; i++) {
    const w = words[i] as string;
    s += i === 0 && !pascal ? w : capitalize(w);
  }
  return s;
}
