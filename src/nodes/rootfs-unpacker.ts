/* eslint-disable max-lines -- one tar-to-rootfs applier: whiteouts, hard links, modes and locked directories share the per-layer state of a single pass */
import { close, constants, fchmodSync, fchownSync, futimesSync, lchownSync, link as linkCb, lstatSync, lutimesSync, open, write } from 'node:fs';
import { chmod, lstat, mkdir, readdir, realpath, rm, symlink, unlink } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import type { Readable, TransformOptions } from 'node:stream';
import { createGunzip, type ZlibOptions } from 'node:zlib';
import { extract as tarExtract, type ExtractEvents, type Header } from 'tar-stream';
import { ShipbenchError } from '../core/errors.ts';
import { watchDiffId } from './diff-id-check.ts';
import {
  baseOf,
  cleanEntryPath,
  cleanLinkTarget,
  joinPath,
  NotADirectoryError,
  parentOf,
  RootfsResolver,
  UnsafePathError,
} from './path-safety.ts';

/**
 * Applies one image layer (a tar changeset, image-spec layer.md) to a rootfs directory the way a container
 * runtime's naive snapshotter does: entries replace what lower layers left at their path (directories merge),
 * `.wh.NAME` deletes NAME from lower layers, `.wh..wh..opq` empties a directory of its lower-layer children,
 * and nothing is ever written outside the rootfs (see path-safety.ts).
 *
 * Speed: the tar is parsed in order on the main thread, which never waits on a system call in the common
 * case: directories, symlinks and small files (copied into reused slabs) are created in the background on
 * libuv's pool, each after its parent directory's own creation, at most MAX_IN_FLIGHT at once; big files
 * stream through two reused staging buffers. Order stays that of the tar because everything else waits for
 * the background work first: an entry on a path this layer already touched (the same path, or a parent of
 * one), a hard link, a whiteout, and a walk of the rootfs on a resolver cache miss.
 */

export type LayerCompression = 'gzip' | 'none' | 'auto';

/** How an untar treats a directory entry besides creating it: as containerd's applier, as moby's, or not at all. */
export type DirAttributes = 'containerd' | 'moby' | 'none';

export interface UnpackOptions {
  /** `auto` (default) looks at the magic bytes: gzip or a plain tar. */
  compression?: LayerCompression;
  /** How errors name the layer, e.g. its digest. */
  layer?: string;
  /**
   * Set every file's owner and mode even when creating it already gave it those, as the runtimes'
   * createTarFile does (lchown and chmod for every entry): the same result, at the runtimes' syscall cost.
   */
  ownerAndModeAlways?: boolean;
  /** The layer's diff_id: the uncompressed tar is hashed as it is applied and must match (diff-id-check.ts). */
  diffId?: string;
  /**
   * Resolve every entry's parent path one component at a time and stat its target before creating it, as
   * containerd's applier does (archive/tar.go applyNaive: fs.RootPath lstats each component, then an
   * Lstat of the path and of its parent): the same checks, at containerd's syscall cost.
   */
  statEachEntry?: boolean;
  /**
   * Set each file's mode twice, the second time after an lstat, as containerd does: chmod right after the
   * open (archive/tar_unix.go openFile, "to avoid permission mask") and lchmod after lchown
   * (archive/tar_mostunix.go: Lstat, then Chmod unless a symlink). Same result, containerd's syscalls.
   */
  modeTwice?: boolean;
  /**
   * Give each directory entry its owner, its mode (twice, after an lstat) and, once the layer is applied,
   * its mtime after looking its path up again from the root, as containerd does: archive/tar.go
   * createTarFile for TypeDir (Lstat, mkdir + chmod, Lchown, lchmod) and applyNaive's closing loop over
   * directories (fs.RootPath, chtimes). Without it directories keep the owner and mtime they were created with.
   */
  dirAttributes?: DirAttributes;
  /**
   * Lstat each entry's parent (not for a directory entry) and its path before creating it, as moby does
   * (pkg/archive/diff.go UnpackLayer: the parent's Lstat to make it if missing, the path's to replace what
   * is there). What they find is not used: the resolver knows it.
   */
  statParentAndTarget?: boolean;
}

