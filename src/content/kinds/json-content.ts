import type { Rng } from '../../core/rng.ts';
import type { FileStream } from './file-stream.ts';
import { IdWords, copySmall } from './id-words.ts';
import { MessageWriter, type MessageKeys, type PseudoLanguage } from './i18n-messages.ts';
import { TextCorpusWriter, bandPosition, walkRuns, type RunCorpus, type WalkShape } from './run-corpus.ts';
import { LATIN_SYLLABLES, capitalize, inventWords } from './vocabulary.ts';

/**
 * MediaWiki i18n JSON: `{"@metadata": {"authors": [...]}, "key": "text", ...}`, one language per file. Files
 * are valid JSON at every size from a few dozen bytes: the last message is sized to end the file exactly.
 */

/**
 * As with PHP (php-content.ts), small files are cut from regions that repeat phrases more, to offset gzip's
 * empty window at the start of every file. Scripts differ too (3-byte Devanagari repeats its lead bytes,
 * Han text hardly repeats at all), so each band sets the reuse per language. Each band is calibrated at its
 * anchor size; a file between two anchors blends both bands' regions.
 */
export interface JsonBand {
  readonly anchorBytes: number;
  readonly bytesPerLanguage: number;
  /** Phrase reuse per language (createLanguages order), calibrated by bench/content-calibration.ts. */
  readonly phraseReuse: readonly number[];
}

export interface JsonCorpusShape {
  /** By ascending anchor size. */
  readonly bands: readonly JsonBand[];
}

export const DEFAULT_JSON_SHAPE: JsonCorpusShape = {
  bands: [
    { anchorBytes: 2048, bytesPerLanguage: 16 << 10, phraseReuse: [0.85, 0.85, 0.85, 0.85, 0.85, 0.85] },
    { anchorBytes: 5120, bytesPerLanguage: 24 << 10, phraseReuse: [0.749, 0.689, 0.752, 0.629, 0.47, 0.795] },
    { anchorBytes: 12288, bytesPerLanguage: 40 << 10, phraseReuse: [0.649, 0.636, 0.639, 0.5, 0.334, 0.672] },
    { anchorBytes: 32768, bytesPerLanguage: 64 << 10, phraseReuse: [0.573, 0.5, 0.563, 0.334, 0.161, 0.533] },
  ],
};

const WALK: WalkShape = { minUnits: 16, maxUnits: 64, maxSkip: 24 };
const AUTHOR_LINES = 400;

export function createJsonContent(rng: Rng, languages: readonly PseudoLanguage[], keys: MessageKeys, shape: JsonCorpusShape = DEFAULT_JSON_SHAPE): JsonContent {
  const out = new TextCorpusWriter(shape.bands.reduce((sum, b) => sum + b.bytesPerLanguage * languages.length * 2, 0));
  const prose: Buffer[] = [];
  // Regions in band-major order: region = band * languages + language.
  for (const band of shape.bands) {
    for (let l = 0; l < languages.length; l++) {
      const phraseReuse = band.phraseReuse[l] ?? 0.5;
      const writer = new MessageWriter(rng, languages[l] as PseudoLanguage, { phraseReuse });
      let sample = '';
      while (out.regionBytes < band.bytesPerLanguage) {
        for (const key of keys.moduleKeys(rng, rng.int(5, 60))) {
          const value = writer.value();
          out.write(`\t"${key}": "${value}",\n`);
          if (prose.length < languages.length && sample.length < 8192) sample += `${value} `;
        }
      }
      out.endRegion();
      if (prose.length < languages.length) prose.push(Buffer.from(sample, 'utf8'));
    }
  }
  // Authors lines as the files list them: `\t\t\t"Name",\n`.
  const authorLines: Buffer[] = [];
  const names = inventWords(rng, LATIN_SYLLABLES, AUTHOR_LINES * 2, 2, 4);
  for (let i = 0; i < AUTHOR_LINES; i++) {
    const name = rng.next() < 0.5 ? `${capitalize(names[2 * i] as string)} ${capitalize(names[2 * i + 1] as string)}` : `${capitalize(names[2 * i] as string)}${rng.int(1, 999)}`;
    authorLines.push(Buffer.from(`\t\t\t"${name}",\n`, 'latin1'));
  }
  return new JsonContent(out.finish(), prose, authorLines, keys.idWords, shape.bands.map((b) => b.anchorBytes));
}

