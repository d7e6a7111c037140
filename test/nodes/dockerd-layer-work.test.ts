import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { lstat, mkdir, readdir, readFile, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { PassThrough, Readable } from 'node:stream';
import { test } from 'node:test';
import { gunzipSync, gzipSync } from 'node:zlib';
import { Crc64Iso } from '../../src/nodes/crc64-iso.ts';
import { registerLayerAsDockerd } from '../../src/nodes/dockerd-register-layer.ts';
import { unpackLayer, type UnpackOptions } from '../../src/nodes/rootfs-unpacker.ts';
import { RUNTIME_EMULATIONS } from '../../src/nodes/runtime-emulation.ts';
import { TarSplitPacker } from '../../src/nodes/tar-split-packer.ts';
import { tarOf } from '../support/tar-entries.ts';
import { inTempDir } from '../support/temp-dir.ts';

const DOCKER = RUNTIME_EMULATIONS.docker;
/** dockerd's way, not the emulation's default: the untar in a re-executed child per layer. */
const CHILD = { ...DOCKER, untar: 'child-per-layer' as const };
const DOCKER_OPTIONS: UnpackOptions = { ownerAndModeAlways: DOCKER.ownerAndModeAlways, statParentAndTarget: DOCKER.statParentAndTarget, dirAttributes: DOCKER.dirAttributes };
const CHAIN = `sha256:${'c'.repeat(64)}`;

interface SplitRecord {
  type: number;
  name?: string;
  size?: number;
  payload: string | null;
  position: number;
}

function packTarSplit(tar: Buffer, chunkBytes: number): string {
  let out = '';
  const packer = new TarSplitPacker((line) => (out += line), 'test');
  for (let at = 0; at < tar.length; at += chunkBytes) packer.push(tar.subarray(at, at + chunkBytes));
  packer.end();
  return out;
}

/** Every path under `root` with what an untar decides: type, mode, owner, mtime, content or link target. */
async function treeOf(root: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const entry of await readdir(root, { recursive: true, withFileTypes: true })) {
    const path = join(entry.parentPath, entry.name);
    const s = await lstat(path);
    const what = s.isSymbolicLink() ? `-> ${await readlink(path)}` : s.isFile() ? createHash('sha256').update(await readFile(path)).digest('hex') : 'dir';
    // Neither applier sets a symlink's times: it keeps the moment it was made.
    out.set(path.slice(root.length), `${s.mode.toString(8)} ${s.uid}:${s.gid} ${s.isSymbolicLink() ? '' : s.mtimeMs} ${s.nlink} ${what}`);
  }
  return out;
}

const LAYER = [
  { name: 'srv/', type: 'directory' as const, mtime: new Date('2020-01-02T03:04:05Z') },
  { name: 'srv/app/', type: 'directory' as const, mode: 0o750, mtime: new Date('2020-01-02T03:04:05Z') },
  { name: 'srv/app/index.php', content: '<?php echo "hello";\n'.repeat(40), mtime: new Date('2021-05-06T07:08:09Z') },
  { name: 'srv/app/empty', content: '', mode: 0o600 },
  { name: 'srv/app/current', type: 'symlink' as const, linkname: 'index.php' },
  { name: 'srv/app/same.php', type: 'link' as const, linkname: 'srv/app/index.php' },
  { name: `srv/${'long-directory-name-'.repeat(4)}/`, type: 'directory' as const },
  { name: `srv/${'long-directory-name-'.repeat(4)}/${'x'.repeat(120)}.php`, content: 'long' },
];

test('tar-split records of a real layer are byte for byte those dockerd 20.10.24 wrote for it (its layerdb tar-split.json.gz)', async () => {
  const fixture = join(import.meta.dirname, 'fixtures', 'dockerd-20.10.24-layer');
  const tar = gunzipSync(await readFile(join(fixture, 'layer.tar.gz')));
  const dockerd = gunzipSync(await readFile(join(fixture, 'tar-split.json.gz'))).toString('utf8');
  // Pipe-sized and odd-sized pieces alike: records do not depend on how the stream arrives.
  assert.equal(packTarSplit(tar, 65_536), dockerd);
  assert.equal(packTarSplit(tar, 509), dockerd);
});

