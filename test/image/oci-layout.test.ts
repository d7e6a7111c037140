import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createContentSynthesizer } from '../../src/content/content-synthesizer.ts';
import { compareEntryPaths, type FileEntry } from '../../src/content/file-entry.ts';
import { ShipbenchError } from '../../src/core/errors.ts';
import type { BuiltLayer, LayerSpec } from '../../src/image/layer-spec.ts';
import { writeLayer } from '../../src/image/layer-writer.ts';
import { readImage, readLayout, readLayoutIndex } from '../../src/image/oci-layout-reader.ts';
import { linkBlob, writeImage, writeIndex, type WrittenImage } from '../../src/image/oci-layout-writer.ts';
import { GzipWorkerPool } from '../../src/image/parallel-gzip.ts';
import { skopeo, skopeoInspect, umociRootfs } from '../support/peer-tools.ts';

const synth = createContentSynthesizer(3);
const V = 'srv/mediawiki/php-1.45.0-wmf.1';
const LONG = `${V}/extensions/${'VeryLongExtensionName'.repeat(6)}/includes/${'DeeplyNestedSpecialPage'.repeat(5)}.php`;

function file(path: string, bytes: number, options: { mode?: number; key?: string } = {}): FileEntry {
  return { path, bytes, mode: options.mode ?? 0o644, kind: 'php', contentKey: options.key ?? `key:${path}`, component: 'core', version: undefined };
}

function spec(role: string, files: FileEntry[], whiteouts: string[] = []): LayerSpec {
  return { role, files: [...files].sort(compareEntryPaths), whiteouts: [...whiteouts].sort() };
}

const base = spec('base', [
  ...Array.from({ length: 40 }, (_, i) => file(`${V}/includes/Class${i}.php`, 500 + i * 97)),
  file(`${V}/extensions/Obsolete/Obsolete.php`, 2000),
  file(`${V}/extensions/Obsolete/i18n/en.json`, 300),
  file(`${V}/extensions/Cite/Cite.php`, 4000),
  file(`${V}/maintenance/run.sh`, 150, { mode: 0o755 }),
  file(`${V}/cache/l10n/l10n_cache-en.cdb`, 3 * 2 ** 20),
  file(LONG, 1234),
]);
const config = spec('config', [file('srv/mediawiki/wmf-config/CommonSettings.php', 9000), file('srv/mediawiki/wmf-config/Old.php', 800)]);
const backport1 = spec(
  'deploy backport-1',
  [file(`${V}/includes/Class3.php`, 777, { key: 'revised' }), file(`${V}/includes/NewThing.php`, 321)],
  ['srv/mediawiki/wmf-config/Old.php', `${V}/extensions/Obsolete`],
);
const backport2 = spec('deploy backport-2', [file('srv/mediawiki/wmf-config/CommonSettings.php', 9100, { key: 'revised-2' })]);

/** What a node sees once the layers are stacked: later files replace earlier ones, whiteouts delete. */
function finalState(specs: LayerSpec[]): Map<string, FileEntry> {
  const state = new Map<string, FileEntry>();
  for (const s of specs) {
    for (const gone of s.whiteouts) {
      for (const path of [...state.keys()]) if (path === gone || path.startsWith(`${gone}/`)) state.delete(path);
    }
    for (const f of s.files) state.set(f.path, f);
  }
  return state;
}

async function regularFiles(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => relative(root, join(e.parentPath, e.name)))
    .sort();
}

function expectCode(code: string, pattern: RegExp) {
  return (err: unknown) => {
    assert.ok(err instanceof ShipbenchError, String(err));
    assert.equal(err.code, code);
    assert.match(err.message, pattern);
    return true;
  };
}

