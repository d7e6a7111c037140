import { createHash, type Hash } from 'node:crypto';
import type { FileEntry } from '../content/file-entry.ts';
import { CONTENT_KINDS, type ContentKind } from '../scenario/content-kind.ts';
import type { LayerSpec } from './layer-spec.ts';

/**
 * Layer keys (sha256 over a header, one line per file, then the whiteouts; image-set-plan.ts layerKey is one
 * from scratch) that resume from the last layer of the same role: a deploy step's layer usually repeats the previous
 * step's files up to its first change (a backport edits 2 files of a 100,000-file branch), and the same
 * entry object is the same file, so the hash state after those files is the one kept then. States are kept
 * at every flush of the input string; the key is the digest of the same bytes, so it is the same value.
 */

/** `\0kind\0` per kind: a line's constant parts joined once, not per file (a join's cost goes by its parts). */
const KIND_FIELDS = Object.fromEntries(CONTENT_KINDS.map((k) => [k, `\0${k}\0`])) as Record<ContentKind, string>;

/** `\0mode\0` per mode, for the same reason: files have a handful of modes. */
const modeFields = new Map<number, string>();
function modeField(mode: number): string {
  let field = modeFields.get(mode);
  if (field === undefined) modeFields.set(mode, (field = `\0${mode}\0`));
  return field;
}

/**
 * A layer key's file input, gathered as the parts of one join per update: a line per file, `path\0mode\0bytes\0
 * kind\0contentKey\n`. Made by a template, each line was a tree of nine concatenations and the chunk one more,
 * about 370 bytes of short-lived strings per file (200 MB over wikimedia-fleet's plan), all copied again to
 * flatten the chunk; the parts array is kept between updates so it does not regrow for every chunk.
 */
class KeyInputChunk {
  private readonly parts: Array<string | number> = [];
  private count = 0;
  /** About how many characters the gathered lines hold (mode, bytes and kind at their usual lengths). */
  chars = 0;

  add(f: FileEntry): void {
    const { parts } = this;
    let n = this.count;
    parts[n++] = f.path;
    parts[n++] = modeField(f.mode);
    parts[n++] = f.bytes;
    parts[n++] = KIND_FIELDS[f.kind];
    parts[n++] = f.contentKey;
    parts[n++] = '\n';
    this.count = n;
    this.chars += f.path.length + f.contentKey.length + 16;
  }

  /** The gathered lines as one string; the chunk is empty after. */
  take(): string {
    this.parts.length = this.count;
    const text = this.parts.join('');
    this.count = 0;
    this.chars = 0;
    return text;
  }
}

/** A layer key's input after its files: the whiteouts, one line each. */
function hashWhiteouts(hash: Hash, whiteouts: readonly string[]): void {
  hash.update('\0whiteouts\0');
  for (const w of whiteouts) hash.update(`${w}\n`);
}

interface Checkpoint {
  /** Files hashed so far (the header included in the state). */
  readonly index: number;
  readonly hash: Hash;
}

export class ResumableLayerKeys {
  /** Per role, the last layer hashed: its files and its states at file boundaries, in order. */
  private readonly lastByRole = new Map<string, { readonly files: readonly FileEntry[]; readonly checkpoints: readonly Checkpoint[] }>();

  /**
   * `header`: what every key hashes first (format version, seed, compression); `chunkChars`: about how much
   * file input is gathered into one string per update (image-set-plan.ts HASH_CHUNK_CHARS).
   */
  constructor(
    private readonly header: string,
    private readonly chunkChars: number,
  ) {}

  key(spec: LayerSpec): string {
    const { files } = spec;
    const start = this.resumeFrom(spec);
    const hash = start?.hash.copy() ?? createHash('sha256').update(this.header);
    const checkpoints: Checkpoint[] = [];
    const chunk = new KeyInputChunk();
    for (let i = start?.index ?? 0; i < files.length; i++) {
      chunk.add(files[i] as FileEntry);
      if (chunk.chars >= this.chunkChars) {
        hash.update(chunk.take());
        checkpoints.push({ index: i + 1, hash: hash.copy() });
      }
    }
    hash.update(chunk.take());
    // The states before the resumed one stay valid: the files before them are the same entries.
    const kept = start === undefined ? [] : this.lastByRole.get(spec.role)!.checkpoints.filter((c) => c.index <= start.index);
    this.lastByRole.set(spec.role, { files, checkpoints: [...kept, ...checkpoints] });
    hashWhiteouts(hash, spec.whiteouts);
    return hash.digest('hex');
  }

  /** The last kept state at or before the first file that differs from the role's previous layer. */
  private resumeFrom(spec: LayerSpec): Checkpoint | undefined {
    const last = this.lastByRole.get(spec.role);
    if (last === undefined) return undefined;
    const n = Math.min(last.files.length, spec.files.length);
    let same = 0;
    while (same < n && last.files[same] === spec.files[same]) same++;
    let found: Checkpoint | undefined;
    for (const c of last.checkpoints) {
      if (c.index > same) break;
      found = c;
    }
    return found;
  }
}