export interface UnpackStats {
  /** Tar entries applied or skipped (PAX and GNU long-name headers are part of the entry they describe). */
  entries: number;
  files: number;
  dirs: number;
  symlinks: number;
  hardlinks: number;
  /** `.wh.NAME` entries (opaque markers are counted in `opaqueDirs` instead). */
  whiteouts: number;
  opaqueDirs: number;
  /** Device nodes, fifos and unknown entry types: not created, as a rootless runtime cannot. */
  skipped: number;
  /** Regular-file content written (hard links add nothing). */
  bytesWritten: number;
  seconds: number;
}

const WHITEOUT_PREFIX = '.wh.';
const OPAQUE_MARKER = '.wh..wh..opq';
/** Files up to this size are buffered and written in the background; bigger ones stream through in order. */
const SMALL_FILE_BYTES = 128 * 1024;
/** Background operations (mkdir, small-file write, symlink) in flight; at most 8 MiB of slabs. */
const MAX_IN_FLIGHT = 64;
const EMPTY = Buffer.alloc(0);
/** Bigger reads from zlib mean fewer chunks through the tar parser. */
const GUNZIP_CHUNK_BYTES = 128 * 1024;
/** zlib inflates ahead (on libuv's pool) while the main thread waits on a big file's writes. */
const GUNZIP_AHEAD_BYTES = 4 * 2 ** 20;
/** Big files are written in pieces this size, one being written while the next fills. */
const STAGING_BYTES = 2 ** 20;
const GZIP_MAGIC = [0x1f, 0x8b];
const ZSTD_MAGIC = [0x28, 0xb5, 0x2f, 0xfd];
/** O_EXCL never follows a symlink at the last component; O_NOFOLLOW says so twice. */
const CREATE_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;
const OWNER_RWX = 0o700;
/** Only root can give a file away, as a rootful runtime does; rootless runtimes skip chown too. */
const IS_ROOT = process.getuid?.() === 0;
const OWN_UID = process.geteuid?.() ?? 0;
const OWN_GID = process.getegid?.() ?? 0;

/**
 * Unpacks one layer blob from `input` into `rootfs` (created if missing), on top of whatever lower layers
 * left there. Resolves once every file is written (not fsynced); on failure `input` is destroyed, writes in
 * flight are awaited, and the rootfs is left part-way (a runtime would discard the snapshot).
 */
export async function unpackLayer(input: Readable, rootfs: string, options: UnpackOptions = {}): Promise<UnpackStats> {
  const started = performance.now();
  const layer = options.layer ?? 'layer';
  await mkdir(rootfs, { recursive: true });
  const applier = new LayerApplier(await realpath(rootfs), layer, options.ownerAndModeAlways === true, options.statEachEntry === true, options.modeTwice === true, options.dirAttributes ?? 'none', options.statParentAndTarget === true);
  try {
    const tar = await tarStream(input, options.compression ?? 'auto', layer);
    const checkDiffId = options.diffId === undefined ? undefined : watchDiffId(tar, options.diffId, layer);
    await new Promise<void>((resolve, reject) => {
      const extract = tarExtract();
      let failed = false;
      const fail = (err: unknown) => {
        if (failed) return;
        failed = true;
        tar.unpipe();
        tar.destroy();
        input.destroy();
        extract.destroy();
        reject(err);
      };
      input.on('error', fail);
      if (tar !== input) {
        tar.on('error', (err) => fail(new ShipbenchError('invalid-layer', `layer ${layer} is not valid gzip: ${err.message}`, { cause: err })));
      }
      extract.on('error', (err: Error) => fail(new ShipbenchError('invalid-layer', `layer ${layer} is not a valid tar: ${err.message}`, { cause: err })));
      extract.on('entry', (header, content, next) => {
        applier.apply(header, content).then(() => next(), fail);
      });
      extract.on('finish', resolve);
      tar.pipe(extract);
    });
    await applier.finish();
    checkDiffId?.();
  } catch (err) {
    input.destroy();
    await applier.settle(err);
    throw err;
  }
  return { ...applier.stats, seconds: (performance.now() - started) / 1000 };
}

