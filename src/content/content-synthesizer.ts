import { createHash } from 'node:crypto';
import { Rng } from '../core/rng.ts';
import type { ContentKind, ContentSynthesizer, FileEntry } from './file-entry.ts';
import { FileStream } from './kinds/file-stream.ts';
import { fillBinary } from './kinds/binary-blocks.ts';
import { createCdbContent, type CdbContent } from './kinds/cdb-content.ts';
import { CodeVocabulary, CodeWriter, DEFAULT_CODE_SHAPE } from './kinds/code-text.ts';
import { DataJsonWriter, DataVocabulary, dataSetOf } from './kinds/data-json-text.ts';
import { DocVocabulary, DocWriter } from './kinds/doc-text.ts';
import { spliceEdits, type EditProfile } from './kinds/file-edits.ts';
import { MessageKeys, createLanguages, type PseudoLanguage } from './kinds/i18n-messages.ts';
import { I18nJsonWriter, I18nVocabulary } from './kinds/i18n-json-text.ts';
import { fillImage } from './kinds/image-content.ts';
import { planPassages, type PassageShares } from './kinds/shared-passages.ts';
import { StyleVocabulary, StyleWriter } from './kinds/style-text.ts';
import { isUpstreamJson, l10nLanguageCode, upstreamOfCdb } from './l10n/l10n-cache-entries.ts';
import { writeCdb } from './l10n/cdb-format.ts';
import { serializeUpstream } from './l10n/upstream-json.ts';
import { UpstreamRecords } from './l10n/upstream-records.ts';
import { REAL_KEY_PREFIX, type RealContent } from './source/real-content.ts';

/**
 * Synthesises file bytes that look and compress like MediaWiki's at every window size (DOMAIN.md, "Real
 * MediaWiki trees, measured"; bench/content-calibration.ts compares against Debian's MediaWiki). Text kinds are
 * generated token by token, fresh in every file, from vocabularies shared by a component (code) or a
 * directory (i18n keys), so what repeats across files is only what repeats in real trees.
 *
 * A content key is `<component>/<path>@<revision>`, then one `=<bytes>+<revision>` per edit since: an edited
 * file is its parent's bytes with a few hunks spliced in (file-edits.ts), so rsync's delta transfer matches
 * most of it, as it does on a real backport or train. Output depends only on (seed, kind, contentKey, bytes).
 */

const KIND_INDEX: Record<ContentKind, number> = { php: 1, json: 2, cdb: 3, binary: 4, js: 5, css: 6, image: 7, data: 8, text: 9 };

interface KindContent {
  readonly edits: EditProfile;
  /** Passages shared with siblings and the component (shared-passages.ts), if the kind repeats them. */
  readonly passages?: PassageShares;
  file(entry: FileEntry, key: string, stream: FileStream, target: Buffer, bytes: number): void;
  /** Fresh material for an edit, exactly target[pos, end), valid where the parent's hunk was cut. */
  fragment(entry: FileEntry, key: string, stream: FileStream, target: Buffer, pos: number, end: number): void;
  /** Where hunks may go in a parent of this kind: [from, to). */
  editable(parent: Buffer): [number, number];
}

const TEXT_EDITS: EditProfile = { lineAligned: true, hunksMin: 1, hunksMax: 3, linesDeletedMax: 4, changedShare: 0, hunkBytes: 0 };
/** An l10n rebuild leaves about 80% of each CDB's bytes matchable (DOMAIN.md). */
const CDB_EDITS: EditProfile = { lineAligned: false, hunksMin: 1, hunksMax: 1, linesDeletedMax: 0, changedShare: 0.2, hunkBytes: 8192 };
const BINARY_EDITS: EditProfile = { lineAligned: false, hunksMin: 1, hunksMax: 1, linesDeletedMax: 0, changedShare: 0.1, hunkBytes: 4096 };

/** The component or directory a key's file belongs to: the key up to its last `/`. */
function keyDirectory(key: string): string {
  return key.slice(0, key.lastIndexOf('/'));
}

/** `de.json` of `i18n/foo/de.json@r0`. */
function keyFileName(key: string): string {
  const at = key.indexOf('@');
  return key.slice(key.lastIndexOf('/', at) + 1, at);
}

