import { Rng } from '../../core/rng.ts';
import { MessageWriter, type MessageKeys, type PseudoLanguage } from '../kinds/i18n-messages.ts';
import { MAX_KEY_BYTES, MAX_RECORD_BODY, MIN_RECORD_BODY, upstreamBodyBytes, upstreamRecordCount, type UpstreamRecord } from './upstream-json.ts';

/**
 * The records of an upstream l10n JSON file, from its content key and size alone: `messages:<module key>` to a
 * PHP-serialized message in the file's language. Every language's cache holds the same messages (real caches
 * fall back to English), so keys come in order from one list shared by all files, each file starting at its
 * own place in it; texts are cut from a per-language body of messages. A revision (`<parent key>=<parent
 * bytes>+<revision>`, as tree-builder.ts's reviseEntry writes it) keeps the parent's records but one run of
 * about a fifth of them, replaced by fresh ones: an l10n rebuild leaves about 80% of each cache matchable
 * (DOMAIN.md). Record count and key-plus-value bytes are functions of the size (upstream-json.ts), so the
 * CDB's size is known at plan time.
 */

/** Share of a revised file's records that a revision replaces. */
const REVISED_SHARE = 0.2;
/** Message text per language script the values are cut from. */
const PROSE_BYTES = 256 << 10;

/** Text bytes n with `s:<n>:"...";` exactly `valueBytes` long; undefined at the lengths no n fits (17, 108, ...). */
function textBytesFor(valueBytes: number): number | undefined {
  for (let digits = 1; digits <= 10; digits++) {
    const n = valueBytes - 6 - digits;
    if (n >= 0 && String(n).length === digits) return n;
  }
  return undefined;
}

/** Distinct keys in a fixed order, grown on demand: the i-th key is the same whatever asked for it first. */
class KeyList {
  private readonly list: Buffer[] = [];
  private readonly seen = new Set<string>();
  private prefix = '';
  private moduleLeft = 0;

  constructor(
    private readonly rng: Rng,
    private readonly keys: MessageKeys,
  ) {}

  at(i: number): Buffer {
    while (this.list.length <= i) this.grow();
    return this.list[i] as Buffer;
  }

  private grow(): void {
    const rng = this.rng;
    if (--this.moduleLeft <= 0) {
      this.prefix = this.keys.prefix(rng);
      this.moduleLeft = rng.int(5, 60);
    }
    let key = `messages:${this.keys.key(rng, this.prefix)}`;
    if (key.length >= MAX_KEY_BYTES || this.seen.has(key)) key = `messages:${this.prefix.slice(0, 24)}-msg${this.list.length}`;
    while (this.seen.has(key)) key += 'x';
    this.seen.add(key);
    this.list.push(Buffer.from(key, 'latin1'));
  }
}

export class UpstreamRecords {
  private readonly keyList: KeyList;
  private readonly prose = new Map<number, Buffer>();

  constructor(
    private readonly seed: number | string,
    private readonly languages: readonly PseudoLanguage[],
    keys: MessageKeys,
  ) {
    this.keyList = new KeyList(Rng.derive(seed, 'l10n-upstream', 'keys'), keys);
  }

  /**
   * The records of the file with this content key and size, in the language of index `language`: built each
   * time they are asked for. A language's CDB and its JSON sort apart (a directory's CDBs first), so reusing
   * them meant keeping every language's records between the two: up to 64 MiB of JSON held as objects cost
   * generate 200 MB of peak memory (bench/generate-memory.ts: 604 against 406 MB on the 1 GiB scenario) and
   * saved no measurable time (24.9 and 25.5 s against 22.2 and 26.5 s, alternated).
   */
  records(contentKey: string, bytes: number, language: number): UpstreamRecord[] {
    return this.build(contentKey, bytes, language % this.languages.length);
  }

  private build(contentKey: string, bytes: number, language: number): UpstreamRecord[] {
    const rng = Rng.derive(this.seed, 'l10n-upstream', contentKey, bytes);
    const plus = contentKey.lastIndexOf('+');
    const eq = plus < 0 ? -1 : contentKey.lastIndexOf('=', plus);
    // Every language holds the same messages, in the same order.
    if (eq < 0) return this.block(rng, language, upstreamRecordCount(bytes), upstreamBodyBytes(bytes), 0, undefined);
    const parentBytes = Number(contentKey.slice(eq + 1, plus));
    if (!Number.isSafeInteger(parentBytes) || parentBytes < 0) throw new RangeError(`malformed content key ${contentKey}`);
    return this.revise(this.build(contentKey.slice(0, eq), parentBytes, language), rng, language, bytes);
  }