/** The tar inside `input`: gunzipped when compressed (auto-detected by the magic bytes when `auto`). */
export async function tarStream(input: Readable, compression: LayerCompression, layer: string): Promise<Readable> {
  let gzip = compression === 'gzip';
  if (compression === 'auto') {
    const head = await peek(input, ZSTD_MAGIC.length);
    const starts = (magic: number[]) => head.length >= magic.length && magic.every((b, i) => head[i] === b);
    if (starts(ZSTD_MAGIC)) {
      throw new ShipbenchError('unsupported-compression', `layer ${layer} is zstd-compressed`, {
        hint: 'only gzip and uncompressed layers can be unpacked (Node 20 has no zstd)',
      });
    }
    gzip = starts(GZIP_MAGIC);
  }
  // zlib hands its options on to stream.Transform (lib/zlib.js), though ZlibOptions does not say so.
  const gunzip: ZlibOptions & TransformOptions = { chunkSize: GUNZIP_CHUNK_BYTES, highWaterMark: GUNZIP_AHEAD_BYTES };
  return gzip ? input.pipe(createGunzip(gunzip)) : input;
}

/** Reads up to `bytes` from the start of `input` and puts them back, leaving the stream ready to pipe. */
async function peek(input: Readable, bytes: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  let have = 0;
  while (have < bytes) {
    const chunk = input.read() as Buffer | null;
    if (chunk !== null) {
      parts.push(chunk);
      have += chunk.length;
      continue;
    }
    if (input.readableEnded) break;
    const ended = await new Promise<boolean>((resolve, reject) => {
      const settle = (result: () => void) => {
        input.off('readable', onReadable).off('end', onEnd).off('error', onError);
        result();
      };
      const onReadable = () => settle(() => resolve(false));
      const onEnd = () => settle(() => resolve(true));
      const onError = (err: Error) => settle(() => reject(err));
      input.on('readable', onReadable).on('end', onEnd).on('error', onError);
    });
    if (ended) break;
  }
  const head = Buffer.concat(parts);
  if (head.length > 0) input.unshift(head);
  return head;
}

/** An entry's content as tar-stream hands it over (a streamx Readable). */
type EntryContent = ExtractEvents['entry'][1];

class LayerApplier {
  readonly stats: Omit<UnpackStats, 'seconds'> = {
    entries: 0,
    files: 0,
    dirs: 0,
    symlinks: 0,
    hardlinks: 0,
    whiteouts: 0,
    opaqueDirs: 0,
    skipped: 0,
    bytesWritten: 0,
  };
  private readonly resolver: RootfsResolver;
  private readonly layer: string;
  /** Process umask, read once: open/mkdir modes pass through it, so some modes need an explicit chmod. */
  private readonly umask = process.umask();
  /**
   * Real paths this layer created or replaced, and all their ancestors: whiteouts and opaque markers only
   * delete what lower layers left (layer.md), and a later entry on one of these paths waits for the
   * background work first.
   */
  private readonly touched = new Set<string>();
  /** Directories being created or merged in the background: what goes inside one waits for it. */
  private readonly pendingDirs = new Map<string, Promise<void>>();
  /** Directories opened up (u+rwx) so we can write in them, with the mode they get back at the end. */
  private readonly lockedDirs = new Map<string, number>();
  /** Directory entries and their header mtimes, set again at the end of the layer (dirAttributes). */
  private readonly dirTimes: Array<[string, Date]> = [];
  private readonly freeSlabs: Buffer[] = [];
  private staging: [Buffer, Buffer] | undefined;
  private inFlight = 0;
  private slotWaiters: Array<() => void> = [];
  private idleWaiters: Array<() => void> = [];
  private failure: unknown;
  /** The entry being applied, awaited by settle() so nothing starts after the caller has the error. */
  private current: Promise<void> = Promise.resolve();

  constructor(
    root: string,
    layer: string,
    private readonly ownerAndModeAlways = false,
    private readonly statEachEntry = false,
    private readonly modeTwice = false,
    private readonly dirAttributes: DirAttributes = 'none',
    private readonly statParentAndTarget = false,
  ) {
    this.resolver = new RootfsResolver(root);
    this.layer = layer;
  }

