import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { after, before, describe, it } from 'node:test';
import type { NodeDisk } from '../../src/metrics/node-disk.ts';
import { VirtualNode } from '../../src/nodes/virtual-node.ts';
import { DistributionClient } from '../../src/registry/distribution-client.ts';
import { type EmbeddedRegistry, startEmbeddedRegistry } from '../../src/registry/embedded-registry.ts';
import { pushLayoutImage } from '../../src/registry/push-layout.ts';
import type { ResolvedImageGC } from '../../src/scenario/image-gc.ts';
import { generateTinyLayouts } from '../support/registry-process.ts';

/** Apparent bytes of every regular file under `dir`: what the node really has on disk. */
async function fileBytes(dir: string): Promise<number> {
  let n = 0;
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true }).catch(() => [])) {
    if (entry.isFile()) n += (await stat(join(entry.parentPath, entry.name))).size;
  }
  return n;
}

/** A week of deploys on one virtual node against the real registry: the kubelet-like image GC really deletes. */
describe('virtual node image GC', { timeout: 300_000 }, () => {
  let work: string;
  let registry: EmbeddedRegistry;
  let tags: string[];
  const runStartMs = performance.now();
  const node = (name: string, imageGC: ResolvedImageGC) =>
    new VirtualNode({ name, dir: join(work, 'nodes', name), registryUrl: registry.url, auth: undefined, maxConcurrentDownloads: 3, nicBitsPerSecond: undefined, diskWriteBytesPerSecond: undefined, unpack: true, imageGC });
  /** Deploys `sequence` in order; the node's disk after each step. */
  const week = async (n: VirtualNode, sequence: readonly string[]): Promise<NodeDisk[]> => {
    await n.reset();
    const disks: NodeDisk[] = [];
    for (const tag of sequence) {
      const sample = await n.deploy({ repository: 't/per-version', tag, step: tag, strategy: 'per-version', repeat: 0, runStartMs });
      assert.equal(sample.error, undefined);
      assert.ok(sample.nodeDisk !== undefined);
      disks.push(sample.nodeDisk);
    }
    return disks;
  };

  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'shipbench-gc-'));
    await generateTinyLayouts(join(work, 'images'));
    const index = JSON.parse(await readFile(join(work, 'images', 'per-version', 'index.json'), 'utf8')) as { manifests: Array<{ annotations?: Record<string, string> }> };
    tags = index.manifests.map((m) => m.annotations?.['org.opencontainers.image.ref.name'] ?? '').filter((t) => t !== '');
    registry = await startEmbeddedRegistry();
    const client = new DistributionClient({ baseUrl: registry.url });
    for (const tag of tags) await pushLayoutImage(client, join(work, 'images', 'per-version'), tag, 't/per-version');
    await client.close();
  });
  after(async () => {
    await registry?.stop();
    await rm(work, { recursive: true, force: true });
  });

  it('thresholds: disk held stays under high, GC frees least-recently-used images down to low, and the files are really gone', async () => {
    assert.ok(tags.length >= 4, `tags: ${tags.join(', ')}`);
    // What each image takes alone (keep 1) and what the node accumulates without GC (keep all): two nodes of
    // their own, side by side (what a node holds does not depend on when its writes land).
    const [alone, all] = await Promise.all([week(node('alone', { kind: 'keep-last', images: 1 }), tags), week(node('all', { kind: 'keep-last', images: 100 }), tags)]);
    assert.ok(all.every((d) => d.gcFreedBytes === 0) && all.at(-1)!.imagesHeld === tags.length);
    const largest = Math.max(...alone.map((d) => d.heldBytes));
    const grown = all.at(-1)!.heldBytes;
    assert.ok(grown > 2 * largest, `a week without GC (${grown}) outgrows any one image (${largest})`);
    const diskBytes = 4 * grown;
    const lowBytes = Math.floor(largest * 1.2);
    const highBytes = Math.floor(largest * 1.6);
    const policy: ResolvedImageGC = { kind: 'thresholds', high: highBytes / diskBytes, low: lowBytes / diskBytes, highBytes, lowBytes, diskBytes };
    const gc = node('gc', policy);
    const disks = await week(gc, tags);
    for (const [i, d] of disks.entries()) {
      assert.ok(d.heldBytes <= highBytes, `step ${tags[i]}: held ${d.heldBytes} above high ${highBytes}`);
      // A collection goes down to low (or to the in-use image alone).
      if (d.gcImagesRemoved > 0) assert.ok(d.heldBytes <= lowBytes || d.imagesHeld === 1, `step ${tags[i]}: held ${d.heldBytes} after GC, low ${lowBytes}`);
    }
    assert.ok(disks.reduce((n, d) => n + d.gcFreedBytes, 0) > 0, 'GC freed bytes');
    assert.ok(disks.reduce((n, d) => n + d.gcImagesRemoved, 0) >= 1, 'GC removed images');
    // What the node says it holds is what its disk holds: removed images' blobs and snapshots were deleted.
    assert.equal(await fileBytes(join(work, 'nodes', 'gc')), disks.at(-1)!.heldBytes);
    await Promise.all([gc.close()]);
  });

  it('keep-last: a rolled-back image counts as recently used, so the one in between goes first', async () => {
    const [first, second, third] = tags as [string, string, string];
    const n = node('lru', { kind: 'keep-last', images: 2 });
    const disks = await week(n, [first, second, first, third]);
    assert.deepEqual(disks.map((d) => d.imagesHeld), [1, 2, 2, 2]);
    assert.equal(disks[3]!.gcImagesRemoved, 1);
    // The rollback target (first) stays: deploying it again needs nothing from the registry.
    const again = await n.deploy({ repository: 't/per-version', tag: first, step: first, strategy: 'per-version', repeat: 0, runStartMs });
    assert.equal(again.error, undefined);
    assert.equal(again.bytesDownloaded, 0);
    assert.equal(await fileBytes(join(work, 'nodes', 'lru')), again.nodeDisk?.heldBytes);
    await n.close();
  });
});
