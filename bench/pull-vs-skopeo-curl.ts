/**
 * Pull throughput and memory of shipbench's distribution client against skopeo and curl: the same image
 * (about 1 GiB of MediaWiki-shaped content, monolithic), from the same embedded registry, in the same run.
 *
 *   npx tsx bench/pull-vs-skopeo-curl.ts [bench/scenarios/pull-1gib.yaml]
 *
 * Each side fetches the manifest, then the config and every layer to files, 3 blobs at a time (skopeo
 * as it chooses). The client hashes every byte on the way; curl does not, skopeo does. The client runs
 * in a child process of its own so its peak RSS is its own; a child that loads the same code and pulls
 * nothing gives the fixed part of that RSS. The same client with blob downloads on undici instead of the
 * plain-HTTP transport runs in every round too, as a control for what the transport changes.
 */
import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { finished } from 'node:stream/promises';
import { formatBytes } from '../src/core/units.ts';
import { readImage } from '../src/image/oci-layout-reader.ts';
import { DistributionClient } from '../src/registry/distribution-client.ts';
import { startEmbeddedRegistry } from '../src/registry/embedded-registry.ts';
import { pushLayoutImage } from '../src/registry/push-layout.ts';
import { measure, type Measured } from './peak-rss.ts';

const MB = 1e6;
const REPO = 'bench/mediawiki';
const TAG = 'initial';
const CONCURRENCY = 3;
const ROUNDS = 3;
const SELF = 'bench/pull-vs-skopeo-curl.ts';

interface PullReport {
  readonly seconds: number;
  /** CPU of the whole process (all threads) during the pull only. */
  readonly cpuSeconds: number;
  readonly bytes: number;
  readonly retries: number;
  readonly requests: number;
}