  apply(header: Header, content: EntryContent): Promise<void> {
    this.stats.entries++;
    this.current = (async () => {
      try {
        this.throwIfFailed();
        await this.applyEntry(header, content);
      } catch (err) {
        throw this.explain(err, header.name);
      }
    })();
    return this.current;
  }

  /** After the last entry: waits for the background work, puts back the modes of directories we opened up. */
  async finish(): Promise<void> {
    await this.drain();
    this.throwIfFailed();
    this.resolver.forget();
    // Deepest first: restoring a parent first could take away the search permission a child's chmod needs.
    for (const [path, mode] of [...this.lockedDirs].sort(([a], [b]) => b.length - a.length)) {
      // Only if it is still that real directory: never chmod through a symlink put in its place.
      const real = await this.resolver.resolveDir(path, false).catch(() => undefined);
      if (real === path) await chmod(this.resolver.abs(path), mode);
    }
    for (const [path, mtime] of this.dirTimes) {
      // containerd looks each directory up again from the root (fs.RootPath); moby joins the path.
      if (this.dirAttributes === 'containerd') this.lstatComponents(path);
      lutimesSync(this.resolver.abs(path), mtime, mtime);
    }
  }

  /** After a failure: stops new work and lets what runs end, so nothing touches the rootfs once the caller has the error. */
  async settle(err: unknown): Promise<void> {
    this.failure ??= err;
    await this.current.catch(() => undefined);
    await this.drain();
  }

  private async applyEntry(header: Header, content: EntryContent): Promise<void> {
    const type = header.type ?? 'file';
    const size = header.size ?? 0;
    const named = cleanEntryPath(header.name);
    const base = baseOf(named);
    // The rootfs itself (`./`) keeps its own mode, as in containerd.
    if (named === '') return this.skipContent(content, size);
    const parentNamed = parentOf(named);
    if (base.startsWith(WHITEOUT_PREFIX)) {
      this.skipContent(content, size);
      await this.drain();
      return this.whiteout(parentNamed, base);
    }
    if (type !== 'file' && type !== 'contiguous-file' && type !== 'directory' && type !== 'symlink' && type !== 'link') {
      this.stats.skipped++;
      return this.skipContent(content, size);
    }
    const parent = await this.parentDir(parentNamed);
    const path = joinPath(parent, base);
    // Same path as an earlier entry of this layer (or a parent of one): that work lands first.
    if (this.touched.has(path)) await this.drain();
    this.touch(path);
    const isDir = type === 'directory';
    if (this.statEachEntry) this.statLikeContainerd(path);
    if (this.statParentAndTarget) {
      if (!isDir) lstatSync(this.resolver.abs(parentOf(path)), { throwIfNoEntry: false });
      lstatSync(this.resolver.abs(path), { throwIfNoEntry: false });
    }
    // Cached resolutions through what is at `path` now would go stale once this entry replaces it.
    if (this.resolver.reliesOn(path, isDir)) this.resolver.forget();
    const mode = (header.mode ?? (isDir ? 0o755 : 0o644)) & 0o7777;
    switch (type) {
      case 'directory':
        this.resolver.remember(named, path);
        this.stats.dirs++;
        return this.inBackground(header.name, path, () => this.directory(path, mode, header), true);
      case 'symlink': {
        this.skipContent(content, size);
        const target = header.linkname;
        if (!target) throw new ShipbenchError('invalid-layer', 'symlink without a target');
        this.stats.symlinks++;
        return this.inBackground(header.name, path, () => this.replacing(path, () => symlink(target, this.resolver.abs(path))));
      }
      case 'link':
        this.skipContent(content, size);
        await this.drain();
        return this.hardlink(path, header.linkname ?? '');
      default:
        if (size > SMALL_FILE_BYTES) return this.bigFile(path, mode, size, content, header);
        return this.smallFile(header, path, mode, size, content);
    }
  }

  /**
   * containerd's lookups before it creates an entry (statEachEntry), on this thread and in order as its
   * applier makes them: each component of the parent path (fs.RootPath), the parent again (mkparent), the
   * path itself. What they find is not used: the resolver already knows it.
   */
  private statLikeContainerd(path: string): void {
    const parent = parentOf(path);
    this.lstatComponents(parent);
    if (parent !== '') lstatSync(this.resolver.abs(parent), { throwIfNoEntry: false });
    lstatSync(this.resolver.abs(path), { throwIfNoEntry: false });
  }

