import { type Pack, pack as tarPack, type Header } from 'tar-stream';
import type { ContentSynthesizer, FileEntry } from '../content/file-entry.ts';
import { MAX_SYNTHESISED_FILE_BYTES, synthesisBuffer } from '../content/synthesis-buffer.ts';
import type { LayerSpec } from './layer-spec.ts';

/** Every entry's mtime: fixed, so equal specs give byte-identical tars (and equal digests) on any run. */
export const LAYER_MTIME = new Date(Date.UTC(2000, 0, 1));

const DIR_MODE = 0o755;
const WHITEOUT_MODE = 0o644;
const WHITEOUT_PREFIX = '.wh.';
/** Small files are synthesised side by side in one reused arena; bigger ones get a (reused) buffer of their own. */
const ARENA_BYTES = 4 * 2 ** 20;
/** Big files are fed to the tar in slices this size, so the sink's backpressure is checked in between. */
const SLICE_BYTES = 2 ** 20;
/** Entries queued in tar-stream before we wait for them, so a layer of 100k whiteouts stays small too. */
const MAX_QUEUED_ENTRIES = 1024;
const EMPTY = Buffer.alloc(0);

/** Where the tar bytes go. */
export interface TarSink {
  /**
   * Takes the next tar bytes. The chunk may be a view of a scratch buffer that is overwritten afterwards:
   * copy what you keep. The tar writer awaits `ready()` at least every 4 MiB of content or 1024 entries.
   */
  write(chunk: Buffer): boolean;
  ready(): Promise<void>;
}

export interface LayerTarStats {
  /** Regular files and symlinks (whiteouts not counted). */
  readonly files: number;
  readonly fileBytes: number;
  readonly whiteouts: number;
  readonly directories: number;
  /** Length of the tar, end-of-archive blocks included. */
  readonly tarBytes: number;
}

type Headers = Partial<Header> & Pick<Header, 'name'>;

export type TarItem =
  | { readonly name: string; readonly type: 'directory' }
  | { readonly name: string; readonly type: 'whiteout' }
  | { readonly name: string; readonly type: 'file'; readonly entry: FileEntry };

/** `a/b/c` -> `a/b/.wh.c`: the OCI whiteout that deletes `a/b/c` (a file or a whole directory) from lower layers. */
export function whiteoutPath(path: string): string {
  const slash = path.lastIndexOf('/');
  return `${path.slice(0, slash + 1)}${WHITEOUT_PREFIX}${path.slice(slash + 1)}`;
}

function checkPath(path: string, role: string): void {
  if (path === '' || path.startsWith('/') || path.endsWith('/') || path.split('/').some((p) => p === '' || p === '.' || p === '..')) {
    throw new Error(`layer ${role}: invalid path ${JSON.stringify(path)}`);
  }
}

/**
 * The tar's entries in order: every parent directory once, then everything sorted by name (a parent sorts
 * before its children since it is a prefix of theirs).
 */
