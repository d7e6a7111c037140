/**
 * Time and peak memory of `shipbench check` on an image over 2 GiB (uncompressed), read as an OCI layout
 * and as a docker-archive, against peers doing the same reading in the same run: `tar -tzf` over every
 * layer blob (gunzip + list, what the layout check does besides hashing and counting) and `tar -tf` over
 * the archive's layers (`tar -xOf ARCHIVE LAYER | tar -t`); `skopeo inspect` shows the cost of reading
 * manifests alone.
 *
 *   npx tsx bench/check-2gib.ts [LAYOUT_DIR]
 *
 * Without LAYOUT_DIR it generates bench/scenarios/generate-2gib.yaml (2.25 GiB of tar in one monolithic
 * image) first.
 */
import { readFile, writeFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatBytes, formatSeconds } from '../src/core/units.ts';
import { measure, type Measured } from './peak-rss.ts';

const work = await mkdtemp(join(tmpdir(), 'shipbench-bench-check-'));
try {
  let layout = process.argv[2];
  if (layout === undefined) {
    await measure(`node bin/shipbench.js generate bench/scenarios/generate-2gib.yaml --out ${join(work, 'gen')} >/dev/null 2>&1`);
    layout = join(work, 'gen', 'monolithic');
  }
  const index = JSON.parse(await readFile(join(layout, 'index.json'), 'utf8')) as { manifests: Array<{ digest: string; annotations?: Record<string, string> }> };
  const entry = index.manifests[0];
  if (entry === undefined) throw new Error(`${layout} holds no image`);
  const tag = entry.annotations?.['org.opencontainers.image.ref.name'] ?? 'latest';
  const blob = (digest: string) => join(layout as string, 'blobs', 'sha256', digest.replace(/^sha256:/, ''));
  const manifest = JSON.parse(await readFile(blob(entry.digest), 'utf8')) as { layers: Array<{ digest: string; size: number }> };
  const blobs = manifest.layers.map((l) => blob(l.digest));
  const budgets = join(work, 'budgets.yaml');
  await writeFile(budgets, 'budgets:\n  - { metric: compressed-size, max: 10GiB }\n  - { metric: efficiency, min: 50% }\n');

  const rows: Array<[string, Measured]> = [];
  const run = async (label: string, command: string) => {
    const m = await measure(command);
    rows.push([label, m]);
    return m;
  };
  const archive = join(work, 'image.tar');
  await measure(`skopeo copy -q oci:${layout}:${tag} docker-archive:${archive}:bench/check:latest`);
  const archiveLayers = (JSON.parse((await measure(`tar -xOf ${archive} manifest.json`)).stdout) as Array<{ Layers: string[] }>)[0]?.Layers ?? [];
  const tarBytes = Number((await measure(`zcat ${blobs.join(' ')} | wc -c`)).stdout.trim());

  const json = join(work, 'check.json');
  await run('shipbench check (OCI layout)', `node bin/shipbench.js check ${layout} --budgets ${budgets} --json ${json} >/dev/null 2>&1`);
  await run('peer: tar -tzf each layer blob', blobs.map((b) => `tar -tzf ${b} >/dev/null`).join(' && '));
  await run('peer: skopeo inspect (manifests only)', `skopeo inspect oci:${layout}:${tag} >/dev/null`);
  await run('shipbench check (docker-archive, gzip -6 estimate)', `node bin/shipbench.js check ${archive} --budgets ${budgets} >/dev/null 2>&1`);
  await run('shipbench check (docker-archive, gzip -1 estimate)', `node bin/shipbench.js check ${archive} --budgets ${budgets} --gzip-level 1 >/dev/null 2>&1`);
  await run('peer: tar -xOf ARCHIVE LAYER | tar -t', archiveLayers.map((l) => `tar -xOf ${archive} ${l} | tar -t >/dev/null`).join(' && '));
  await run('peer: tar -xOf ... | gzip -6 | wc -c', archiveLayers.map((l) => `tar -xOf ${archive} ${l} | gzip -6 | wc -c >/dev/null`).join(' && '));

  const report = JSON.parse(await readFile(json, 'utf8')) as { measurements: Array<{ metric: string; value: number }> };
  const figure = (metric: string) => report.measurements.find((m) => m.metric === metric)?.value ?? Number.NaN;
  console.log(`image: ${layout}:${tag}, ${blobs.length} layers, ${formatBytes(figure('compressed-size'))} compressed, ${formatBytes(tarBytes)} uncompressed (${formatBytes(figure('uncompressed-size'))} by check)`);
  for (const [label, m] of rows) {
    console.log(`${label.padEnd(52)} ${formatSeconds(m.seconds).padStart(10)}  ${(tarBytes / m.seconds / 2 ** 20).toFixed(0).padStart(5)} MiB/s of tar  peak RSS ${formatBytes(m.peakRssBytes)}`);
  }
  const find = (prefix: string) => rows.find(([label]) => label.startsWith(prefix))?.[1];
  const ours = find('shipbench check (OCI');
  const peer = find('peer: tar -tzf');
  if (ours && peer) console.log(`OCI layout: time ratio check / tar -tzf = ${(ours.seconds / peer.seconds).toFixed(2)}; peak RSS ${formatBytes(ours.peakRssBytes)} for ${formatBytes(tarBytes)} of layers`);
  const arc = find('shipbench check (docker-archive, gzip -6');
  const arcPeer = find('peer: tar -xOf ... | gzip -6');
  if (arc && arcPeer) console.log(`docker-archive: time ratio check / (tar -xOf | gzip -6) = ${(arc.seconds / arcPeer.seconds).toFixed(2)}`);
} finally {
  await rm(work, { recursive: true, force: true });
}