  private revise(parent: readonly UpstreamRecord[], rng: Rng, language: number, bytes: number): UpstreamRecord[] {
    const n = parent.length;
    const count = upstreamRecordCount(bytes);
    // New messages: keys past the parent's (those it kept are skipped).
    const firstKey = n + rng.int(0, 64);
    if (n === 0 || count === 0) return this.block(rng, language, count, upstreamBodyBytes(bytes), firstKey, undefined);
    const replaced = Math.max(1, Math.min(n, Math.round(n * REVISED_SHARE)));
    const from = rng.int(0, n - replaced);
    let parentBody = 0;
    let runBody = 0;
    parent.forEach(([k, v], i) => {
      parentBody += k.length + v.length;
      if (i >= from && i < from + replaced) runBody += k.length + v.length;
    });
    // The run's replacement takes up the difference in records and bytes between parent and revision.
    const runRecords = replaced + count - n;
    const runBytes = runBody + upstreamBodyBytes(bytes) - parentBody;
    if (runRecords < 1 || runBytes < runRecords * MIN_RECORD_BODY || runBytes > runRecords * MAX_RECORD_BODY) {
      return this.block(rng, language, count, upstreamBodyBytes(bytes), firstKey, undefined);
    }
    const taken = new Set<string>();
    parent.forEach(([k], i) => {
      if (i < from || i >= from + replaced) taken.add(k.toString('latin1'));
    });
    const run = this.block(rng, language, runRecords, runBytes, firstKey, taken);
    return [...parent.slice(0, from), ...run, ...parent.slice(from + replaced)];
  }

  /**
   * `count` records of keys and values adding up to exactly `body` bytes, keys from the shared list at
   * `firstKey` on (skipping those in `taken`); values written into one buffer, records are views of it.
   */
  private block(rng: Rng, language: number, count: number, body: number, firstKey: number, taken: Set<string> | undefined): UpstreamRecord[] {
    const prose = this.proseOf(language);
    const arena = Buffer.allocUnsafe(body);
    const records: UpstreamRecord[] = [];
    let at = 0;
    let next = firstKey;
    for (let i = 0, left = body; i < count; i++) {
      const remaining = count - i;
      // Each record's size around the mean of what is left, within what keeps the rest feasible.
      const lo = Math.max(MIN_RECORD_BODY, left - (remaining - 1) * MAX_RECORD_BODY);
      const hi = Math.min(MAX_RECORD_BODY, left - (remaining - 1) * MIN_RECORD_BODY);
      const size = remaining === 1 ? left : Math.min(hi, Math.max(lo, Math.round((left / remaining) * Math.exp(0.7 * rng.normal() - 0.245))));
      // The next key free here whose length leaves a value PHP can serialize to exactly the bytes left.
      let key: Buffer;
      let text: number | undefined;
      do {
        key = this.keyList.at(next++);
        text = taken?.has(key.toString('latin1')) === true ? undefined : textBytesFor(size - key.length);
      } while (text === undefined);
      const start = at;
      at += arena.write(`s:${text}:"`, at, 'latin1');
      at = fillText(prose, rng, arena, at, at + text);
      at += arena.write('";', at, 'latin1');
      records.push([key, arena.subarray(start, at)]);
      left -= size;
    }
    return records;
  }

  private proseOf(language: number): Buffer {
    let prose = this.prose.get(language);
    if (prose === undefined) {
      const rng = Rng.derive(this.seed, 'l10n-upstream', 'prose', language);
      const writer = new MessageWriter(rng, this.languages[language] as PseudoLanguage, { phraseReuse: 0.3 });
      const parts: string[] = [];
      for (let bytes = 0; bytes < PROSE_BYTES; ) {
        const text = `${writer.value()} `;
        parts.push(text);
        bytes += Buffer.byteLength(text);
      }
      this.prose.set(language, (prose = Buffer.from(parts.join(''), 'utf8')));
    }
    return prose;
  }
}

const SPACE = 0x20;

/** Message text into target[pos, end): a run of the language's prose from a word start, cut at a character boundary. */
function fillText(prose: Buffer, rng: Rng, target: Buffer, pos: number, end: number): number {
  while (pos < end) {
    let from = Math.floor(rng.next() * (prose.length - 1));
    while (from < prose.length && prose[from - 1] !== SPACE) from++;
    let to = Math.min(prose.length, from + end - pos);
    // Back to a character start, so the text stays valid UTF-8; spaces fill what the cut leaves.
    if (to < prose.length) while (to > from && ((prose[to] as number) & 0xc0) === 0x80) to--;
    pos += prose.copy(target, pos, from, to);
    if (to - from < 1 || pos < end) target[pos++] = SPACE;
  }
  return end;
}
