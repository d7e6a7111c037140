import type { Rng } from '../../core/rng.ts';
import type { FileStream } from './file-stream.ts';
import { IdWords, copySmall } from './id-words.ts';
import { MessageWriter, type MessageKeys, type PseudoLanguage } from './i18n-messages.ts';
import { randomBytes } from './random-bytes.ts';
import { runCorpus, walkRuns, type RunCorpus, type WalkShape } from './run-corpus.ts';

/**
 * MediaWiki's l10n cache: one CDB file per language (D. J. Bernstein's constant database). Layout: a 2048-byte
 * table of 256 (position, slots) pairs, then records (key length, value length, both u32 LE, key, value) with
 * keys like `messages:edit-summary` and values PHP-serialized (`s:12:"...";`), then 256 hash tables of
 * (hash, record position) u32 pairs, twice as many slots as records, half of them empty. The hashes and
 * binary lengths are why a CDB compresses worse than the JSON it is built from.
 */

export interface CdbCorpusShape {
  readonly bytesPerLanguage: number;
  /**
   * The caches' languages (createLanguages indices), each with the share of modules left untranslated, whose
   * messages the cache holds in the fallback language (the first): a cache mixes languages where one JSON file
   * does not. Message text repeats no phrases on purpose (unlike the JSON's): with the binary lengths and the
   * hash tables, that puts a cache at 2.0-2.8x, below its JSON.
   */
  readonly languages: ReadonlyArray<{ readonly index: number; readonly fallback: number }>;
  /** Share of records that are not messages (special page aliases: serialized arrays). */
  readonly arrayRecords: number;
}

export const DEFAULT_CDB_SHAPE: CdbCorpusShape = {
  bytesPerLanguage: 64 << 10,
  // One language per script family keeps the corpus small; every file is one language, as caches are.
  languages: [
    { index: 0, fallback: 0 },
    { index: 3, fallback: 0.5 },
    { index: 4, fallback: 0.7 },
    { index: 5, fallback: 0.5 },
  ],
  arrayRecords: 0.1,
};

const HEADER_BYTES = 2048;
const SLOT_BYTES = 8;
const SLOT_CORPUS_BYTES = 256 << 10;
/** Runs of 4-16 KiB of records: CDB files are large, so long runs keep the copy count low. */
const WALK: WalkShape = { minUnits: 48, maxUnits: 160, maxSkip: 32 };
/** Room kept before the hash tables for the record that ends the record area exactly. */
const LAST_RECORD_ROOM = 160;

export function createCdbContent(rng: Rng, languages: readonly PseudoLanguage[], keys: MessageKeys, shape: CdbCorpusShape = DEFAULT_CDB_SHAPE): CdbContent {
  // A region overshoots its size by at most one record.
  const capacity = shape.languages.length * (shape.bytesPerLanguage + 4096);
  const bytes = Buffer.allocUnsafe(capacity);
  const starts: number[] = [];
  const regionStarts: number[] = [0];
  const prose: Buffer[] = [];
  let pos = 0;
  const fallback = new MessageWriter(rng, languages[0] as PseudoLanguage, { phraseReuse: 0 });
  for (const { index, fallback: untranslated } of shape.languages) {
    const own = new MessageWriter(rng, languages[index] as PseudoLanguage, { phraseReuse: 0 });
    const regionStart = pos;
    let sample = '';
    while (pos - regionStart < shape.bytesPerLanguage) {
      const translated = rng.next() >= untranslated;
      const writer = translated ? own : fallback;
      for (const name of keys.moduleKeys(rng, rng.int(5, 60))) {
        if (pos - regionStart >= shape.bytesPerLanguage) break;
        let key: string;
        let value: string;
        if (rng.next() < shape.arrayRecords) {
          key = `specialPageAliases:${name}`;
          value = `a:2:{i:0;${serialized(writer.value())}i:1;${serialized(name)}}`;
        } else {
          const text = writer.value();
          key = `messages:${name}`;
          value = serialized(text);
          if (translated && sample.length < 8192) sample += `${text} `;
        }
        starts.push(pos);
        // Keys are ASCII: their length is their byte count.
        bytes.writeUInt32LE(key.length, pos);
        pos += 8;
        pos += bytes.write(key, pos, 'latin1');
        const valueBytes = bytes.write(value, pos, 'utf8');
        bytes.writeUInt32LE(valueBytes, pos - 8 - key.length + 4);
        pos += valueBytes;
      }
    }
    regionStarts.push(pos);
    prose.push(Buffer.from(sample, 'utf8'));
  }
  const records = runCorpus(Buffer.from(bytes.subarray(0, pos)), starts, regionStarts);
  return new CdbContent(records, slotCorpus(rng), prose, keys.idWords);
}

/** PHP serialize() of a string: the length counts UTF-8 bytes. */
function serialized(text: string): string {
  return `s:${Buffer.byteLength(text, 'utf8')}:"${text}";`;
}

/** Digits of n in `s:<n>:"<text>";` of `valueBytes` bytes, or 0 when no n fits. */
function serializedDigits(valueBytes: number): number {
  for (let digits = 1; digits <= 10; digits++) if (String(valueBytes - 6 - digits).length === digits) return digits;
  return 0;
}

