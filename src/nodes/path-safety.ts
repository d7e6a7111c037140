import { lstat, mkdir, readlink } from 'node:fs/promises';

/**
 * Keeping a layer's entries inside the rootfs they are unpacked into. Two rules; an entry that would leave
 * is refused rather than clamped, so a hostile layer fails loudly instead of landing somewhere unexpected:
 *
 * - Entry names are cleaned lexically: a leading `/` is dropped (the name is taken as relative to the rootfs,
 *   as containerd, moby, umoci and GNU tar do), `.` and empty parts vanish, and a `..` that would climb
 *   above the rootfs is refused.
 * - Parent directories are walked with lstat, one component at a time, never letting the kernel follow a
 *   link: a symlink is followed only when its target is relative and stays inside the rootfs (merged-/usr's
 *   `lib -> usr/lib`); an absolute target (`a -> /etc`) or one that climbs out (`../../x`) is refused, since
 *   on this host it points outside.
 *
 * Hard link targets follow the same walk, and an absolute one is refused (see cleanLinkTarget). Symlink
 * entries themselves are stored as written, absolute or not: only writing through them is checked. The
 * threat is the layer's content; another process racing us inside the node's own rootfs is out of scope.
 */

/** Why an entry was refused; the unpacker turns it into a ShipbenchError naming the entry and the layer. */
export class UnsafePathError extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'UnsafePathError';
  }
}

/** An entry needs a directory where the rootfs holds a file: the layer does not fit on its lower layers. */
export class NotADirectoryError extends Error {
  readonly path: string;
  constructor(path: string) {
    super(`${path} is not a directory`);
    this.name = 'NotADirectoryError';
    this.path = path;
  }
}

/** Linux's own limit (ELOOP) for symlinks followed while resolving one path. */
const MAX_SYMLINK_HOPS = 40;
const IMPLICIT_DIR_MODE = 0o755;

/**
 * A tar entry name as a clean path relative to the rootfs (`''` is the rootfs itself): `/a//./b/` -> `a/b`,
 * `a/../b` -> `b`; `..` above the rootfs is refused.
 */
export function cleanEntryPath(name: string): string {
  if (name.includes('\0')) throw new UnsafePathError('its name holds a NUL byte');
  const parts: string[] = [];
  for (const part of name.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (parts.length === 0) throw new UnsafePathError('its ".." climbs above the rootfs');
      parts.pop();
      continue;
    }
    parts.push(part);
  }
  return parts.join('/');
}

/**
 * A hard link's target, relative to the rootfs. Unlike entry names, an absolute target is refused: a hard
 * link binds an existing inode, `/etc/passwd` is the classic way to bind one of the host's, and no image
 * builder writes absolute link targets.
 */
export function cleanLinkTarget(linkname: string): string {
  if (linkname.startsWith('/')) throw new UnsafePathError(`its hard link target ${JSON.stringify(linkname)} is absolute`);
  const path = cleanEntryPath(linkname);
  if (path === '') throw new UnsafePathError('its hard link target is the rootfs itself');
  return path;
}

export function parentOf(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash === -1 ? '' : path.slice(0, slash);
}