  /** An lstat of each component of `path` from the root down, as containerd's fs.RootPath resolves it. */
  private lstatComponents(path: string): void {
    for (let at = 0; path !== ''; ) {
      const slash = path.indexOf('/', at);
      lstatSync(this.resolver.abs(slash < 0 ? path : path.slice(0, slash)), { throwIfNoEntry: false });
      if (slash < 0) break;
      at = slash + 1;
    }
  }

  /**
   * The real directory an entry goes in. A cache hit costs nothing; a miss walks the rootfs, after the
   * background work is done so the walk sees every directory already promised.
   */
  private async parentDir(named: string): Promise<string> {
    const cached = this.resolver.cached(named);
    if (cached !== undefined) return cached;
    await this.drain();
    return (await this.resolver.resolveDir(named, true)) as string;
  }

  private async directory(path: string, mode: number, header: Header): Promise<void> {
    const abs = this.resolver.abs(path);
    // mkdir first: most layers unpack into an empty snapshot, where it is the only call needed.
    const existing = await this.replacing(path, () =>
      mkdir(abs, mode | OWNER_RWX).then(
        () => undefined,
        async (err: NodeJS.ErrnoException) => {
          const stats = err.code === 'EEXIST' ? await lstatOrUndefined(abs) : undefined;
          // A directory merges with the lower layer's; anything else is replaced (EEXIST reaches replacing()).
          if (stats?.isDirectory()) return stats;
          throw err;
        },
      ),
    );
    if (existing === undefined) {
      // Created with owner rwx, so children can be written even when the final mode forbids it.
      if (this.needsChmod(mode) || (mode & OWNER_RWX) !== OWNER_RWX) await this.setDirMode(path, mode);
    } else if ((this.lockedDirs.get(path) ?? (existing.mode & 0o7777)) !== mode) {
      await this.setDirMode(path, mode);
    }
    if (this.dirAttributes === 'containerd') await this.dirAttributesLikeContainerd(path, mode, header);
    else if (this.dirAttributes === 'moby') await this.dirAttributesLikeMoby(path, mode, header);
  }

  /** moby's calls on a directory entry besides the mkdir: Lchown, one lchmod, Chtimes; its final mtime in finish(). */
  private async dirAttributesLikeMoby(path: string, mode: number, header: Header): Promise<void> {
    const abs = this.resolver.abs(path);
    if (IS_ROOT) lchownSync(abs, header.uid ?? 0, header.gid ?? 0);
    await this.setDirMode(path, mode);
    if (header.mtime === undefined) return;
    lutimesSync(abs, header.mtime, header.mtime);
    this.dirTimes.push([path, header.mtime]);
  }

  /** containerd's calls on a directory entry besides the mkdir (dirAttributes); its final mtime comes in finish(). */
  private async dirAttributesLikeContainerd(path: string, mode: number, header: Header): Promise<void> {
    const abs = this.resolver.abs(path);
    lstatSync(abs);
    await this.setDirMode(path, mode);
    if (IS_ROOT) lchownSync(abs, header.uid ?? 0, header.gid ?? 0);
    lstatSync(abs);
    await this.setDirMode(path, mode);
    if (header.mtime === undefined) return;
    // createTarFile ends with chtimes for every entry; children written after it move a directory's mtime
    // again, hence the closing loop.
    lutimesSync(abs, header.mtime, header.mtime);
    this.dirTimes.push([path, header.mtime]);
  }

  /** Sets a directory's mode, keeping u+rwx until the end of the layer so its children can still be written. */
  private async setDirMode(path: string, mode: number): Promise<void> {
    if (this.lockedDirs.has(path) || (mode & OWNER_RWX) !== OWNER_RWX) {
      this.lockedDirs.set(path, mode);
      mode |= OWNER_RWX;
    }
    await chmod(this.resolver.abs(path), mode);
  }