/** Child mode: one virtual node pulls the image to files and reports its own timing as JSON. */
async function clientPull(baseUrl: string, outDir: string, plainHttpDownloads: boolean): Promise<PullReport> {
  const client = new DistributionClient({ baseUrl, connections: CONCURRENCY, plainHttpDownloads });
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  const manifest = await client.getManifest(REPO, TAG);
  const parsed = JSON.parse(manifest.bytes.toString('utf8')) as { config: Blob; layers: Blob[] };
  const queue = [parsed.config, ...parsed.layers];
  let bytes = 0;
  const worker = async () => {
    for (let blob = queue.shift(); blob !== undefined; blob = queue.shift()) {
      const sink = createWriteStream(join(outDir, blob.digest.slice('sha256:'.length)), { highWaterMark: 1 << 20 });
      const fetched = await client.fetchBlob(REPO, blob.digest, sink, { size: blob.size });
      bytes += fetched.bytes;
      sink.end();
      await finished(sink);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  await client.close();
  return { seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6, bytes, retries: client.stats.retries, requests: client.stats.requests };
}

/** Runs `command` and reads the CPU seconds (user + system) its processes used, from bash's `times`. */
async function measureWithCpu(command: string): Promise<Measured & { cpuSeconds: number; output: string }> {
  const measured = await measure(`${command}; times`);
  const lines = measured.stdout.trim().split('\n');
  const children = lines.at(-1) ?? '';
  const seconds = [...children.matchAll(/(\d+)m([\d.]+)s/g)].map((m) => Number(m[1]) * 60 + Number(m[2]));
  return { ...measured, cpuSeconds: seconds.reduce((a, b) => a + b, 0), output: lines.slice(0, -2).join('\n') };
}

interface Blob {
  readonly digest: string;
  readonly size: number;
}

if (process.argv[2] === '--client-pull') {
  const [, , , baseUrl = '', outDir = '', transport = 'plain'] = process.argv;
  console.log(JSON.stringify(await clientPull(baseUrl, outDir, transport !== 'undici')));
  process.exit(0);
}
if (process.argv[2] === '--baseline') {
  // Same modules, same client, one request: what the child costs before any blob byte.
  const client = new DistributionClient({ baseUrl: process.argv[3] ?? '' });
  await client.ping();
  await client.close();
  process.exit(0);
}

const scenario = process.argv[2] ?? 'bench/scenarios/pull-1gib.yaml';
const work = join(tmpdir(), `shipbench-bench-pull-${process.pid}`);
await mkdir(work, { recursive: true });
const registry = await startEmbeddedRegistry({ storageDir: join(work, 'registry') });
try {
  const generated = await measure(`node bin/shipbench.js generate ${scenario} --out ${join(work, 'images')} 2>/dev/null`);
  const layout = join(work, 'images', 'monolithic');
  const image = await readImage(layout, TAG);
  const blobs = [image.manifest.config, ...image.manifest.layers];
  const blobBytes = blobs.reduce((n, b) => n + b.size, 0);
  const largest = Math.max(...blobs.map((b) => b.size));
  console.log(`scenario: ${scenario}; generated in ${generated.seconds.toFixed(1)} s; load average ${loadavg()[0]?.toFixed(1)} on ${availableParallelism()} cores`);
  console.log(`image: ${image.manifest.layers.length} layers + config, ${formatBytes(blobBytes)} of blobs (largest ${formatBytes(largest)}); registry ${registry.version} at ${registry.url}`);

  const pusher = new DistributionClient({ baseUrl: registry.url });
  const pushStarted = performance.now();
  await pushLayoutImage(pusher, layout, TAG, REPO);
  const pushSeconds = (performance.now() - pushStarted) / 1000;
  await pusher.close();
  console.log(`push (shipbench, ${CONCURRENCY} blobs at a time): ${pushSeconds.toFixed(2)} s, ${(blobBytes / pushSeconds / MB).toFixed(0)} MB/s`);

  const host = `127.0.0.1:${registry.port}`;
  const out = join(work, 'out');
  const accept = 'application/vnd.oci.image.manifest.v1+json';
  const curlCommand = [
    `curl -sSf -H 'Accept: ${accept}' -o ${out}/manifest.json http://${host}/v2/${REPO}/manifests/${TAG}`,
    `printf '%s\\n' ${blobs.map((b) => b.digest).join(' ')} | xargs -P ${CONCURRENCY} -I{} curl -sSf -o ${out}/{} http://${host}/v2/${REPO}/blobs/{}`,
  ].join(' && ');

  interface Row {
    name: string;
    seconds: number;
    wallSeconds: number;
    rss: number;
    /** User + system CPU of the tool's processes (the client's start-up included): robust to a busy machine. */
    cpuSeconds: number;
  }
  const rows: Row[] = [];
  let retries = 0;
  const fresh = async () => {
    await rm(out, { recursive: true, force: true });
    await mkdir(out, { recursive: true });
  };
  for (let round = 0; round < ROUNDS; round++) {
    for (const transport of ['plain', 'undici'] as const) {
      await fresh();
      const ours = await measureWithCpu(`node --import tsx ${SELF} --client-pull ${registry.url} ${out} ${transport}`);
      const report = JSON.parse(ours.output) as PullReport;
      if (report.bytes !== blobBytes) throw new Error(`client pulled ${report.bytes} bytes, expected ${blobBytes}`);
      retries += report.retries;
      const name = transport === 'plain' ? 'shipbench client' : 'client on undici';
      rows.push({ name, seconds: report.seconds, wallSeconds: ours.seconds, rss: ours.peakRssBytes, cpuSeconds: report.cpuSeconds });
    }
    await fresh();
    const sk = await measureWithCpu(`skopeo copy -q --src-tls-verify=false docker://${host}/${REPO}:${TAG} dir:${out}/skopeo`);
    rows.push({ name: 'skopeo copy', seconds: sk.seconds, wallSeconds: sk.seconds, rss: sk.peakRssBytes, cpuSeconds: sk.cpuSeconds });
    await fresh();
    const cu = await measureWithCpu(curlCommand);
    rows.push({ name: `curl (${CONCURRENCY} at a time)`, seconds: cu.seconds, wallSeconds: cu.seconds, rss: cu.peakRssBytes, cpuSeconds: cu.cpuSeconds });
  }
  const baseline = await measure(`node --import tsx ${SELF} --baseline ${registry.url}`);

  const best = (prefix: string): Row => {
    const row = rows.filter((r) => r.name.startsWith(prefix)).sort((a, b) => a.seconds - b.seconds)[0];
    if (row === undefined) throw new Error(`no result for ${prefix}`);
    return row;
  };
  const rate = (seconds: number) => blobBytes / seconds / MB;
  const ours = best('shipbench');
  const onUndici = best('client on undici');
  const skopeoRow = best('skopeo');
  const curlRow = best('curl');
  console.log(`\npull of ${formatBytes(blobBytes)}, best of ${ROUNDS} rounds (registry storage in the page cache for all):`);
  for (const r of [ours, onUndici, skopeoRow, curlRow]) {
    const wall = r === ours || r === onUndici ? `  (${r.wallSeconds.toFixed(2)} s with node start-up)` : '';
    const cpu = `${(r.cpuSeconds / (blobBytes / 1e9)).toFixed(2)} CPU-s/GB`;
    console.log(`  ${r.name.padEnd(22)} ${r.seconds.toFixed(2)} s  ${rate(r.seconds).toFixed(0).padStart(5)} MB/s  ${cpu}  peak RSS ${formatBytes(r.rss)}${wall}`);
  }
  console.log(`ratio shipbench / skopeo: ${(skopeoRow.seconds / ours.seconds).toFixed(2)} (target >= 1.00)`);
  console.log(`ratio shipbench / curl:   ${(curlRow.seconds / ours.seconds).toFixed(2)} (target >= 0.80; curl hashes nothing, the client sha256es every byte)`);
  console.log(`ratio plain-HTTP transport / undici for the same client: ${(onUndici.seconds / ours.seconds).toFixed(2)} in time, ${(onUndici.cpuSeconds / ours.cpuSeconds).toFixed(2)} in CPU`);
  console.log(
    `client memory: peak RSS ${formatBytes(ours.rss)} pulling ${formatBytes(blobBytes)} (largest blob ${formatBytes(largest)}); ` +
      `the same child pulling nothing: ${formatBytes(baseline.peakRssBytes)}; growth ${formatBytes(Math.max(0, ours.rss - baseline.peakRssBytes))} ` +
      `= ${(((ours.rss - baseline.peakRssBytes) / largest) * 100).toFixed(1)}% of the largest blob`,
  );
  console.log(`client retries over all rounds: ${retries}; load average now ${loadavg()[0]?.toFixed(1)}`);
} finally {
  await registry.stop();
  await rm(work, { recursive: true, force: true });
}
