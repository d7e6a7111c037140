import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { execFile } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { chmod, lstat, mkdir, mkdtemp, readdir, readFile, readlink, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { ShipbenchError } from '../../src/core/errors.ts';
import { unpackLayer, type UnpackOptions, type UnpackStats } from '../../src/nodes/rootfs-unpacker.ts';
import { REPO_ROOT } from '../e2e/run-cli.ts';
import { umociRootfs } from '../support/peer-tools.ts';
import { generateTinyLayouts } from '../support/registry-process.ts';
import { tarOf, type TarEntry } from '../support/tar-entries.ts';

/** A real tar made by tar-stream's pack (gzipped with real gzip unless `gzip: false`). */
async function layer(entries: readonly TarEntry[], { gzip = true } = {}): Promise<Buffer> {
  const tar = await tarOf(entries);
  return gzip ? gzipSync(tar) : tar;
}

/** Feeds `bytes` in odd-sized chunks, so headers and contents straddle chunk boundaries. */
function chunked(bytes: Buffer, size = 7_919): Readable {
  const parts: Buffer[] = [];
  for (let at = 0; at < bytes.length; at += size) parts.push(bytes.subarray(at, at + size));
  return Readable.from(parts, { objectMode: false });
}

function unpack(bytes: Buffer, rootfs: string, options: UnpackOptions = {}): Promise<UnpackStats> {
  return unpackLayer(chunked(bytes), rootfs, options);
}

const sha256 = (bytes: Buffer | string) => createHash('sha256').update(bytes).digest('hex');

/** Every path under `root`: `dir 755`, `file 644 <sha256>`, `symlink -> target`. */
async function tree(root: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  async function walk(dir: string, prefix: string): Promise<void> {
    for (const name of (await readdir(dir)).sort()) {
      const path = join(dir, name);
      const rel = prefix + name;
      const stats = await lstat(path);
      const mode = (stats.mode & 0o7777).toString(8);
      if (stats.isDirectory()) {
        out[rel] = `dir ${mode}`;
        await walk(path, `${rel}/`);
      } else if (stats.isSymbolicLink()) out[rel] = `symlink -> ${await readlink(path)}`;
      else if (stats.isFile()) out[rel] = `file ${mode} ${sha256(await readFile(path)).slice(0, 12)}`;
      else out[rel] = 'other';
    }
  }
  await walk(root, '');
  return out;
}

const file = (content: string, mode = 0o644) => `file ${mode.toString(8)} ${sha256(content).slice(0, 12)}`;

function unsafe(entry: RegExp): (err: unknown) => boolean {
  return (err: unknown) => {
    assert.ok(err instanceof ShipbenchError, `expected a ShipbenchError, got ${String(err)}`);
    assert.equal(err.code, 'unsafe-layer-entry', err.message);
    assert.match(err.message, entry);
    assert.match(err.message, /layer sha256:hostile/);
    return true;
  };
}

describe('unpackLayer', () => {
  let tmp: string;
  let n = 0;
  /** A fresh sandbox: `rootfs/` to unpack into and `outside/` next to it, which must stay untouched. */
  const sandbox = async () => {
    const dir = join(tmp, `case-${++n}`);
    await mkdir(join(dir, 'rootfs'), { recursive: true });
    await mkdir(join(dir, 'outside'));
    await writeFile(join(dir, 'outside', 'victim'), 'precious');
    return { dir, rootfs: join(dir, 'rootfs'), outside: join(dir, 'outside') };
  };
  const outsideUntouched = async (outside: string) => {
    assert.deepEqual(await tree(outside), { victim: file('precious') });
    await assert.rejects(lstat(join(outside, '..', 'x')), { code: 'ENOENT' });
  };

  before(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'shipbench-unpack-'));
  });
  after(async () => {
    if (tmp !== undefined) await rm(tmp, { recursive: true, force: true });
  });

  it('applies two layers: whiteouts delete a file and a directory, an opaque directory loses only its lower children', async () => {
    const { rootfs } = await sandbox();
    const lower = await layer([
      { name: 'a', type: 'directory' },
      { name: 'a/keep.txt', content: 'keep' },
      { name: 'a/gone.txt', content: 'gone' },
      { name: 'b', type: 'directory' },
      { name: 'b/x', content: 'x' },
      { name: 'b/sub', type: 'directory' },
      { name: 'b/sub/y', content: 'y' },
      { name: 'c', type: 'directory', mode: 0o750 },
      { name: 'c/old1', content: 'old1' },
      { name: 'c/old2', type: 'directory' },
      { name: 'c/old2/deep', content: 'deep' },
    ]);
    const upper = await layer([
      { name: 'a', type: 'directory' },
      { name: 'a/.wh.gone.txt' },
      { name: 'a/added', content: 'added' },
      { name: '.wh.b' },
      { name: 'c', type: 'directory', mode: 0o750 },
      // Sorts before the marker: this layer's own entries survive it (layer.md: whiteouts hide lower layers only).
      { name: 'c/-first', content: 'first' },
      { name: 'c/.wh..wh..opq' },
      { name: 'c/new', content: 'new' },
      { name: 'c/old1', content: 'old1 again' },
      { name: '.wh.never-existed' },
    ]);
    const first = await unpack(lower, rootfs);
    assert.deepEqual({ ...first, seconds: 0 }, { entries: 11, files: 6, dirs: 5, symlinks: 0, hardlinks: 0, whiteouts: 0, opaqueDirs: 0, skipped: 0, bytesWritten: 18, seconds: 0 });
    const second = await unpack(upper, rootfs, { layer: 'upper' });
    assert.deepEqual(
      { ...second, seconds: 0 },
      { entries: 10, files: 4, dirs: 2, symlinks: 0, hardlinks: 0, whiteouts: 3, opaqueDirs: 1, skipped: 0, bytesWritten: 23, seconds: 0 },
    );
    assert.ok(second.seconds > 0);
    assert.deepEqual(await tree(rootfs), {
      a: 'dir 755',
      'a/added': file('added'),
      'a/keep.txt': file('keep'),
      c: 'dir 750',
      'c/-first': file('first'),
      'c/new': file('new'),
      'c/old1': file('old1 again'),
    });
  });

  it('a whiteout of a directory this layer also fills keeps this layer\'s part of it', async () => {
    const { rootfs } = await sandbox();
    await unpack(await layer([{ name: 'd/lower', content: 'lower' }]), rootfs);
    await unpack(await layer([{ name: 'd/upper', content: 'upper' }, { name: '.wh.d' }]), rootfs);
    assert.deepEqual(await tree(rootfs), { d: 'dir 755', 'd/upper': file('upper') });
  });

  it('replaces a file by a directory, a directory by a file, a symlink by a directory, as a runtime does', async () => {
    const { rootfs } = await sandbox();
    await unpack(
      await layer([
        { name: 'f', content: 'a file' },
        { name: 'd', type: 'directory' },
        { name: 'd/child', content: 'child' },
        { name: 'd/sub/grandchild', content: 'grandchild' },
        { name: 'l', type: 'symlink', linkname: 'd' },
        { name: 'g', content: 'replaced in place' },
      ]),
      rootfs,
    );
    await unpack(
      await layer([
        { name: 'd', content: 'now a file', mode: 0o600 },
        { name: 'f', type: 'directory', mode: 0o700 },
        { name: 'f/inner', content: 'inner' },
        { name: 'g', content: 'new content', mode: 0o755 },
        { name: 'l', type: 'directory' },
        { name: 'l/in-dir', content: 'in a real dir' },
      ]),
      rootfs,
    );
    assert.deepEqual(await tree(rootfs), {
      d: file('now a file', 0o600),
      f: 'dir 700',
      'f/inner': file('inner'),
      g: file('new content', 0o755),
      l: 'dir 755',
      'l/in-dir': file('in a real dir'),
    });
  });

  it('within one layer, the last entry for a path wins', async () => {
    const { rootfs } = await sandbox();
    await unpack(
      await layer([
        { name: 'p', content: 'first' },
        { name: 'p', content: 'second' },
        { name: 'q', content: 'was a file' },
        { name: 'q', type: 'directory' },
        { name: 'q/r', content: 'r' },
        // Directory entries after their children (not every tar sorts): parents are made, then take the mode.
        { name: 'u/v/w', content: 'w' },
        { name: 'u/v', type: 'directory', mode: 0o750 },
        { name: 'u', type: 'directory', mode: 0o700 },
      ]),
      rootfs,
    );
    assert.deepEqual(await tree(rootfs), { p: file('second'), q: 'dir 755', 'q/r': file('r'), u: 'dir 700', 'u/v': 'dir 750', 'u/v/w': file('w') });
  });

  it('preserves file and directory modes, special bits included, even on read-only directories with children', async () => {
    const { rootfs } = await sandbox();
    await unpack(
      await layer([
        { name: 'ro', type: 'directory', mode: 0o555 },
        { name: 'ro/file', content: 'r', mode: 0o444 },
        { name: 'private', type: 'directory', mode: 0o700 },
        { name: 'tmp', type: 'directory', mode: 0o1777 },
        { name: 'exec', content: '#!/bin/sh', mode: 0o755 },
        { name: 'setuid', content: 'su', mode: 0o4755 },
        { name: 'group-writable', content: 'gw', mode: 0o664 },
        { name: 'world-writable', content: 'ww', mode: 0o666 },
        { name: 'secret', content: 's', mode: 0o600 },
      ]),
      rootfs,
    );
    // A later layer writes into the read-only directory and changes a file's mode.
    await unpack(await layer([{ name: 'ro/second', content: 'second', mode: 0o640 }, { name: 'exec', content: 'v2', mode: 0o700 }]), rootfs);
    assert.deepEqual(await tree(rootfs), {
      exec: file('v2', 0o700),
      'group-writable': file('gw', 0o664),
      private: 'dir 700',
      ro: 'dir 555',
      'ro/file': file('r', 0o444),
      'ro/second': file('second', 0o640),
      secret: file('s', 0o600),
      setuid: file('su', 0o4755),
      tmp: 'dir 1777',
      'world-writable': file('ww', 0o666),
    });
  });

  it('unprivileged (as a rootless runtime), writes into read-only directories of lower layers and puts their modes back', async () => {
    const { dir } = await sandbox();
    const rootfs = join(dir, 'unprivileged-rootfs');
    const blobs = [
      await layer([
        { name: 'ro', type: 'directory', mode: 0o555 },
        { name: 'ro/a', content: 'a', mode: 0o444 },
        { name: 'ro/sub', type: 'directory', mode: 0o500 },
        { name: 'ro/sub/x', content: 'x', mode: 0o400 },
      ]),
      await layer([{ name: 'ro/b', content: 'b' }, { name: 'ro/sub/y', content: 'y' }, { name: 'ro/a', content: 'a2', mode: 0o644 }]),
    ];
    const paths = await Promise.all(blobs.map(async (b, i) => (await writeFile(join(dir, `layer-${i}`), b), join(dir, `layer-${i}`))));
    if (process.getuid?.() === 0) {
      // Root ignores permissions: unpack as nobody in a child process, so they apply.
      await chmod(tmp, 0o755);
      await chmod(dir, 0o777);
      const script = `import { execFile } from 'node:child_process';
import { createReadStream } from 'node:fs';
        const { unpackLayer } = await import(process.argv[1]);
        for (const blob of process.argv.slice(3)) await unpackLayer(createReadStream(blob), process.argv[2]);`;
      const unpacker = new URL('../../src/nodes/rootfs-unpacker.ts', import.meta.url).href;
      await new Promise<void>((resolve, reject) =>
        execFile(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, unpacker, rootfs, ...paths], { uid: 65534, gid: 65534, cwd: REPO_ROOT }, (err, _out, stderr) =>
          err === null ? resolve() : reject(new Error(stderr)),
        ),
      );
    } else {
      for (const path of paths) await unpackLayer(createReadStream(path), rootfs);
    }
    assert.deepEqual(await tree(rootfs), {
      ro: 'dir 555',
      'ro/a': file('a2'),
      'ro/b': file('b'),
      'ro/sub': 'dir 500',
      'ro/sub/x': file('x', 0o400),
      'ro/sub/y': file('y'),
    });
  });

  it('creates symlinks as symlinks (never followed), and hard links to the same inode', async () => {
    const { rootfs } = await sandbox();
    const stats = await unpack(
      await layer([
        { name: 'usr/lib/libc.so', content: 'libc' },
        { name: 'lib', type: 'symlink', linkname: 'usr/lib' },
        { name: 'passwd', type: 'symlink', linkname: '/etc/passwd' },
        { name: 'dangling', type: 'symlink', linkname: '../../nowhere' },
        { name: 'hard', type: 'link', linkname: 'usr/lib/libc.so' },
        { name: 'fifo', type: 'fifo' },
        { name: 'null', type: 'character-device', devmajor: 1, devminor: 3 },
      ]),
      rootfs,
    );
    assert.equal(await readlink(join(rootfs, 'lib')), 'usr/lib');
    assert.equal(await readlink(join(rootfs, 'passwd')), '/etc/passwd');
    assert.equal(await readlink(join(rootfs, 'dangling')), '../../nowhere');
    assert.equal((await lstat(join(rootfs, 'hard'))).ino, (await lstat(join(rootfs, 'usr/lib/libc.so'))).ino);
    assert.deepEqual([stats.symlinks, stats.hardlinks, stats.skipped], [3, 1, 2]);
    await assert.rejects(lstat(join(rootfs, 'fifo')), { code: 'ENOENT' });
    // A later layer writing through a symlink that stays inside lands where the link points, as in containerd.
    await unpack(await layer([{ name: 'lib/libm.so', content: 'libm' }]), rootfs);
    assert.equal(await readFile(join(rootfs, 'usr/lib/libm.so'), 'utf8'), 'libm');
    assert.equal(await readlink(join(rootfs, 'lib')), 'usr/lib');
  });

  it('takes absolute and dotted names as relative to the rootfs', async () => {
    const { rootfs, outside } = await sandbox();
    await unpack(await layer([{ name: '/etc/motd', content: 'hello' }, { name: './a/./b/../c', content: 'c' }, { name: './', type: 'directory' }]), rootfs);
    assert.deepEqual(await tree(rootfs), { a: 'dir 755', 'a/c': file('c'), etc: 'dir 755', 'etc/motd': file('hello') });
    await outsideUntouched(outside);
  });

  it('streams big files and many small ones byte-exact, gzip or not, in odd-sized chunks', async () => {
    const { rootfs } = await sandbox();
    const big = randomBytes(3 * 2 ** 20 + 123);
    const smalls = Array.from({ length: 600 }, (_, i) => ({ name: `many/f${String(i).padStart(4, '0')}`, content: randomBytes(i * 97) }));
    const entries = [{ name: 'big.bin', content: big }, ...smalls, { name: 'exactly-slab', content: randomBytes(256 * 1024) }];
    const stats = await unpack(await layer(entries, { gzip: false }), rootfs, { compression: 'none' });
    assert.equal(stats.files, 602);
    assert.equal(stats.bytesWritten, entries.reduce((sum, e) => sum + e.content.length, 0));
    for (const e of entries) assert.ok((await readFile(join(rootfs, e.name))).equals(e.content), e.name);
    const again = await mkdtemp(join(tmp, 'gz-'));
    await unpack(await layer(entries), again, { compression: 'gzip' });
    assert.deepEqual(await tree(again), await tree(rootfs));
  });

  it('detects gzip by its magic bytes and refuses broken or unsupported blobs as invalid layers', async () => {
    const { rootfs } = await sandbox();
    const plain = await layer([{ name: 'plain', content: 'p' }], { gzip: false });
    const gz = await layer([{ name: 'gz', content: 'g' }]);
    assert.equal((await unpack(plain, rootfs)).files, 1);
    assert.equal((await unpack(gz, rootfs)).files, 1);
    assert.deepEqual(Object.keys(await tree(rootfs)), ['gz', 'plain']);
    const code = (c: string) => (err: unknown) => err instanceof ShipbenchError && err.code === c;
    await assert.rejects(unpack(plain, rootfs, { compression: 'gzip' }), code('invalid-layer'));
    await assert.rejects(unpack(gz.subarray(0, gz.length - 20), rootfs), code('invalid-layer'));
    await assert.rejects(unpack(plain.subarray(0, 700), rootfs), code('invalid-layer'));
    await assert.rejects(unpack(Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0, 0, 0, 0]), rootfs), code('unsupported-compression'));
  });

  describe('refuses every escape with unsafe-layer-entry, naming entry and layer, and stops', () => {
    const attempts: Array<{ what: string; entry: RegExp; entries: (outside: string) => TarEntry[] }> = [
      { what: '../x', entry: /"\.\.\/x"/, entries: () => [{ name: '../x', content: 'escaped' }] },
      { what: 'a/../../x', entry: /"a\/\.\.\/\.\.\/x"/, entries: () => [{ name: 'a/../../x', content: 'escaped' }] },
      { what: '/../x', entry: /"\/\.\.\/x"/, entries: () => [{ name: '/../x', content: 'escaped' }] },
      {
        what: 'a symlink to an absolute path, then a file through it',
        entry: /"a\/victim"/,
        entries: (outside) => [{ name: 'a', type: 'symlink', linkname: outside }, { name: 'a/victim', content: 'overwritten' }],
      },
      {
        what: 'a symlink to /etc, then a file through it',
        entry: /"etc-link\/shipbench-/,
        entries: () => [
          { name: 'etc-link', type: 'symlink', linkname: '/etc' },
          { name: `etc-link/shipbench-${process.pid}-sentinel`, content: 'escaped' },
        ],
      },
      {
        what: 'a symlink to ../../x, then a file through it',
        entry: /"d\/l\/x"/,
        entries: () => [{ name: 'd/l', type: 'symlink', linkname: '../../x' }, { name: 'd/l/x', content: 'escaped' }],
      },
      {
        what: 'a chain of symlinks that ends outside',
        entry: /"a\/victim"/,
        entries: () => [
          { name: 'b', type: 'symlink', linkname: 'c/../../outside' },
          { name: 'c', type: 'directory' },
          { name: 'a', type: 'symlink', linkname: 'b' },
          { name: 'a/victim', content: 'overwritten' },
        ],
      },
      {
        what: 'a directory entry through a symlink',
        entry: /"a\/newdir"/,
        entries: () => [{ name: 'a', type: 'symlink', linkname: '../outside' }, { name: 'a/newdir', type: 'directory' }],
      },
      {
        what: 'a whiteout through a symlink',
        entry: /"a\/\.wh\.victim"/,
        entries: () => [{ name: 'a', type: 'symlink', linkname: '../outside' }, { name: 'a/.wh.victim' }],
      },
      {
        what: 'an opaque marker through a symlink',
        entry: /"a\/\.wh\.\.wh\.\.opq"/,
        entries: () => [{ name: 'a', type: 'symlink', linkname: '../outside' }, { name: 'a/.wh..wh..opq' }],
      },
      {
        what: 'a whiteout of the parent directory',
        entry: /"sub\/\.wh\.\.\."/,
        entries: () => [{ name: 'sub/.wh...' }],
      },
      { what: 'a hard link to /etc/passwd', entry: /"h"/, entries: () => [{ name: 'h', type: 'link', linkname: '/etc/passwd' }] },
      { what: 'a hard link to ../../x', entry: /"h"/, entries: () => [{ name: 'h', type: 'link', linkname: '../../x' }] },
      {
        what: 'a hard link through a symlink',
        entry: /"h"/,
        entries: () => [{ name: 'a', type: 'symlink', linkname: '../outside' }, { name: 'h', type: 'link', linkname: 'a/victim' }],
      },
    ];
    for (const attempt of attempts) {
      it(attempt.what, async () => {
        const { dir, rootfs, outside } = await sandbox();
        const entries = [...attempt.entries(outside), { name: 'after-the-refusal', content: 'never written' }];
        // The hostile entries are gzipped and arrive after a benign lower layer, as they would from a registry.
        await unpack(await layer([{ name: 'base/file', content: 'base' }]), rootfs);
        await assert.rejects(unpack(await layer(entries), rootfs, { layer: 'sha256:hostile' }), unsafe(attempt.entry));
        await outsideUntouched(outside);
        await assert.rejects(lstat(join(dir, 'x')), { code: 'ENOENT' });
        await assert.rejects(lstat(join('/etc', `shipbench-${process.pid}-sentinel`)), { code: 'ENOENT' });
        await assert.rejects(lstat(join(rootfs, 'after-the-refusal')), { code: 'ENOENT' });
      });
    }

    it('a symlink left by a lower layer, written through by the next one', async () => {
      const { rootfs, outside } = await sandbox();
      await unpack(await layer([{ name: 'srv', type: 'symlink', linkname: '../outside' }]), rootfs);
      await assert.rejects(unpack(await layer([{ name: 'srv/victim', content: 'overwritten' }]), rootfs, { layer: 'sha256:hostile' }), unsafe(/"srv\/victim"/));
      await outsideUntouched(outside);
    });

    it('a symlink replacing a directory that earlier entries of the same layer wrote into', async () => {
      const { rootfs, outside } = await sandbox();
      const entries: TarEntry[] = [
        { name: 'd', type: 'directory' },
        ...Array.from({ length: 50 }, (_, i) => ({ name: `d/f${i}`, content: `f${i}` })),
        { name: 'd', type: 'symlink', linkname: '../outside' },
        { name: 'd/victim', content: 'overwritten' },
      ];
      await assert.rejects(unpack(await layer(entries), rootfs, { layer: 'sha256:hostile' }), unsafe(/"d\/victim"/));
      await outsideUntouched(outside);
    });
  });

  describe('unpacks a layout written by shipbench generate exactly as umoci does', { timeout: 600_000 }, () => {
    let images: string;
    before(async () => {
      images = join(tmp, 'generated');
      // `shipbench generate` of the tiny scenario, or within a run of the suite a copy of what it wrote there.
      await generateTinyLayouts(images);
    });

    it('incremental:l10n-1, every layer in order, gives umoci --rootless\'s file list and contents', async () => {
      const layout = join(images, 'incremental');
      const blob = (digest: string) => join(layout, 'blobs/sha256', digest.slice('sha256:'.length));
      const index = JSON.parse(await readFile(join(layout, 'index.json'), 'utf8')) as { manifests: Array<{ digest: string; annotations?: Record<string, string> }> };
      const descriptor = index.manifests.find((m) => m.annotations?.['org.opencontainers.image.ref.name'] === 'l10n-1');
      assert.ok(descriptor, 'l10n-1 is in index.json');
      const manifest = JSON.parse(await readFile(blob(descriptor.digest), 'utf8')) as { layers: Array<{ digest: string }> };
      assert.ok(manifest.layers.length >= 3, `several layers (${manifest.layers.length})`);

      const rootfs = join(tmp, 'ours');
      let whiteouts = 0;
      for (const l of manifest.layers) whiteouts += (await unpackLayer(createReadStream(blob(l.digest)), rootfs, { layer: l.digest })).whiteouts;
      assert.ok(whiteouts > 0, 'the image deletes files in a later layer');

      const theirs = await tree(await umociRootfs(layout, 'l10n-1', join(tmp, 'umoci-rootfs')));
      const ours = await tree(rootfs);
      assert.ok(Object.keys(ours).length > 100);
      assert.deepEqual(Object.keys(ours), Object.keys(theirs));
      assert.deepEqual(ours, theirs);
    });
  });
});