describe('OCI layout', () => {
  let tmp: string;
  let layout: string;
  const pool = new GzipWorkerPool();
  const layers = new Map<string, BuiltLayer>();
  const images = new Map<string, WrittenImage>();
  const stacks: Record<string, LayerSpec[]> = {
    initial: [base, config],
    'backport-1': [base, config, backport1],
    'backport-2': [base, config, backport1, backport2],
  };

  before(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'shipbench-oci-'));
    layout = join(tmp, 'layout');
    const store = join(tmp, 'store');
    for (const s of [base, config, backport1, backport2]) layers.set(s.role, await writeLayer(s, synth, { kind: 'gzip', level: 1, engine: 'libdeflate' }, pool, store));
    for (const [tag, stack] of Object.entries(stacks)) {
      const built = stack.map((s) => layers.get(s.role) as BuiltLayer);
      for (const l of built) await linkBlob(store, layout, l.digest);
      images.set(tag, await writeImage(layout, { layers: built, tag }));
    }
    await writeIndex(
      layout,
      [...images.values()].map((i) => ({ manifestDigest: i.manifestDigest, size: i.manifestBytes, tag: i.tag })),
    );
  });
  after(async () => {
    await pool.close();
    await rm(tmp, { recursive: true, force: true });
  });

  it('reads back what it wrote', async () => {
    const read = await readLayout(layout);
    assert.deepEqual(
      read.map((i) => i.tag),
      ['initial', 'backport-1', 'backport-2'],
    );
    for (const image of read) {
      const stack = stacks[image.tag] as LayerSpec[];
      const built = stack.map((s) => layers.get(s.role) as BuiltLayer);
      assert.equal(image.manifestDigest, images.get(image.tag)?.manifestDigest);
      assert.deepEqual(
        image.manifest.layers.map((l) => [l.digest, l.size, l.annotations?.['io.shipbench.layer.role']]),
        built.map((l) => [l.digest, l.bytes, l.role]),
      );
      assert.deepEqual(image.config.rootfs.diff_ids, built.map((l) => l.diffId));
      assert.deepEqual(image.config.history?.map((h) => h.created_by), built.map((l) => l.role));
    }
  });

  it('gives the same digests for the same image, and shares blobs by hard link', async () => {
    const again = await writeImage(layout, { layers: stacks.initial?.map((s) => layers.get(s.role) as BuiltLayer) ?? [], tag: 'initial' });
    assert.deepEqual(again, images.get('initial'));
    const baseDigest = (layers.get('base') as BuiltLayer).digest;
    const linked = await stat(join(layout, 'blobs', 'sha256', baseDigest.slice(7)));
    assert.ok(linked.nlink >= 2);
    assert.equal(await linkBlob(join(tmp, 'store'), layout, baseDigest), 'present');
  });

  it('skopeo inspect reads each tag with the right layer digests', async () => {
    for (const tag of ['initial', 'backport-1']) {
      const info = await skopeoInspect(layout, tag);
      assert.equal(info.Digest, images.get(tag)?.manifestDigest);
      assert.deepEqual(
        info.Layers,
        stacks[tag]?.map((s) => layers.get(s.role)?.digest),
      );
    }
  });

  it('skopeo copy verifies every blob digest', async () => {
    const target = join(tmp, 'copied');
    await skopeo('copy', `oci:${layout}:backport-1`, `dir:${target}`);
    const names = await readdir(target);
    for (const l of stacks['backport-1'] ?? []) assert.ok(names.includes((layers.get(l.role) as BuiltLayer).digest.slice(7)), l.role);
  });

  it('umoci unpacks the final state: whited-out file and directory gone, the rest byte-identical', async () => {
    for (const tag of ['backport-1', 'backport-2']) {
      const rootfs = await umociRootfs(layout, tag, join(tmp, `rootfs-${tag}`));
      const expected = finalState(stacks[tag] ?? []);
      assert.deepEqual(await regularFiles(rootfs), [...expected.keys()].sort());
      for (const entry of expected.values()) {
        const want = Buffer.alloc(entry.bytes);
        synth.fill(entry, want);
        const path = join(rootfs, entry.path);
        assert.ok((await readFile(path)).equals(want), entry.path);
        assert.equal((await stat(path)).mode & 0o777, entry.mode, entry.path);
      }
      await assert.rejects(stat(join(rootfs, V, 'extensions', 'Obsolete')), { code: 'ENOENT' });
      await assert.rejects(stat(join(rootfs, 'srv/mediawiki/wmf-config/Old.php')), { code: 'ENOENT' });
    }
  });

  it('refuses what is not an OCI layout, saying what is missing', async () => {
    const empty = join(tmp, 'not-a-layout');
    await mkdir(empty);
    await assert.rejects(readLayoutIndex(empty), expectCode('oci-layout-not-found', /missing oci-layout, index\.json, blobs\/sha256/));
    await assert.rejects(readLayoutIndex(join(tmp, 'nowhere')), expectCode('oci-layout-not-found', /does not exist/));
    await assert.rejects(readImage(layout, 'latest'), expectCode('oci-tag-not-found', /latest/));
    try {
      await readImage(layout, 'latest');
    } catch (err) {
      assert.match((err as ShipbenchError).hint ?? '', /initial, backport-1, backport-2/);
    }
  });

  it('detects a descriptor that does not match its blob, and layers missing from the layout', async () => {
    const bad = join(tmp, 'bad');
    const initial = images.get('initial') as WrittenImage;
    await writeIndex(bad, [{ manifestDigest: initial.manifestDigest, size: initial.manifestBytes + 1, tag: 'initial' }]);
    await assert.rejects(readImage(bad, 'initial'), expectCode('blob-missing', /is missing/));
    await linkBlob(join(layout, 'blobs'), bad, initial.manifestDigest);
    await assert.rejects(readImage(bad, 'initial'), expectCode('blob-digest-mismatch', /does not match its digest/));
    await assert.rejects(
      writeImage(bad, { layers: [layers.get('base') as BuiltLayer], tag: 'x' }),
      expectCode('oci-layer-blob-missing', /layer base/),
    );
    await assert.rejects(writeImage(bad, { layers: [], tag: ':bad' }), expectCode('oci-invalid-tag', /:bad/));
  });
});
