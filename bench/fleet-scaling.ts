/**
 * Does the harness scale? The same cold pull by 4 and by 16 virtual nodes at once, in one run against the
 * same embedded registry and disk: aggregate throughput (bytes all nodes downloaded / makespan) with 16
 * nodes should be no lower than with 4, until the registry or the machine is the limit (the results then
 * carry a harness-saturation warning, printed here).
 *
 *   npx tsx bench/fleet-scaling.ts [scale] [--unpack]     (default scale 0.02: about 170 MiB of content)
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatBytes } from '../src/core/units.ts';
import { runResultsSchema } from '../src/report/results.ts';
import { measure } from './peak-rss.ts';

const scale = Number(process.argv.find((a) => /^[\d.]+$/.test(a)) ?? 0.02);
// Pull path alone by default (registry -> node content stores); `--unpack` adds unpacking, which on one
// machine makes every node's CPU the same two cores, so it measures the harness more than the fleet.
const unpack = process.argv.includes('--unpack');
const work = await mkdtemp(join(tmpdir(), 'shipbench-bench-fleet-'));
try {
  const rows: Array<{ nodes: number; bytes: number; makespan: number; warnings: string[] }> = [];
  for (const nodes of [4, 16]) {
    const scenario = join(work, `fleet-${nodes}.yaml`);
    await writeFile(
      scenario,
      `name: bench-fleet\nseed: 7\ncontent: { preset: mediawiki-multiversion, scale: ${scale} }\nimage: { strategies: [monolithic] }\ndeploy: [initial]\nfleet: { nodes: ${nodes}, node: { unpack: ${unpack} } }\nmeasure: { repeat: 3 }\n`,
    );
    const out = join(work, `out-${nodes}`);
    await measure(`cd ${work} && node ${join(process.cwd(), 'bin/shipbench.js')} run ${scenario} --out ${out} >/dev/null 2>&1`);
    const results = runResultsSchema.parse(JSON.parse(await readFile(join(out, 'results.json'), 'utf8')));
    // Best of the repeats: the least disturbed by the rest of the machine.
    const best = results.steps.reduce((a, b) => (b.bytesDownloaded / b.makespanSeconds > a.bytesDownloaded / a.makespanSeconds ? b : a));
    rows.push({ nodes, bytes: best.bytesDownloaded, makespan: best.makespanSeconds, warnings: results.warnings.map((w) => w.kind) });
  }
  for (const r of rows) {
    console.log(`${String(r.nodes).padStart(2)} nodes: ${formatBytes(r.bytes)} in ${r.makespan.toFixed(2)} s = ${(r.bytes / r.makespan / 1e6).toFixed(1)} MB/s aggregate${r.warnings.length > 0 ? `  [${r.warnings.join(', ')}]` : ''}`);
  }
  const [four, sixteen] = rows;
  if (four && sixteen) {
    console.log(`aggregate throughput ratio 16 / 4 nodes: ${((sixteen.bytes / sixteen.makespan) / (four.bytes / four.makespan)).toFixed(2)} (target >= 1.00)`);
  }
} finally {
  await rm(work, { recursive: true, force: true });
}
