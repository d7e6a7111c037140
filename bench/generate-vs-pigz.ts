/**
 * Throughput and memory of `shipbench generate` against `tar -c TREE | pigz -1 -p 2` on the same
 * materialised tree, in the same run on the same machine (the peer sets the bar, not a fixed number).
 *
 *   npx tsx bench/generate-vs-pigz.ts [bench/scenarios/generate-1gib.yaml]
 *
 * Both sides read or make the same content and write a gzip stream to the same disk; generate also
 * synthesises the bytes and hashes the tar and the blob (diff_id and digest), which pigz does not.
 */
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatBytes } from '../src/core/units.ts';
import { measure } from './peak-rss.ts';

const scenario = process.argv[2] ?? 'bench/scenarios/generate-1gib.yaml';
const work = await mkdtemp(join(tmpdir(), 'shipbench-bench-'));
const MB = 1e6;
try {
  // The plain tree for the peer (written by shipbench itself, then read back by tar from the page cache).
  await measure(`node bin/shipbench.js generate ${scenario} --out ${join(work, 'tree-src')} --tree >/dev/null 2>&1`);
  const treeDir = join(work, 'tree-src', 'trees', 'initial');
  const treeBytes = Number((await measure(`du -sb --apparent-size ${treeDir} | cut -f1`)).stdout.trim());

  const results: Array<{ name: string; seconds: number; bytes: number; rss: number }> = [];
  for (let round = 0; round < 2; round++) {
    await rm(join(work, 'gen'), { recursive: true, force: true });
    const gen = await measure(`node bin/shipbench.js generate ${scenario} --out ${join(work, 'gen')} 2>/dev/null`);
    const tarBytes = Number(/\(([\d.]+) (GiB|MiB) tar/.exec(gen.stdout)?.[1] ?? 0) * (/GiB tar/.test(gen.stdout) ? 2 ** 30 : 2 ** 20);
    results.push({ name: 'shipbench generate', seconds: gen.seconds, bytes: tarBytes, rss: gen.peakRssBytes });
    const pigz = await measure(`tar -c -C ${treeDir} . | pigz -1 -p 2 > ${join(work, 'peer.tar.gz')}`);
    results.push({ name: 'tar | pigz -1 -p 2', seconds: pigz.seconds, bytes: treeBytes, rss: pigz.peakRssBytes });
  }
  const best = (name: string) => results.filter((r) => r.name === name).sort((a, b) => a.seconds - b.seconds)[0];
  const ours = best('shipbench generate');
  const peer = best('tar | pigz -1 -p 2');
  if (ours === undefined || peer === undefined) throw new Error('no results');
  const rate = (r: { bytes: number; seconds: number }) => r.bytes / r.seconds / MB;
  console.log(`scenario: ${scenario}; content ${formatBytes(treeBytes)} of code (+ base) ; best of 2 rounds`);
  for (const r of [ours, peer]) console.log(`${r.name.padEnd(22)} ${r.seconds.toFixed(2)} s  ${rate(r).toFixed(1)} MB/s  peak RSS ${formatBytes(r.rss)}`);
  console.log(`throughput ratio generate / (tar | pigz): ${(rate(ours) / rate(peer)).toFixed(2)} (target >= 1.00)`);
  console.log(`peer blob ${formatBytes((await stat(join(work, 'peer.tar.gz'))).size)}`);
} finally {
  await rm(work, { recursive: true, force: true });
}