  /** Runs after a drain: the target must be in place, and hard links are rare. */
  private async hardlink(path: string, linkname: string): Promise<void> {
    const named = cleanLinkTarget(linkname);
    const dir = await this.resolver.resolveDir(parentOf(named), false);
    const target = dir === undefined ? undefined : joinPath(dir, baseOf(named));
    const stats = target === undefined ? undefined : await lstatOrUndefined(this.resolver.abs(target));
    if (target === undefined || stats === undefined || stats.isDirectory()) {
      throw new ShipbenchError('invalid-layer', `hard link target ${JSON.stringify(linkname)} ${stats === undefined ? 'does not exist' : 'is a directory'}`);
    }
    if (target !== path) await this.replacing(path, () => linkAsync(this.resolver.abs(target), this.resolver.abs(path)));
    this.stats.hardlinks++;
  }

  /** Runs after a drain: it reads and deletes what lower layers left. */
  private async whiteout(parentNamed: string, base: string): Promise<void> {
    const dir = await this.resolver.resolveDir(parentNamed, false);
    if (base === OPAQUE_MARKER) {
      this.stats.opaqueDirs++;
      if (dir === undefined) return;
      // The directory is this layer's from now on: a later `.wh.DIR` in this layer must keep it.
      this.touch(dir);
      for (const child of await readdir(this.resolver.abs(dir))) await this.removeLower(joinPath(dir, child));
      return;
    }
    const name = base.slice(WHITEOUT_PREFIX.length);
    if (name === '' || name === '.' || name === '..') throw new UnsafePathError(`whiteout ${JSON.stringify(base)} names no entry`);
    this.stats.whiteouts++;
    // Other `.wh..wh.` names are AUFS bookkeeping (hard link stores), ignored by every runtime.
    if (name.startsWith(WHITEOUT_PREFIX)) return;
    if (dir !== undefined) await this.removeLower(joinPath(dir, name));
  }

  /** Deletes `path` as lower layers left it: what this layer put there (and its ancestors) stays. */
  private async removeLower(path: string): Promise<void> {
    if (!this.touched.has(path)) return this.removeExisting(path);
    const children = await readdir(this.resolver.abs(path)).catch(() => [] as string[]);
    for (const child of children) await this.removeLower(joinPath(path, child));
  }

  private async smallFile(header: Header, path: string, mode: number, size: number, content: EntryContent): Promise<void> {
    const name = header.name;
    // Read the content now (the tar stream moves on), write it in the background.
    const slab = size === 0 ? EMPTY : (this.freeSlabs.pop() ?? Buffer.allocUnsafe(SMALL_FILE_BYTES));
    let bytes: number;
    try {
      bytes = size === 0 ? 0 : await readInto(content, slab);
    } catch (err) {
      this.giveSlab(slab);
      throw err;
    }
    this.stats.files++;
    this.stats.bytesWritten += bytes;
    const write = async () => {
      const fd = await this.replacing(path, () => openAsync(this.resolver.abs(path), CREATE_FLAGS, mode & 0o777));
      try {
        await writeAll(fd, slab, bytes);
        await this.fileAttributes(fd, path, mode, header);
      } finally {
        await closeAsync(fd);
      }
    };
    await this.inBackground(name, path, write, false, () => this.giveSlab(slab));
  }

  /**
   * What a runtime sets on each file it unpacks besides its content (containerd archive/tar.go
   * createTarFile, moby pkg/archive createTarFile): the owner (as root; chown first, since it clears
   * set-id bits), the mode, and the modification time from the tar header.
   */
  private async fileAttributes(fd: number, path: string, mode: number, header: Header): Promise<void> {
    const uid = header.uid ?? 0;
    const gid = header.gid ?? 0;
    // Made in place (one syscall each), not through libuv's pool, as both runtimes make them (containerd on its
    // applying goroutine, dockerd's untar child on its one): a pool round trip costs the harness more CPU than
    // the call (futex waits and wakes on both sides; strace of a containerd-emulating backport: 154,000 futex
    // calls against containerd's 71,000), and these calls take microseconds.
    if (this.modeTwice) fchmodSync(fd, mode);
    // A new file is ours already: chown only when the header names another owner (same result, a syscall less).
    if (IS_ROOT && (this.ownerAndModeAlways || uid !== OWN_UID || gid !== OWN_GID)) fchownSync(fd, uid, gid);
    if (this.modeTwice) lstatSync(this.resolver.abs(path));
    if (this.ownerAndModeAlways || this.needsChmod(mode)) fchmodSync(fd, mode);
    if (header.mtime !== undefined) futimesSync(fd, header.mtime, header.mtime);
  }