export function baseOf(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

export function joinPath(dir: string, name: string): string {
  return dir === '' ? name : `${dir}/${name}`;
}

/**
 * Resolves directories inside one rootfs to their real location (no symlink left in the result), with a
 * cache so the common case, many entries in one directory, costs no system call at all.
 *
 * The cache holds only what was true when walked. Whoever is about to put something at a real path must
 * ask `reliesOn()` first and `forget()` when it says so (or after removing a directory or a symlink), or a
 * stale entry could lead a later write through a symlink put in its place.
 */
export class RootfsResolver {
  readonly root: string;
  /** Clean path as named by entries -> clean real path (equal unless an inside symlink was followed). */
  private readonly dirs = new Map<string, string>([['', '']]);
  /** Every real directory the cached resolutions pass through or end at. */
  private readonly dirsWalked = new Set<string>();
  /** Every symlink the cached resolutions followed (real path of the link itself). */
  private readonly linksWalked = new Set<string>();

  /** `root` must be an absolute path without symlinks (realpath it first). */
  constructor(root: string) {
    this.root = root;
  }

  abs(path: string): string {
    return path === '' ? this.root : `${this.root}/${path}`;
  }

  /** The cached resolution of `dir`, if any: no system call, so callers can take the fast path. */
  cached(dir: string): string | undefined {
    return this.dirs.get(dir);
  }

  /** Records a directory an entry is creating or merging: `named` as entries spell it, `real` where it is. */
  remember(named: string, real: string): void {
    this.dirs.set(named, real);
    this.dirsWalked.add(real);
  }

  /**
   * Whether cached resolutions depend on what is at `real` now: true for a symlink they followed, and for a
   * directory they pass through unless the new entry is a directory too (it merges).
   */
  reliesOn(real: string, directory: boolean): boolean {
    return this.linksWalked.has(real) || (!directory && this.dirsWalked.has(real));
  }

  forget(): void {
    this.dirs.clear();
    this.dirs.set('', '');
    this.dirsWalked.clear();
    this.linksWalked.clear();
  }

  /**
   * The real directory that `dir` (a clean path) names, created (mode 0755) where missing when `create`;
   * undefined when it is missing and `create` is false. Throws UnsafePathError for a symlink that leads
   * out of the rootfs and NotADirectoryError for a file in the way.
   */
  async resolveDir(dir: string, create: boolean): Promise<string | undefined> {
    const cached = this.dirs.get(dir);
    if (cached !== undefined) return cached;
    // Start from the deepest cached ancestor: usually the parent, created by the entry just before.
    let named = '';
    let real = '';
    for (let end = dir.lastIndexOf('/'); end > 0; end = dir.lastIndexOf('/', end - 1)) {
      const hit = this.dirs.get(dir.slice(0, end));
      if (hit !== undefined) {
        named = dir.slice(0, end);
        real = hit;
        break;
      }
    }
    const resolved = real === '' ? [] : real.split('/');
    let hops = 0;
    for (const component of dir.slice(named === '' ? 0 : named.length + 1).split('/')) {
      named = joinPath(named, component);
      // A component may expand into a symlink's target; walk until that expansion is used up.
      const pending = [component];
      while (pending.length > 0) {
        const part = pending.shift() as string;
        if (part === '' || part === '.') continue;
        if (part === '..') {
          // `resolved` holds real directories only, so popping is what the kernel's `..` does.
          if (resolved.length === 0) throw new UnsafePathError(`${named} leads above the rootfs through a symlink`);
          resolved.pop();
          continue;
        }
        const path = [...resolved, part].join('/');
        const stats = await lstat(this.abs(path)).catch((err: NodeJS.ErrnoException) => {
          if (err.code === 'ENOENT') return undefined;
          throw err;
        });
        if (stats === undefined) {
          if (!create) return undefined;
          await mkdir(this.abs(path), IMPLICIT_DIR_MODE);
        } else if (stats.isSymbolicLink()) {
          if (++hops > MAX_SYMLINK_HOPS) throw new UnsafePathError(`${named} goes through more than ${MAX_SYMLINK_HOPS} symlinks`);
          const target = await readlink(this.abs(path));
          if (target.startsWith('/')) throw new UnsafePathError(`${path} is a symlink to ${target}, outside the rootfs`);
          this.linksWalked.add(path);
          pending.unshift(...target.split('/'));
          continue;
        } else if (!stats.isDirectory()) {
          throw new NotADirectoryError(path);
        }
        resolved.push(part);
        this.dirsWalked.add(path);
      }
      this.dirs.set(named, resolved.join('/'));
    }
    return resolved.join('/');
  }
}
