/**
 * A node's l10n cache rebuild (upstream JSON -> CDB, as `volume.l10n: rebuild` does after each rsync) against
 * tinycdb (`cdb -c`, Debian tinycdb) building the same CDB from its own record format, on the same records in
 * the same run: the peer sets the bar (and the model's `rsync.l10nRebuild` default, 40MB/s, is checked here).
 *
 *   npx tsx bench/l10n-rebuild-vs-tinycdb.ts [languages=4]
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createContentSynthesizer } from '../src/content/content-synthesizer.ts';
import { parseUpstream, cdbFromUpstreamJson } from '../src/content/l10n/upstream-json.ts';
import { buildInitialTree } from '../src/content/tree-builder.ts';
import { resolveScenario } from '../src/scenario/resolve.ts';

const languages = Number(process.argv[2] ?? 4);
// Preset-sized caches: 2.1 GB over 449 languages, about 4.7 MB of CDB each.
const scenario = resolveScenario(
  { name: 'l10n-bench', seed: 1, content: { preset: 'empty', versions: 1, components: [{ name: 'l10n-cache', files: languages, size: `${Math.round(4.7 * languages)}MB`, kind: 'cdb', perVersion: true, dir: 'srv/mediawiki/php-{version}/cache/l10n' }] } },
  'l10n-bench.yaml',
);
const synth = createContentSynthesizer(scenario.seed);
const jsons = buildInitialTree(scenario).files.filter((f) => f.kind === 'json').map((f) => {
  const bytes = Buffer.allocUnsafe(f.bytes);
  synth.fill(f, bytes);
  return bytes;
});
const work = await mkdtemp(join(tmpdir(), 'shipbench-bench-l10n-'));
const MB = 1e6;
try {
  let jsonBytes = 0;
  const ours = performance.now();
  for (const json of jsons) {
    const cdb = cdbFromUpstreamJson(json);
    await writeFile(join(work, `ours-${jsonBytes}.cdb`), cdb);
    jsonBytes += json.length;
  }
  const oursSeconds = (performance.now() - ours) / 1000;
  // tinycdb's input (+klen,vlen:key->value) written beforehand: only its parse and build are timed.
  const inputs: string[] = [];
  for (const [i, json] of jsons.entries()) {
    const parts = parseUpstream(json).flatMap(([k, v]) => [Buffer.from(`+${k.length},${v.length}:`), k, Buffer.from('->'), v, Buffer.from('\n')]);
    inputs.push(join(work, `input-${i}`));
    await writeFile(inputs[i] as string, Buffer.concat([...parts, Buffer.from('\n')]));
  }
  const theirs = performance.now();
  for (const [i, input] of inputs.entries()) execFileSync('sh', ['-c', `cdb -c "${join(work, `theirs-${i}.cdb`)}" < "${input}"`]);
  const theirsSeconds = (performance.now() - theirs) / 1000;
  const same = (await Promise.all(jsons.map(async (json, i) => cdbFromUpstreamJson(json).equals(await readFile(join(work, `theirs-${i}.cdb`)))))).every(Boolean);
  console.log(`${jsons.length} languages, ${(jsonBytes / MB).toFixed(1)} MB of upstream JSON`);
  console.log(`shipbench JSON -> CDB: ${oursSeconds.toFixed(2)} s, ${(jsonBytes / MB / oursSeconds).toFixed(1)} MB/s of JSON`);
  console.log(`tinycdb cdb -c:       ${theirsSeconds.toFixed(2)} s (ratio ${(oursSeconds / theirsSeconds).toFixed(2)}x); same bytes: ${same}`);
} finally {
  await rm(work, { recursive: true, force: true });
}