function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** Scripts by share of MediaWiki's languages: Latin (plain and accented) most, then Cyrillic, Indic, Han. */
const SCRIPT_BY_HASH = [0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 3, 3, 4, 4, 5];

class Kinds {
  readonly digest: Uint32Array;
  private readonly code = new Map<string, CodeVocabulary>();
  private readonly styles = new Map<string, StyleVocabulary>();
  private readonly codeWriter = new CodeWriter();
  private readonly jsonWriter = new I18nJsonWriter();
  private readonly styleWriter = new StyleWriter();
  private readonly dataWriter = new DataJsonWriter();
  private dataVocabulary: DataVocabulary | undefined;
  private readonly docWriter: DocWriter;
  private docVocabulary: DocVocabulary | undefined;
  private i18n: { languages: PseudoLanguage[]; keys: MessageKeys; vocab: I18nVocabulary } | undefined;
  private cdb: CdbContent | undefined;
  private upstream: UpstreamRecords | undefined;
  readonly byKind: Record<ContentKind, KindContent>;

  constructor(private readonly seed: number | string) {
    const d = createHash('sha256').update(`shipbench content ${String(seed)}`).digest();
    this.digest = new Uint32Array(8);
    for (let i = 0; i < 8; i++) this.digest[i] = d.readUInt32LE(i * 4);
    this.docWriter = new DocWriter(this.digest, KIND_INDEX.text);
    const codeKind = (kind: 'php' | 'js'): KindContent => ({
      edits: TEXT_EDITS,
      passages: kind === 'php' ? { directory: 0.05, component: 0.09 } : { directory: 0.17, component: 0.07 },
      file: (entry, _key, stream, target, bytes) => void this.codeWriter.file(kind, this.codeVocabulary(entry.component), stream, target, 0, bytes),
      fragment: (entry, _key, stream, target, pos, end) => void this.codeWriter.fragment(kind, this.codeVocabulary(entry.component), stream, target, pos, end),
      editable: (parent) => [Math.min(parent.length, kind === 'php' ? 400 : 64), parent.length],
    });
    this.byKind = {
      php: codeKind('php'),
      js: codeKind('js'),
      json: {
        edits: TEXT_EDITS,
        file: (_entry, key, stream, target, bytes) => {
          const { dirHash, language, translated } = this.i18nFile(key);
          this.jsonWriter.file(this.messages().vocab, dirHash, language, translated, stream, target, bytes);
        },
        fragment: (_entry, key, stream, target, pos, end) => {
          const { dirHash, language } = this.i18nFile(key);
          this.jsonWriter.fragment(this.messages().vocab, dirHash, language, stream, target, pos, end);
        },
        // Between the end of @metadata and the last message line, so the file stays valid JSON.
        editable: (parent) => {
          const from = parent.indexOf('\t},\n');
          const to = parent.lastIndexOf('\n\t"');
          return from < 0 || to < 0 || to <= from + 4 ? [0, 0] : [from + 4, to + 1];
        },
      },
      css: {
        edits: TEXT_EDITS,
        passages: { directory: 0.25, component: 0.14 },
        file: (entry, _key, stream, target, bytes) => this.styleWriter.file(entry.path.endsWith('.svg'), this.styleVocabulary(entry.component), stream, target, 0, bytes),
        fragment: (entry, _key, stream, target, pos, end) => this.styleWriter.fragment(entry.path.endsWith('.svg'), this.styleVocabulary(entry.component), stream, target, pos, end),
        editable: (parent) => [Math.min(parent.length, 160), parent.length],
      },
      data: {
        edits: TEXT_EDITS,
        file: (_entry, key, stream, target, bytes) => this.dataWriter.file(this.dataVocab(), hash32(dataSetOf(key.slice(0, key.indexOf('@')))), stream, target, bytes),
        fragment: (_entry, key, stream, target, pos, end) => this.dataWriter.fragment(this.dataVocab(), hash32(dataSetOf(key.slice(0, key.indexOf('@')))), stream, target, pos, end),
        editable: (parent) => [Math.min(parent.length, 64), parent.length],
      },
      text: {
        edits: TEXT_EDITS,
        file: (entry, _key, stream, target, bytes) => this.docWriter.file(entry.path, this.docVocab(), stream, target, bytes),
        fragment: (entry, _key, stream, target, pos, end) => this.docWriter.fragment(entry.path, this.docVocab(), stream, target, pos, end),
        editable: (parent) => [Math.min(parent.length, 64), parent.length],
      },
      image: {
        edits: BINARY_EDITS,
        file: (_entry, _key, stream, target, bytes) => fillImage(stream, target, 0, bytes),
        fragment: (_entry, _key, stream, target, pos, end) => fillImage(stream, target, pos, end),
        editable: (parent) => [Math.min(parent.length, 64), parent.length],
      },
      binary: {
        edits: BINARY_EDITS,
        file: (_entry, _key, stream, target, bytes) => fillBinary(stream, target, 0, bytes),
        fragment: (_entry, _key, stream, target, pos, end) => fillBinary(stream, target, pos, end),
        editable: (parent) => [Math.min(parent.length, 64), parent.length],
      },
      cdb: {
        edits: CDB_EDITS,
        file: (_entry, _key, stream, target, bytes) => this.cdbContent().fill(stream, target, bytes),
        fragment: (_entry, _key, stream, target, pos, end) => this.cdbContent().fill(stream, target.subarray(pos, end), end - pos),
        editable: (parent) => [Math.min(parent.length, 2048), parent.length],
      },
    };
  }