/** Hash-table slots: half empty, half (random hash, record position within a few MB). */
function slotCorpus(rng: Rng): Buffer {
  const slots = randomBytes(rng, SLOT_CORPUS_BYTES);
  for (let i = 0; i < SLOT_CORPUS_BYTES; i += SLOT_BYTES) {
    // The hash's low bit decides emptiness; positions stay below 4 MiB, as records of a cache file do.
    if ((slots[i] as number) & 1) slots.fill(0, i, i + SLOT_BYTES);
    else {
      slots[i + 6] = (slots[i + 6] as number) & 0x3f;
      slots[i + 7] = 0;
    }
  }
  return slots;
}

const KEY_PREFIX = Buffer.from('messages:', 'latin1');

export class CdbContent {
  private readonly averageRecord: number;
  private readonly ids: IdWords;

  constructor(
    private readonly records: RunCorpus,
    private readonly slots: Buffer,
    private readonly prose: readonly Buffer[],
    idWords: readonly string[],
  ) {
    this.ids = new IdWords(idWords, 0x2d);
    this.averageRecord = records.bytes.length / (records.unitStarts.length - 1);
  }

  fill(stream: FileStream, target: Buffer, bytes: number): void {
    const language = stream.below(this.prose.length);
    // Two slots per record: the hash tables take 16 bytes per record.
    const recordCount = Math.max(0, Math.floor((bytes - HEADER_BYTES - LAST_RECORD_ROOM) / (this.averageRecord + 2 * SLOT_BYTES)));
    const tableBytes = recordCount * 2 * SLOT_BYTES;
    const tablesAt = bytes - tableBytes;
    if (tablesAt - HEADER_BYTES < LAST_RECORD_ROOM) {
      // Smaller than any real cache: the record of the file id, cut where the file ends, keeps files distinct.
      target.fill(0, 0, bytes);
      this.lastRecord(stream, language, target, 0, bytes);
      return;
    }
    this.header(stream, target, tablesAt, recordCount * 2);
    const pos = walkRuns(this.records, language, language, 0, WALK, stream, target, HEADER_BYTES, tablesAt - LAST_RECORD_ROOM, true);
    this.lastRecord(stream, language, target, pos, tablesAt);
    this.tables(stream, target, tablesAt, bytes);
  }

  /** 256 (position, slots) pairs: tables laid out one after another from `tablesAt`, sizes drawn around the mean. */
  private header(stream: FileStream, target: Buffer, tablesAt: number, totalSlots: number): void {
    const mean = totalSlots / 256;
    let position = tablesAt;
    let left = totalSlots;
    for (let i = 0; i < 256; i++) {
      // Even slot counts (twice the records), the last table takes what is left.
      const slots = i === 255 ? left : Math.min(left, 2 * Math.round((mean * (0.75 + (0.5 * stream.below(1024)) / 1024)) / 2));
      left -= slots;
      target.writeUInt32LE(position >>> 0, i * 8);
      target.writeUInt32LE(slots, i * 8 + 4);
      position += slots * SLOT_BYTES;
    }
  }

  /** One message record sized to end exactly at `end` (cut there when shorter than its key); its key spells the file id. */
  private lastRecord(stream: FileStream, language: number, target: Buffer, pos: number, end: number): void {
    let keyBytes = KEY_PREFIX.length + this.ids.length(stream);
    // s:<n>:"<text>"; where n is the text length, so n depends on its own digit count; at a power of ten no
    // n fits (s:10:"..." is one byte too long, s:9:"..." one too short), and a longer key takes the byte.
    let valueBytes = end - pos - 8 - keyBytes;
    let digits = serializedDigits(valueBytes);
    const plural = digits === 0;
    if (plural) {
      keyBytes++;
      valueBytes--;
      digits = serializedDigits(valueBytes);
    }
    const textBytes = Math.max(0, valueBytes - 6 - digits);
    const lengths = Buffer.alloc(8);
    lengths.writeUInt32LE(keyBytes, 0);
    lengths.writeUInt32LE(Math.max(0, valueBytes), 4);
    pos = copySmall(lengths, target, pos, end);
    pos = copySmall(KEY_PREFIX, target, pos, end);
    pos = this.ids.write(stream, target, pos, end);
    if (plural && pos < end) target[pos++] = 0x73;
    if (pos >= end || textBytes === 0) return;
    pos += target.write(`s:${textBytes}:"`, pos, 'latin1');
    const prose = this.prose[language] as Buffer;
    const textEnd = pos + textBytes;
    while (pos < textEnd) {
      const from = stream.below(prose.length);
      pos += prose.copy(target, pos, from, Math.min(prose.length, from + textEnd - pos));
    }
    target.write('";', textEnd, 'latin1');
  }

  /** Hash tables: runs of slots copied from the slot corpus, 8-byte aligned. */
  private tables(stream: FileStream, target: Buffer, pos: number, end: number): void {
    const slots = this.slots;
    const slotCount = slots.length / SLOT_BYTES;
    let from = stream.below(slotCount) * SLOT_BYTES;
    while (pos < end) {
      const n = Math.min(end - pos, slots.length - from, (256 + stream.below(1792)) * SLOT_BYTES);
      slots.copy(target, pos, from, from + n);
      pos += n;
      from += n + stream.below(64) * SLOT_BYTES;
      if (from >= slots.length) from = stream.below(64) * SLOT_BYTES;
    }
  }
}