  private giveSlab(slab: Buffer): void {
    if (slab.length > 0) this.freeSlabs.push(slab);
  }

  private async bigFile(path: string, mode: number, size: number, content: EntryContent, header: Header): Promise<void> {
    await this.pendingDirs.get(parentOf(path));
    const fd = await this.replacing(path, () => openAsync(this.resolver.abs(path), CREATE_FLAGS, mode & 0o777));
    try {
      await this.stream(content, fd);
      await this.fileAttributes(fd, path, mode, header);
    } finally {
      await closeAsync(fd);
    }
    this.stats.files++;
    this.stats.bytesWritten += size;
  }

  /** Copies `content` to `fd` through two reused staging buffers: one fills while the other is written. */
  private async stream(content: EntryContent, fd: number): Promise<void> {
    this.staging ??= [Buffer.allocUnsafe(STAGING_BYTES), Buffer.allocUnsafe(STAGING_BYTES)];
    let [filling, other] = this.staging;
    let used = 0;
    let writing: Promise<void> = Promise.resolve();
    try {
      for await (const data of content) {
        let chunk = data as Buffer;
        while (chunk.length > 0) {
          const copied = chunk.copy(filling, used);
          used += copied;
          chunk = chunk.subarray(copied);
          if (used === filling.length) {
            await writing;
            writing = writeAll(fd, filling, used);
            // Observed now: it may fail (ENOSPC) while the loop waits for content, before `await writing`.
            writing.catch(() => undefined);
            [filling, other] = [other, filling];
            used = 0;
          }
        }
      }
    } finally {
      // Never leave a write running (or its failure unobserved) behind us.
      await writing;
    }
    await writeAll(fd, filling, used);
  }

  /**
   * Starts `work` on `path` once its parent directory exists, without waiting for it: the main loop only
   * waits when too much is in flight. A directory's work is recorded so what goes inside it waits for it.
   */
  private async inBackground(name: string, path: string, work: () => Promise<unknown>, isDir = false, done?: () => void): Promise<void> {
    if (this.inFlight >= MAX_IN_FLIGHT) await new Promise<void>((resolve) => this.slotWaiters.push(resolve));
    // Unpacking may have failed while we waited: start nothing new then.
    this.throwIfFailed();
    this.inFlight++;
    const parent = this.pendingDirs.get(parentOf(path));
    const task = (async () => {
      await parent;
      await work();
    })();
    if (isDir) {
      const settled = task.then(() => {
        if (this.pendingDirs.get(path) === settled) this.pendingDirs.delete(path);
      });
      // Its failure is reported below; what waits on it fails too, and nothing else must see it unhandled.
      settled.catch(() => undefined);
      this.pendingDirs.set(path, settled);
    }
    task
      .catch((err: unknown) => {
        this.failure ??= this.explain(err, name);
      })
      .finally(() => {
        done?.();
        this.inFlight--;
        this.slotWaiters.shift()?.();
        if (this.inFlight === 0) for (const wake of this.idleWaiters.splice(0)) wake();
      });
  }