  private codeVocabulary(component: string): CodeVocabulary {
    let v = this.code.get(component);
    if (v === undefined) this.code.set(component, (v = new CodeVocabulary(this.seed, component, DEFAULT_CODE_SHAPE)));
    return v;
  }

  private dataVocab(): DataVocabulary {
    return (this.dataVocabulary ??= new DataVocabulary(this.seed));
  }

  private docVocab(): DocVocabulary {
    return (this.docVocabulary ??= new DocVocabulary(this.seed));
  }

  private styleVocabulary(component: string): StyleVocabulary {
    let v = this.styles.get(component);
    if (v === undefined) this.styles.set(component, (v = new StyleVocabulary(this.seed, component)));
    return v;
  }

  /** Languages and message keys shared by JSON and CDB: the cache is built from the same messages. */
  private messages(): { languages: PseudoLanguage[]; keys: MessageKeys; vocab: I18nVocabulary } {
    if (this.i18n === undefined) {
      const rng = Rng.derive(this.seed, 'content', 'i18n');
      const languages = createLanguages(rng);
      this.i18n = { languages, keys: new MessageKeys(rng), vocab: new I18nVocabulary(this.seed, languages) };
    }
    return this.i18n;
  }

  private cdbContent(): CdbContent {
    const { languages, keys } = this.messages();
    return (this.cdb ??= createCdbContent(Rng.derive(this.seed, 'content', 'cdb'), languages, keys));
  }

  /**
   * The upstream JSON of an l10n cache file (its records from its key and size, in its language's script), or
   * the CDB built from it: an l10n CDB is a function of its JSON, as scap rebuilds it on every node.
   */
  l10nFile(entry: FileEntry, target: Buffer): boolean {
    const source = isUpstreamJson(entry) ? { contentKey: entry.contentKey, bytes: entry.bytes } : upstreamOfCdb(entry);
    if (source === undefined) return false;
    const { languages, keys } = this.messages();
    this.upstream ??= new UpstreamRecords(this.seed, languages, keys);
    const code = l10nLanguageCode(entry.path);
    const language = code === 'en' ? 0 : (SCRIPT_BY_HASH[hash32(code) % SCRIPT_BY_HASH.length] as number);
    const records = this.upstream.records(source.contentKey, source.bytes, language);
    // The records as a node parses them from the JSON (test/content/l10n-cache.test.ts checks the two agree).
    const bytes = entry.kind === 'cdb' ? writeCdb(records) : serializeUpstream(records, source.bytes);
    if (bytes.length !== entry.bytes) throw new Error(`${entry.path}: built ${bytes.length} bytes, ${entry.bytes} were planned`);
    bytes.copy(target, 0, 0, entry.bytes);
    return true;
  }

