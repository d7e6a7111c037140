import { createHash } from 'node:crypto';
import { Rng } from '../core/rng.ts';
import type { ContentKind, ContentSynthesizer, FileEntry } from './file-entry.ts';
import { FileStream } from './kinds/file-stream.ts';
import { createBinaryContent, type BinaryContent } from './kinds/binary-content.ts';
import { createCdbContent, type CdbContent } from './kinds/cdb-content.ts';
import { MessageKeys, createLanguages, type PseudoLanguage } from './kinds/i18n-messages.ts';
import { createJsonContent, type JsonContent } from './kinds/json-content.ts';
import { createPhpContent, type PhpContent } from './kinds/php-content.ts';

/**
 * Synthesises file bytes that look and compress like MediaWiki's (DOMAIN.md, "Real figures"): per file at
 * gzip -1, PHP and i18n JSON about 3-3.5x (files under 4 KB less, as gzip starts each file cold), l10n CDB
 * 2-2.8x, binaries 1.4-2x; small PHP files back to back 4-5x, helped by the licence header they all share.
 * Output depends only on (seed, kind, contentKey, bytes), and equal inputs give equal bytes on any machine.
 *
 * Each kind builds 0.1-1 MiB of realistic material on first use (about 4 MiB of memory for all kinds); a file
 * is the kind's header, a few bytes spelling the file's id, and runs copied from the material at offsets drawn
 * from the file's own stream, so synthesis costs little more than a memcpy.
 */

const KIND_INDEX: Record<ContentKind, number> = { php: 1, json: 2, cdb: 3, binary: 4 };

interface KindContent {
  fill(stream: FileStream, target: Buffer, bytes: number): void;
}

/** Each kind's material, built on first use: a tree of PHP files alone never pays for the CDB corpus. */
class Corpora {
  readonly digest: Uint32Array;
  private php: PhpContent | undefined;
  private json: JsonContent | undefined;
  private cdb: CdbContent | undefined;
  private binary: BinaryContent | undefined;
  private i18n: { languages: PseudoLanguage[]; keys: MessageKeys } | undefined;

  constructor(private readonly seed: number | string) {
    const d = createHash('sha256').update(`shipbench content ${String(seed)}`).digest();
    this.digest = new Uint32Array(8);
    for (let i = 0; i < 8; i++) this.digest[i] = d.readUInt32LE(i * 4);
  }

  forKind(kind: ContentKind): KindContent {
    const seed = this.seed;
    switch (kind) {
      case 'php':
        return (this.php ??= createPhpContent(Rng.derive(seed, 'content', 'php')));
      case 'json': {
        const { languages, keys } = this.messages();
        return (this.json ??= createJsonContent(Rng.derive(seed, 'content', 'json'), languages, keys));
      }
      case 'cdb': {
        const { languages, keys } = this.messages();
        return (this.cdb ??= createCdbContent(Rng.derive(seed, 'content', 'cdb'), languages, keys));
      }
      case 'binary':
        return (this.binary ??= createBinaryContent(Rng.derive(seed, 'content', 'binary')));
    }
  }

  /** Languages and message keys shared by JSON and CDB: the cache is built from the same messages. */
  private messages(): { languages: PseudoLanguage[]; keys: MessageKeys } {
    if (this.i18n === undefined) {
      const rng = Rng.derive(this.seed, 'content', 'i18n');
      this.i18n = { languages: createLanguages(rng), keys: new MessageKeys(rng) };
    }
    return this.i18n;
  }
}

// Layer writers may create a synthesizer per layer: the last seed's corpora are kept rather than rebuilt.
let cached: { seed: number | string; corpora: Corpora } | undefined;

function corporaFor(seed: number | string): Corpora {
  if (cached === undefined || cached.seed !== seed) cached = { seed, corpora: new Corpora(seed) };
  return cached.corpora;
}

export function createContentSynthesizer(seed: number | string): ContentSynthesizer {
  const corpora = corporaFor(seed);
  const stream = new FileStream();
  return {
    fill(entry: FileEntry, target: Buffer): void {
      const bytes = entry.bytes;
      if (!Number.isSafeInteger(bytes) || bytes < 0) throw new RangeError(`invalid size ${bytes} for ${entry.path}`);
      if (target.length < bytes) throw new RangeError(`target holds ${target.length} bytes, ${entry.path} needs ${bytes}`);
      if (bytes === 0) return;
      stream.reset(corpora.digest, KIND_INDEX[entry.kind], entry.contentKey, bytes);
      corpora.forKind(entry.kind).fill(stream, target, bytes);
    },
  };
}
