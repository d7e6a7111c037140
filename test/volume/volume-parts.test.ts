import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ShipbenchError } from '../../src/core/errors.ts';
import { versionSkewOf } from '../../src/metrics/volume-sample.ts';
import { resolveScenario } from '../../src/scenario/resolve.ts';
import { containedPath } from '../../src/volume/contained-path.ts';
import { rebuildL10nCaches } from '../../src/volume/l10n-rebuild.ts';
import { chooseProxy } from '../../src/volume/proxy-assignment.ts';
import { rsyncVersion } from '../../src/volume/rsync-binary.ts';
import { rsyncdConfig } from '../../src/volume/rsync-daemon.ts';
import { parseRsyncStats } from '../../src/volume/rsync-stats.ts';

const STATS = `
Number of files: 4 (reg: 2, dir: 2)
Number of created files: 3 (reg: 2, dir: 1)
Number of deleted files: 1 (reg: 1)
Number of regular files transferred: 2
Total file size: 100,003 bytes
Total transferred file size: 100,003 bytes
Literal data: 99,003 bytes
Matched data: 1,000 bytes
File list size: 95
Total bytes sent: 81
Total bytes received: 100,231

sent 81 bytes  received 100,231 bytes  200,624.00 bytes/sec
`;

describe('volume parts', () => {
  it('reads rsync --stats counters, thousands separators included', () => {
    assert.deepEqual(parseRsyncStats(STATS), {
      filesTransferred: 2,
      filesCreated: 3,
      filesDeleted: 1,
      totalFileBytes: 100_003,
      transferredFileBytes: 100_003,
      literalBytes: 99_003,
      matchedBytes: 1_000,
      bytesSent: 81,
      bytesReceived: 100_231,
    });
    assert.throws(() => parseRsyncStats('rsync: connection unexpectedly closed'), /no --stats counters/);
  });

  it('round robin keeps a node on its proxy and moves on past a dead one; least loaded takes the idlest', () => {
    const up = [0, 1, 2].map((index) => ({ index, alive: true, active: 0 }));
    assert.deepEqual([0, 1, 2, 3, 4].map((n) => chooseProxy('round-robin', n, up)), [0, 1, 2, 0, 1]);
    const oneDown = up.map((p) => (p.index === 1 ? { ...p, alive: false } : p));
    assert.equal(chooseProxy('round-robin', 1, oneDown), 2);
    assert.equal(chooseProxy('round-robin', 1, up, new Set([1, 2])), 0);
    const loads = [{ index: 0, alive: true, active: 3 }, { index: 1, alive: true, active: 1 }, { index: 2, alive: false, active: 0 }];
    assert.equal(chooseProxy('least-loaded', 0, loads), 1);
    assert.equal(chooseProxy('least-loaded', 0, loads.map((p) => ({ ...p, alive: false }))), undefined);
  });

  it('refuses paths that leave the work dir', () => {
    assert.equal(containedPath('/w', 'nodes', 'node-1'), '/w/nodes/node-1');
    for (const parts of [['..', 'etc'], ['nodes', '../../x'], ['/etc'], ['.']]) {
      assert.throws(() => containedPath('/w', ...parts), (e: unknown) => e instanceof ShipbenchError && e.code === 'path-outside-work-dir', parts.join('/'));
    }
  });

  it('writes read-only modules and refuses names that would break the config', () => {
    const text = rsyncdConfig([{ name: 'step-0', path: '/t/initial' }], '/s/log');
    assert.match(text, /\[step-0\]\n {2}path = \/t\/initial\n {2}read only = yes/);
    assert.match(text, /use chroot = no/);
    assert.throws(() => rsyncdConfig([{ name: 'a]\n[b', path: '/t' }], '/s/log'));
    assert.throws(() => rsyncdConfig([{ name: 'a', path: '/t\nx = y' }], '/s/log'));
  });

  it('says how to install rsync when it is missing', async () => {
    await assert.rejects(rsyncVersion('/nonexistent/rsync'), (e: unknown) => e instanceof ShipbenchError && e.code === 'rsync-not-installed' && /apt-get install rsync/.test(e.hint ?? ''));
    assert.match(await rsyncVersion(), /^\d+\.\d+/);
  });

  it('version skew: first node done to last, with the per-node mixed window when there is one', () => {
    assert.deepEqual(versionSkewOf([3, 1, 2], true), { firstDoneSeconds: 1, lastDoneSeconds: 3, windowSeconds: 2, atomicPerNode: true });
    // The median of two is their mean (type 7), not the lower one.
    const mixed = versionSkewOf([1, 2], false, [0.5, 0.1])?.perNodeMixedSeconds;
    assert.equal(mixed?.max, 0.5);
    assert.ok(Math.abs((mixed?.p50 ?? 0) - 0.3) < 1e-12, `p50 ${mixed?.p50}`);
    assert.equal(versionSkewOf([], true), undefined);
  });

  it('the l10n rebuild never reads, writes or cleans through a symlink the tree shipped', async () => {
    const work = mkdtempSync(join(tmpdir(), 'shipbench-l10n-links-'));
    try {
      // Outside the node's tree: a stale CDB (the rebuild would delete it) and an upstream JSON (it would read it).
      const outside = join(work, 'outside');
      mkdirSync(join(outside, 'upstream'), { recursive: true });
      writeFileSync(join(outside, 'l10n_cache-xx.cdb'), 'stale');
      writeFileSync(join(outside, 'upstream', 'l10n_cache-en.cdb.json'), '{}');
      const node = join(work, 'node');
      mkdirSync(join(node, 'a', 'cache', 'l10n'), { recursive: true });
      symlinkSync(join(outside, 'upstream'), join(node, 'a', 'cache', 'l10n', 'upstream'));
      mkdirSync(join(node, 'b', 'cache'), { recursive: true });
      symlinkSync(outside, join(node, 'b', 'cache', 'l10n'));
      const scenario = resolveScenario({
        name: 'l10n-links',
        content: { preset: 'empty', components: ['a', 'b'].map((d) => ({ name: `l10n-${d}`, files: 1, size: '1MiB', kind: 'cdb' as const, dir: `${d}/cache/l10n` })) },
      }, join(work, 'scenario.yaml'));
      const figures = await rebuildL10nCaches(scenario, node, Date.now());
      assert.deepEqual([figures.languages, figures.removed], [0, 0]);
      assert.deepEqual(readdirSync(outside).sort(), ['l10n_cache-xx.cdb', 'upstream']);
      assert.deepEqual(readdirSync(join(node, 'a', 'cache', 'l10n')), ['upstream']);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });
});