  /** An i18n file's directory (its keys), script and share of keys translated, from its name. */
  private i18nFile(key: string): { dirHash: number; language: number; translated: number } {
    const name = keyFileName(key);
    const code = name.slice(0, name.indexOf('.') < 0 ? name.length : name.indexOf('.'));
    const h = hash32(code);
    const full = code === 'en' || code === 'qqq';
    return { dirHash: hash32(keyDirectory(key.slice(0, key.indexOf('@')))), language: full ? 0 : (SCRIPT_BY_HASH[h % SCRIPT_BY_HASH.length] as number), translated: full ? 1 : 0.25 + ((h >>> 8) % 1000) / 1333 };
  }
}

/** Passages kept per synthesizer: a cache only (a passage's bytes depend on its key alone). */
const PASSAGE_CACHE = 4096;

// Layer writers may create a synthesizer per layer: the last seed's vocabularies are kept rather than rebuilt.
let cached: { seed: number | string; kinds: Kinds } | undefined;

function kindsFor(seed: number | string): Kinds {
  if (cached === undefined || cached.seed !== seed) cached = { seed, kinds: new Kinds(seed) };
  return cached.kinds;
}

/** `real`: the bytes of a content source's files, which its keys' edits start from (content.source). */
export function createContentSynthesizer(seed: number | string, real?: RealContent): ContentSynthesizer {
  const kinds = kindsFor(seed);
  const stream = new FileStream();
  const passageStream = new FileStream();
  const passages = new Map<string, Buffer>();

  /**
   * Overwrites a fresh file's passages. A passage is written whole from its own stream (so the same bytes in
   * every file holding it, a cut one its start) and kept: boilerplate recurs in thousands of files.
   */
  function writePassages(entry: FileEntry, content: KindContent, key: string, target: Buffer, bytes: number): void {
    if (content.passages === undefined) return;
    const [from] = content.editable(target.subarray(0, bytes));
    const path = key.slice(0, key.indexOf('@'));
    const svg = entry.path.endsWith('.svg') ? 's' : '';
    for (const p of planPassages(content.passages, keyDirectory(path), entry.component, target, from, bytes, stream)) {
      const cacheKey = `${entry.kind}${svg}|${p.key}`;
      let passage = passages.get(cacheKey);
      if (passage === undefined) {
        passage = Buffer.allocUnsafe(p.full);
        passageStream.reset(kinds.digest, KIND_INDEX[entry.kind], p.key, p.full);
        content.fragment(entry, p.key, passageStream, passage, 0, p.full);
        if (passages.size >= PASSAGE_CACHE) passages.clear();
        passages.set(cacheKey, passage);
      }
      passage.copy(target, p.pos, 0, p.bytes);
    }
  }

  function fillKey(entry: FileEntry, key: string, bytes: number, target: Buffer): void {
    if (bytes === 0) return;
    const content = kinds.byKind[entry.kind];
    const plus = key.lastIndexOf('+');
    if (plus < 0) {
      if (real?.fill(key, bytes, target) === true) return;
      stream.reset(kinds.digest, KIND_INDEX[entry.kind], key, bytes);
      content.file(entry, key, stream, target, bytes);
      writePassages(entry, content, key, target, bytes);
      return;
    }
    // `<parent key>=<parent bytes>+<revision>`: the parent first, then this revision's hunks.
    const eq = key.lastIndexOf('=', plus);
    const parentBytes = Number(key.slice(eq + 1, plus));
    if (eq < 0 || !Number.isSafeInteger(parentBytes) || parentBytes < 0) throw new RangeError(`malformed content key ${key}`);
    const parent = Buffer.allocUnsafe(parentBytes);
    fillKey(entry, key.slice(0, eq), parentBytes, parent);
    stream.reset(kinds.digest, KIND_INDEX[entry.kind], key, bytes);
    spliceEdits(parent, target, bytes, content.edits, content.editable(parent), stream, (pos, end) => content.fragment(entry, key, stream, target, pos, end), () => content.file(entry, key, stream, target, bytes));
  }

  return {
    fill(entry: FileEntry, target: Buffer): void {
      const bytes = entry.bytes;
      if (!Number.isSafeInteger(bytes) || bytes < 0) throw new RangeError(`invalid size ${bytes} for ${entry.path}`);
      if (target.length < bytes) throw new RangeError(`target holds ${target.length} bytes, ${entry.path} needs ${bytes}`);
      if (entry.contentKey.startsWith(REAL_KEY_PREFIX) || !kinds.l10nFile(entry, target)) fillKey(entry, entry.contentKey, bytes, target);
    },
  };
}