test('CRC-64/ISO by folding the sparse polynomial equals the bit-at-a-time definition, at every alignment and split', () => {
  // The textbook reflected CRC: a bit at a time, the polynomial XORed in when a 1 leaves the register.
  const reference = (data: Uint8Array): string => {
    let crc = 0xffffffffffffffffn;
    for (const byte of data) {
      crc ^= BigInt(byte);
      for (let bit = 0; bit < 8; bit++) crc = crc & 1n ? (crc >> 1n) ^ 0xd800000000000000n : crc >> 1n;
    }
    return (crc ^ 0xffffffffffffffffn).toString(16).padStart(16, '0');
  };
  const bytes = Buffer.from(Array.from({ length: 301 }, (_, i) => (i * 151 + 7) & 0xff));
  for (let offset = 0; offset < 5; offset++) {
    for (const split of [0, 1, 3, 4, 9, 150]) {
      const data = bytes.subarray(offset);
      const crc = new Crc64Iso();
      crc.update(data.subarray(0, split));
      crc.update(data.subarray(split));
      assert.equal(crc.digest().toString('hex'), reference(data), `offset ${offset}, split at ${split}`);
    }
  }
});

test("tar-split's format: a file record per entry with its CRC-64/ISO, segments with every other byte, so records and contents rebuild the exact tar", async () => {
  // The CRC catalogue's check value for CRC-64/GO-ISO (Go's crc64.ISO): "123456789" -> 0xb90956c775a41001.
  const check = new Crc64Iso();
  check.update(Buffer.from('123456789'));
  assert.equal(check.digest().toString('hex'), 'b90956c775a41001');

  const tar = await tarOf(LAYER);
  const records = packTarSplit(tar, 1000)
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l) as SplitRecord);
  assert.deepEqual(records.map((r) => r.position), records.map((_, i) => i));
  const files = records.filter((r) => r.type === 1);
  assert.deepEqual(files.map((f) => f.name), LAYER.map((e) => e.name), 'one file record per entry, PAX long names resolved');
  for (const [i, f] of files.entries()) {
    const content = Buffer.from(LAYER[i]?.content ?? '');
    const crc = new Crc64Iso();
    crc.update(content);
    assert.equal(f.size, content.length === 0 ? undefined : content.length, `${f.name}: size, left out when 0`);
    assert.equal(f.payload, content.length === 0 ? null : crc.digest().toString('base64'), `${f.name}: checksum`);
  }
  // The last record is an empty segment, after the one holding the end marker.
  assert.deepEqual(records.at(-1), { type: 2, payload: '', position: records.length - 1 });
  const rebuilt = Buffer.concat(records.map((r, i) => (r.type === 2 ? Buffer.from(r.payload ?? '', 'base64') : Buffer.from(LAYER[files.indexOf(records[i] as SplitRecord)]?.content ?? ''))));
  assert.ok(rebuilt.equals(tar), 'segments and contents rebuild the tar byte for byte');
});

test('a layer untarred by a re-executed child gives the tree the in-process applier gives, and both the same layerdb record', () =>
  inTempDir('shipbench-untar-child-', async (root) => {
    const tar = await tarOf(LAYER);
    const diffId = `sha256:${createHash('sha256').update(tar).digest('hex')}`;
    await unpackLayer(Readable.from([tar]), join(root, 'plain'), DOCKER_OPTIONS);
    const expected = await treeOf(join(root, 'plain'));
    for (const [where, rules] of [['child', CHILD], ['in-process', DOCKER]] as const) {
      const node = join(root, where);
      const dir = join(node, 'layer');
      await mkdir(dir, { recursive: true });
      // Gzipped, so the parent decompresses and digests as dockerd does, and the untar gets the plain tar.
      const { stats, recordBytes } = await registerLayerAsDockerd(Readable.from([gzipSync(tar)]), { dir, root: node, chain: CHAIN, parent: undefined, diffId }, { ...DOCKER_OPTIONS, diffId, layer: 'l1' }, rules);
      assert.deepEqual(await treeOf(dir), expected, where);
      assert.equal(stats.files, 3);
      assert.equal(stats.hardlinks, 1);
      const record = join(node, 'layerdb', 'sha256', CHAIN.slice(7));
      assert.deepEqual((await readdir(record)).sort(), ['cache-id', 'diff', 'size', 'tar-split.json.gz']);
      assert.equal(await readFile(join(record, 'diff'), 'utf8'), diffId);
      assert.deepEqual(await readdir(join(node, 'layerdb', 'tmp')), [], 'the write set became the record');
      const tarSplit = gunzipSync(await readFile(join(record, 'tar-split.json.gz'))).toString('utf8');
      assert.equal(tarSplit, packTarSplit(tar, 4096), where);
      let onDisk = 0;
      for (const name of await readdir(record)) onDisk += (await lstat(join(record, name))).size;
      assert.equal(recordBytes, onDisk);
    }
  }));

