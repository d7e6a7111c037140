/**
 * Peak memory of `shipbench generate` on over 2 GiB of content: synthesis streams, so peak RSS must stay
 * flat (target: under 300 MB) however large the image is. Runs the 2 GiB scenario and, as a control in the
 * same run, one of half its size: the two peaks should be close.
 *
 *   npx tsx bench/generate-memory.ts
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatBytes } from '../src/core/units.ts';
import { measure } from './peak-rss.ts';

const TARGET_BYTES = 300e6;
const work = await mkdtemp(join(tmpdir(), 'shipbench-bench-mem-'));
try {
  const rows: Array<[string, number, string]> = [];
  for (const [label, file] of [
    ['~1 GiB', 'bench/scenarios/generate-1gib.yaml'],
    ['> 2 GiB', 'bench/scenarios/generate-2gib.yaml'],
  ] as const) {
    const out = join(work, label.replace(/\W/g, ''));
    const run = await measure(`node bin/shipbench.js generate ${file} --out ${out} 2>/dev/null`);
    rows.push([`${label} (${file})`, run.peakRssBytes, run.stdout.split('\n')[0] ?? '']);
    await rm(out, { recursive: true, force: true });
  }
  for (const [label, rss, summary] of rows) console.log(`${label}: peak RSS ${formatBytes(rss)} (${(rss / TARGET_BYTES).toFixed(2)} of the 300 MB target)\n    ${summary}`);
  const [small, large] = rows;
  if (small && large) console.log(`peak RSS ratio large / small content: ${(large[1] / small[1]).toFixed(2)} (flat memory: close to 1)`);
} finally {
  await rm(work, { recursive: true, force: true });
}