export function layerTarItems(spec: LayerSpec): TarItem[] {
  const items: TarItem[] = [];
  const dirs = new Set<string>();
  const addParents = (path: string) => {
    for (let slash = path.indexOf('/'); slash !== -1; slash = path.indexOf('/', slash + 1)) {
      const dir = path.slice(0, slash);
      if (!dirs.has(dir)) {
        dirs.add(dir);
        items.push({ name: dir, type: 'directory' });
      }
    }
  };
  const names = new Set<string>();
  const addOnce = (item: TarItem) => {
    if (names.has(item.name)) throw new Error(`layer ${spec.role}: ${item.name} appears twice`);
    names.add(item.name);
    items.push(item);
  };
  for (const entry of spec.files) {
    checkPath(entry.path, spec.role);
    addParents(entry.path);
    addOnce({ name: entry.path, type: 'file', entry });
  }
  for (const path of spec.whiteouts) {
    checkPath(path, spec.role);
    const name = whiteoutPath(path);
    addParents(name);
    addOnce({ name, type: 'whiteout' });
  }
  for (const dir of dirs) {
    if (names.has(dir)) throw new Error(`layer ${spec.role}: ${dir} is both a file and a directory`);
  }
  return items.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

// Literal objects rather than spreads of a shared base: this runs once per entry, 30k+ times per layer.
function header(item: TarItem): Headers {
  switch (item.type) {
    case 'directory':
      // tar-stream does not add the conventional trailing slash itself.
      return { name: `${item.name}/`, type: 'directory', mode: DIR_MODE, size: 0, mtime: LAYER_MTIME, uid: 0, gid: 0, uname: '', gname: '' };
    case 'whiteout':
      return { name: item.name, type: 'file', mode: WHITEOUT_MODE, size: 0, mtime: LAYER_MTIME, uid: 0, gid: 0, uname: '', gname: '' };
    case 'file':
      if (item.entry.linkTarget !== undefined) return { name: item.name, type: 'symlink', linkname: item.entry.linkTarget, mode: 0o777, size: 0, mtime: LAYER_MTIME, uid: 0, gid: 0, uname: '', gname: '' };
      return { name: item.name, type: 'file', mode: item.entry.mode & 0o7777, size: item.entry.bytes, mtime: LAYER_MTIME, uid: 0, gid: 0, uname: '', gname: '' };
  }
}

/**
 * Streams a layer spec as a deterministic tar (ustar; tar-stream switches to PAX for paths ustar cannot
 * hold) into `sink`, synthesising file content on the way. Memory: the 4 MiB arena, plus one buffer the
 * size of the largest file above that, plus what the sink holds.
 */
export async function writeLayerTar(spec: LayerSpec, synth: ContentSynthesizer, sink: TarSink, maxFileBytes = MAX_SYNTHESISED_FILE_BYTES): Promise<LayerTarStats> {
  const items = layerTarItems(spec);
  const packed = new CountedPack(sink);
  const arena = Buffer.allocUnsafe(ARENA_BYTES);
  let big: Buffer = Buffer.alloc(0);
  let arenaUsed = 0;
  let queued = 0;
  let files = 0;
  let fileBytes = 0;
  let whiteouts = 0;
  let directories = 0;

  const add = (headers: Headers, content: Buffer | undefined) => packed.add(headers, content);
  // Waits for every queued entry to reach the sink, then for the sink to have room.
  const settle = async () => {
    await packed.allCompleted();
    if (packed.failure !== undefined) throw packed.failure;
    queued = 0;
    arenaUsed = 0;
    await sink.ready();
  };
  const addSliced = async (headers: Headers, content: Buffer) => {
    await settle(); // backpressure before a big entry, which goes out in slices
    const entry = packed.entry(headers);
    const finished = packed.allCompleted();
    for (let offset = 0; offset < content.length && packed.failure === undefined; offset += SLICE_BYTES) {
      if (!entry.write(content.subarray(offset, offset + SLICE_BYTES))) {
        await Promise.race([new Promise<void>((resolve) => entry.once('drain', () => resolve())), finished]);
      }
      await sink.ready();
    }
    entry.end(null);
    await settle();
  };

  try {
    for (const item of items) {
      if (item.type !== 'file') {
        if (item.type === 'directory') directories++;
        else whiteouts++;
        add(header(item), item.type === 'whiteout' ? EMPTY : undefined);
      } else {
        const { entry } = item;
        files++;
        fileBytes += entry.bytes;
        if (entry.linkTarget !== undefined) add(header(item), undefined); // a symlink: no content to synthesise
        else if (entry.bytes <= ARENA_BYTES) {
          if (arenaUsed + entry.bytes > ARENA_BYTES) await settle();
          const view = arena.subarray(arenaUsed, arenaUsed + entry.bytes);
          synth.fill(entry, view);
          arenaUsed += entry.bytes;
          add(header(item), view);
        } else {
          // `big` is free: the previous big entry settled before addSliced returned.
          big = synthesisBuffer(entry, big, maxFileBytes);
          const content = big.subarray(0, entry.bytes);
          synth.fill(entry, content);
          await addSliced(header(item), content);
        }
      }
      if (++queued >= MAX_QUEUED_ENTRIES) await settle();
    }
    await settle();
  } catch (err) {
    // Destroyed without the error: the pack has no 'error' listener, so one would crash the process; the
    // caller gets it from the throw.
    packed.pack.destroy();
    throw err;
  }
  const beforeEnd = packed.tarBytes;
  packed.pack.finalize();
  // Guards the `mapReadable` contract (CountedPack): the end-of-archive blocks must have reached the sink by now.
  if (packed.tarBytes !== beforeEnd + 1024) throw new Error('tar-stream did not hand its output to the sink synchronously');
  if (packed.failure !== undefined) throw packed.failure;
  return { files, fileBytes, whiteouts, directories, tarBytes: packed.tarBytes };
}

/**
 * tar-stream's pack writing straight into the sink, with its entries counted. Entries complete in order:
 * counting completions tells when all queued ones reached the sink, without a promise per entry. Errors are
 * kept (`failure`) for the writer to throw, never left to escape inside tar-stream.
 */
class CountedPack {
  readonly pack: Pack;
  tarBytes = 0;
  failure: Error | undefined;
  private added = 0;
  private completed = 0;
  private allDone: (() => void) | undefined;

  constructor(sink: TarSink) {
    // streamx's `mapReadable` runs inside push(): the sink consumes each chunk before tar-stream returns, so
    // nothing queues in the pack and the arena can be reused as soon as an entry's callback has fired.
    this.pack = tarPack({
      mapReadable: (chunk) => {
        this.tarBytes += (chunk as Buffer).length;
        try {
          sink.write(chunk as Buffer);
        } catch (err) {
          // Thrown here it would escape inside streamx; the writer reports it instead.
          this.failure ??= err as Error;
        }
        return null;
      },
    });
  }

  private readonly done = (err?: Error | null) => {
    if (err) this.failure ??= err;
    if (++this.completed === this.added && this.allDone !== undefined) {
      const resolve = this.allDone;
      this.allDone = undefined;
      resolve();
    }
  };

  add(headers: Headers, content: Buffer | undefined): void {
    this.added++;
    if (content === undefined) this.pack.entry(headers, this.done);
    else this.pack.entry(headers, content, this.done);
  }

  /** An entry whose content the caller writes (in slices) and ends. */
  entry(headers: Headers): ReturnType<Pack['entry']> {
    this.added++;
    return this.pack.entry(headers, this.done);
  }

  allCompleted(): Promise<void> {
    return this.completed === this.added ? Promise.resolve() : new Promise<void>((resolve) => (this.allDone = resolve));
  }
}