const OPEN = Buffer.from('{\n\t"@metadata": {\n\t\t"authors": [\n', 'latin1');
const CLOSE_AUTHORS = Buffer.from('\t\t]\n\t},\n', 'latin1');
const LAST_KEY_OPEN = Buffer.from('\t"', 'latin1');
const SMALL_OPEN = Buffer.from('{"', 'latin1');
const KEY_CLOSE = Buffer.from('": "', 'latin1');
const CLOSE = Buffer.from('"\n}\n', 'latin1');
const SMALL_CLOSE = Buffer.from('"}\n', 'latin1');

export class JsonContent {
  private readonly maxAuthorLine: number;
  private readonly ids: IdWords;

  constructor(
    private readonly corpus: RunCorpus,
    /** Plain message text per language, to size the last message. */
    private readonly prose: readonly Buffer[],
    private readonly authorLines: readonly Buffer[],
    idWords: readonly string[],
    private readonly anchors: readonly number[],
  ) {
    this.maxAuthorLine = Math.max(...authorLines.map((l) => l.length));
    this.ids = new IdWords(idWords, 0x2d);
  }

  fill(stream: FileStream, target: Buffer, bytes: number): void {
    const language = stream.below(this.prose.length);
    // The last message, `\t"<key>": "<text>"\n}\n`, has a key spelling the file id and a text sized to end
    // the file exactly.
    const keyBytes = this.ids.length(stream);
    const tail = LAST_KEY_OPEN.length + keyBytes + KEY_CLOSE.length + CLOSE.length;
    if (bytes < OPEN.length + CLOSE_AUTHORS.length + tail + this.maxAuthorLine) {
      // Too small for metadata: `{"<key>": "<text>"}\n`, or as much of it as fits.
      let pos = copySmall(SMALL_OPEN, target, 0, bytes);
      pos = this.ids.write(stream, target, pos, bytes);
      pos = copySmall(KEY_CLOSE, target, pos, bytes);
      const end = Math.max(pos, bytes - SMALL_CLOSE.length);
      this.text(language, stream, target, pos, end);
      copySmall(SMALL_CLOSE, target, end, bytes);
      return;
    }
    let pos = copySmall(OPEN, target, 0, bytes);
    // About one author per 2 KB: long-lived, much-edited files have more.
    const room = bytes - tail - CLOSE_AUTHORS.length - pos;
    const authors = Math.min(stream.between(1, Math.min(12, 1 + Math.floor(bytes / 2048))), Math.floor(room / this.maxAuthorLine));
    for (let i = 0; i < authors; i++) {
      const line = this.authorLines[stream.below(this.authorLines.length)] as Buffer;
      pos = copySmall(line, target, pos, bytes);
      // The last author has no trailing comma.
      if (i === authors - 1) target[pos - 2] = 0x0a;
      if (i === authors - 1) pos--;
    }
    pos = copySmall(CLOSE_AUTHORS, target, pos, bytes);
    // Regions are band-major, so band b + 1 of a language is `languages` regions after band b.
    const band = bandPosition(this.anchors, bytes);
    const low = Math.floor(band);
    const languages = this.prose.length;
    const high = Math.min(low + 1, this.anchors.length - 1);
    pos = walkRuns(this.corpus, low * languages + language, high * languages + language, band - low, WALK, stream, target, pos, bytes - tail, true);
    pos = copySmall(LAST_KEY_OPEN, target, pos, bytes);
    pos = this.ids.write(stream, target, pos, bytes);
    pos = copySmall(KEY_CLOSE, target, pos, bytes);
    this.text(language, stream, target, pos, bytes - CLOSE.length);
    copySmall(CLOSE, target, bytes - CLOSE.length, bytes);
  }

  /** Message text in target[start, end), from the language's prose, whole UTF-8 characters only. */
  private text(language: number, stream: FileStream, target: Buffer, start: number, end: number): void {
    const prose = this.prose[language] as Buffer;
    let pos = start;
    while (pos < end) {
      let from = stream.below(prose.length);
      while (from > 0 && ((prose[from] as number) & 0xc0) === 0x80) from--;
      const n = Math.min(end - pos, prose.length - from);
      prose.copy(target, pos, from, from + n);
      pos += n;
    }
    // A character cut at the end becomes spaces: still valid UTF-8, still plain text.
    let lead = end - 1;
    while (lead > start && ((target[lead] as number) & 0xc0) === 0x80) lead--;
    if (lead >= start) {
      const b = target[lead] as number;
      const length = b < 0x80 ? 1 : b < 0xe0 ? 2 : b < 0xf0 ? 3 : 4;
      if (lead + length > end) target.fill(0x20, lead, end);
    }
  }
}