  /**
   * Runs `create` (which fails with EEXIST when something is in the way), replacing what a lower layer left
   * at `path` as a runtime does, and opening up a read-only parent directory if that is what stops it.
   */
  private async replacing<T>(path: string, create: () => Promise<T>): Promise<T> {
    let replaced = false;
    let unlocked = false;
    let remove = false;
    for (;;) {
      try {
        if (remove) await this.removeExisting(path);
        remove = false;
        return await create();
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'EEXIST' && !replaced) {
          replaced = remove = true;
        } else if ((code === 'EACCES' || code === 'EPERM') && !unlocked) {
          unlocked = true;
          await this.unlockDir(parentOf(path));
        } else {
          throw err;
        }
      }
    }
  }

  private async removeExisting(path: string): Promise<void> {
    const abs = this.resolver.abs(path);
    const existing = await lstatOrUndefined(abs);
    if (existing === undefined) return;
    if (existing.isDirectory()) await rm(abs, { recursive: true, force: true });
    else await unlink(abs);
    // Cached resolutions may run through what was just removed.
    if (!existing.isFile()) this.resolver.forget();
  }

  /** Gives us u+rwx on a directory a lower layer (or this one) made read-only, until `finish()`. */
  private async unlockDir(path: string): Promise<void> {
    const abs = this.resolver.abs(path);
    const stats = await lstat(abs);
    const mode = stats.mode & 0o7777;
    if (!stats.isDirectory() || (mode & OWNER_RWX) === OWNER_RWX) return;
    if (!this.lockedDirs.has(path)) this.lockedDirs.set(path, mode);
    await chmod(abs, mode | OWNER_RWX);
  }

  private touch(path: string): void {
    for (let p = path; p !== '' && !this.touched.has(p); p = parentOf(p)) this.touched.add(p);
  }

  private needsChmod(mode: number): boolean {
    return (mode & ~0o777) !== 0 || (mode & this.umask) !== 0;
  }

  private skipContent(content: EntryContent, size: number): void {
    if (size > 0) content.resume();
  }

  private drain(): Promise<void> {
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private throwIfFailed(): void {
    if (this.failure !== undefined) throw this.failure;
  }

  /** Errors a layer can cause become ShipbenchErrors naming the entry and the layer. */
  private explain(err: unknown, entry: string): unknown {
    const where = `entry ${JSON.stringify(entry)} of layer ${this.layer}`;
    if (err instanceof ShipbenchError) {
      if (err.message.includes(where)) return err;
      return new ShipbenchError(err.code, `${where}: ${err.message}`, { hint: err.hint, cause: err.cause ?? err });
    }
    if (err instanceof UnsafePathError) {
      return new ShipbenchError('unsafe-layer-entry', `refused ${where}: ${err.message}; unpacking stopped`, {
        hint: 'the layer tries to reach outside the rootfs it is unpacked into: the image is broken or hostile',
        cause: err,
      });
    }
    if (err instanceof NotADirectoryError) {
      return new ShipbenchError('invalid-layer', `${where} needs a directory where the rootfs holds a file (${err.path})`, {
        hint: 'the layer does not apply on top of its lower layers: check the image was built from this base',
        cause: err,
      });
    }
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOSPC' || code === 'EDQUOT') {
      return new ShipbenchError('disk-full', `no space left unpacking ${where}`, { hint: 'free disk space or point the work directory elsewhere', cause: err });
    }
    if (code === 'ENAMETOOLONG') return new ShipbenchError('invalid-layer', `${where}: name too long for this file system`, { cause: err });
    return err;
  }
}

/** Copies a tar entry's content into `slab` (it fits: the caller checked the header's size). */
function readInto(content: EntryContent, slab: Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    let used = 0;
    content.on('data', (chunk) => {
      used += (chunk as Buffer).copy(slab, used);
    });
    content.on('end', () => resolve(used));
    content.on('error', reject);
    // Destroyed when unpacking stops part-way: end the wait rather than hang.
    content.on('close', () => reject(new Error('tar entry closed before its end')));
  });
}

function lstatOrUndefined(path: string) {
  return lstat(path).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined;
    throw err;
  });
}

// Raw fds through the callback API: a FileHandle per small file costs more than the write itself.
function openAsync(path: string, flags: number, mode: number): Promise<number> {
  return new Promise((resolve, reject) => open(path, flags, mode, (err, fd) => (err === null ? resolve(fd) : reject(err))));
}

function closeAsync(fd: number): Promise<void> {
  return new Promise((resolve, reject) => close(fd, (err) => (err === null ? resolve() : reject(err))));
}

function linkAsync(target: string, path: string): Promise<void> {
  return new Promise((resolve, reject) => linkCb(target, path, (err) => (err === null ? resolve() : reject(err))));
}

async function writeAll(fd: number, data: Buffer, bytes: number): Promise<void> {
  for (let offset = 0; offset < bytes; ) {
    offset += await new Promise<number>((resolve, reject) =>
      write(fd, data, offset, bytes - offset, null, (err, written) => (err === null ? resolve(written) : reject(err))),
    );
  }
}