test('a child killed mid-layer fails the layer, saying so, and leaves neither the layer directory nor its record', () =>
  inTempDir('shipbench-untar-killed-', async (root) => {
    const tar = await tarOf(LAYER);
    const dir = join(root, 'layer');
    await mkdir(dir);
    const input = new PassThrough();
    // Only the first entries: the child applies them, then waits for the rest of the layer.
    input.write(tar.subarray(0, 3 * 512 + 1024));
    let child: ChildProcess | undefined;
    const registering = registerLayerAsDockerd(input, { dir, root, chain: CHAIN, parent: undefined, diffId: 'sha256:0' }, { ...DOCKER_OPTIONS, compression: 'none', layer: 'l1' }, CHILD, (c) => (child = c));
    registering.catch(() => undefined);
    // Mid-layer: the first directory exists (synchronised on the file system, not on time).
    while ((await lstat(join(dir, 'srv/app')).catch(() => undefined)) === undefined) await new Promise((r) => setTimeout(r, 20));
    child?.kill('SIGKILL');
    await assert.rejects(registering, /layer l1: its untar process \(pid \d+\) was killed by SIGKILL before the layer was applied/);
    await assert.rejects(lstat(dir), { code: 'ENOENT' });
    assert.deepEqual(await readdir(join(root, 'layerdb', 'tmp')), []);
    await assert.rejects(readdir(join(root, 'layerdb', 'sha256')), { code: 'ENOENT' });
  }));

test("the child's own failure reaches the node with the applier's message, and the daemon's diff_id check still holds", () =>
  inTempDir('shipbench-untar-invalid-', async (root) => {
    const dir = join(root, 'layer');
    await mkdir(dir);
    const garbage = Readable.from([Buffer.alloc(1024, 0x41)]);
    await assert.rejects(registerLayerAsDockerd(garbage, { dir, root, chain: CHAIN, parent: undefined, diffId: 'sha256:0' }, { compression: 'none', layer: 'bad' }, CHILD), { code: 'invalid-layer', message: /layer bad is not a valid tar/ });
    await mkdir(dir);
    const tar = await tarOf(LAYER.slice(0, 3));
    await assert.rejects(registerLayerAsDockerd(Readable.from([tar]), { dir, root, chain: CHAIN, parent: undefined, diffId: `sha256:${'0'.repeat(64)}` }, { compression: 'none', layer: 'l2', diffId: `sha256:${'0'.repeat(64)}` }, CHILD), {
      code: 'invalid-layer',
      message: /layer l2 unpacks to sha256:[0-9a-f]{64}, not its diff_id/,
    });
    await assert.rejects(lstat(dir), { code: 'ENOENT' });
  }));

test("an in-process untar starts once the re-exec's start has passed, the tar held meanwhile", () =>
  inTempDir('shipbench-untar-reexec-', async (root) => {
    const tar = await tarOf(LAYER);
    const diffId = `sha256:${createHash('sha256').update(tar).digest('hex')}`;
    const dir = join(root, 'layer');
    await mkdir(dir);
    const reexecSeconds = 0.5;
    // Ordered by the timers, not by how fast the machine is: this one expires first whatever the load.
    const early = new Promise<string[]>((resolve) => setTimeout(() => resolve(readdir(dir)), 50));
    const started = performance.now();
    const { stats } = await registerLayerAsDockerd(Readable.from([tar]), { dir, root, chain: CHAIN, parent: undefined, diffId }, { ...DOCKER_OPTIONS, compression: 'none', diffId, layer: 'l1' }, { ...DOCKER, reexecSeconds });
    assert.deepEqual(await early, [], 'nothing untarred before the re-exec is up');
    // A timer may fire a little early against performance.now() (libuv's loop time is taken per iteration).
    assert.ok((performance.now() - started) / 1000 >= 0.9 * reexecSeconds && stats.seconds >= 0.9 * reexecSeconds, "the layer's apply holds the wait");
    assert.equal(stats.files, 3);
    assert.deepEqual(await readdir(dir), ['srv']);
  }));

test('docker records tar-split and waits out its re-exec, untarring in-process unless asked for a child per layer (measured too costly); containerd neither', () => {
  assert.equal(RUNTIME_EMULATIONS.docker.untar, 'in-process');
  assert.ok(RUNTIME_EMULATIONS.docker.reexecSeconds > 0);
  assert.equal(RUNTIME_EMULATIONS.containerd.reexecSeconds, 0);
  assert.equal(RUNTIME_EMULATIONS.docker.tarSplit, true);
  assert.equal(RUNTIME_EMULATIONS.containerd.untar, 'in-process');
  assert.equal(RUNTIME_EMULATIONS.containerd.tarSplit, false);
});
