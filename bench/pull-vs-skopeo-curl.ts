/**
 * Pull throughput and memory of shipbench's distribution client against skopeo and curl: the same image
 * (over 1 GiB of blobs, most of it one monolithic layer), from the same embedded registry, in the same run.
 *
 *   npx tsx bench/pull-vs-skopeo-curl.ts [bench/scenarios/pull-1gib.yaml]
 *
 * Each side fetches the manifest, then the config and every layer to files, 3 blobs at a time (skopeo
 * as it chooses). The client writes blobs through a node's content store, as a virtual node does, and
 * hashes every byte on the way; curl does not hash, skopeo does. The client runs in a child process of its
 * own so its peak RSS is its own; a child that loads the same code and pulls nothing gives the fixed part
 * of that RSS. The same client with blob downloads on undici instead of the plain-HTTP transport runs in
 * every round too, as a control for what the transport changes.
 *
 * Two bounds say how close to curl a client that verifies every byte can come here, and the bench prints
 * both: one core must sha256 the largest blob (one stream does not split across cores), and the cores must
 * do curl's work (receive, write), the registry's and sha256 of every blob. sha256 is timed on one core in
 * the same run; the registry's CPU is read from /proc around each pull.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { formatBytes } from '../src/core/units.ts';
import { readImage } from '../src/image/oci-layout-reader.ts';
import { ContentStore } from '../src/nodes/content-store.ts';
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
  const store = new ContentStore(outDir);
  let bytes = 0;
  const worker = async () => {
    for (let blob = queue.shift(); blob !== undefined; blob = queue.shift()) {
      const file = await store.begin(blob.digest);
      const fetched = await client.fetchBlob(REPO, blob.digest, (chunk) => file.write(chunk), { size: blob.size });
      await file.commit();
      bytes += fetched.bytes;
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

/** User + system CPU seconds a process has used so far, from /proc. */
async function processCpuSeconds(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** sha256 throughput of one core on data already in memory: best of three passes over 64 MiB. */
function sha256BytesPerSecond(): number {
  const data = Buffer.alloc(64 * 2 ** 20, 'mediawiki');
  let best = 0;
  for (let pass = 0; pass < 3; pass++) {
    const started = performance.now();
    const hash = createHash('sha256');
    for (let offset = 0; offset < data.length; offset += 2 ** 20) hash.update(data.subarray(offset, offset + 2 ** 20));
    hash.digest();
    best = Math.max(best, data.length / ((performance.now() - started) / 1000));
  }
  return best;
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
    /** CPU the registry spent serving this pull. */
    registryCpuSeconds: number;
  }
  const rows: Row[] = [];
  let retries = 0;
  const fresh = async () => {
    await rm(out, { recursive: true, force: true });
    await mkdir(out, { recursive: true });
    // The last tool's GiB of dirty pages would otherwise be written back during the next one's pull.
    execFileSync('sync');
  };
  for (let round = 0; round < ROUNDS; round++) {
    for (const transport of ['plain', 'undici'] as const) {
      await fresh();
      const registryBefore = await processCpuSeconds(registry.pid);
      const ours = await measureWithCpu(`node --import tsx ${SELF} --client-pull ${registry.url} ${out} ${transport}`);
      const registryCpuSeconds = (await processCpuSeconds(registry.pid)) - registryBefore;
      const report = JSON.parse(ours.output) as PullReport;
      if (report.bytes !== blobBytes) throw new Error(`client pulled ${report.bytes} bytes, expected ${blobBytes}`);
      retries += report.retries;
      const name = transport === 'plain' ? 'shipbench client' : 'client on undici';
      rows.push({ name, seconds: report.seconds, wallSeconds: ours.seconds, rss: ours.peakRssBytes, cpuSeconds: report.cpuSeconds, registryCpuSeconds });
    }
    await fresh();
    let registryBefore = await processCpuSeconds(registry.pid);
    const sk = await measureWithCpu(`skopeo copy -q --src-tls-verify=false docker://${host}/${REPO}:${TAG} dir:${out}/skopeo`);
    let registryCpuSeconds = (await processCpuSeconds(registry.pid)) - registryBefore;
    rows.push({ name: 'skopeo copy', seconds: sk.seconds, wallSeconds: sk.seconds, rss: sk.peakRssBytes, cpuSeconds: sk.cpuSeconds, registryCpuSeconds });
    await fresh();
    registryBefore = await processCpuSeconds(registry.pid);
    const cu = await measureWithCpu(curlCommand);
    registryCpuSeconds = (await processCpuSeconds(registry.pid)) - registryBefore;
    rows.push({ name: `curl (${CONCURRENCY} at a time)`, seconds: cu.seconds, wallSeconds: cu.seconds, rss: cu.peakRssBytes, cpuSeconds: cu.cpuSeconds, registryCpuSeconds });
  }
  const baseline = await measure(`node --import tsx ${SELF} --baseline ${registry.url}`);
  const sha256Rate = sha256BytesPerSecond();
  const hashSeconds = largest / sha256Rate;

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
    const cpu = `${(r.cpuSeconds / (blobBytes / 1e9)).toFixed(2)} CPU-s/GB (registry ${(r.registryCpuSeconds / (blobBytes / 1e9)).toFixed(2)})`;
    console.log(`  ${r.name.padEnd(22)} ${r.seconds.toFixed(2)} s  ${rate(r.seconds).toFixed(0).padStart(5)} MB/s  ${cpu}  peak RSS ${formatBytes(r.rss)}${wall}`);
  }
  console.log(`ratio shipbench / skopeo: ${(skopeoRow.seconds / ours.seconds).toFixed(2)} (target >= 1.00)`);
  console.log(`ratio shipbench / curl:   ${(curlRow.seconds / ours.seconds).toFixed(2)} (target >= 0.80; curl hashes nothing, the client sha256es every byte)`);
  // What no client that verifies every byte can avoid: curl's own work (receive, write), the registry's, and sha256.
  const cores = availableParallelism();
  const floorSeconds = Math.max(hashSeconds, (curlRow.cpuSeconds + curlRow.registryCpuSeconds + blobBytes / sha256Rate) / cores);
  console.log(
    `bounds for a client that verifies every byte: sha256 on one core takes ${hashSeconds.toFixed(2)} s for the largest blob ` +
      `(${(largest / hashSeconds / MB).toFixed(0)} MB/s; one stream does not split across cores), and curl's CPU + the registry's + sha256 of every blob ` +
      `spread over ${cores} cores take ${floorSeconds.toFixed(2)} s; so at best ${(curlRow.seconds / floorSeconds).toFixed(2)} of curl here. ` +
      `The client reached ${((floorSeconds / ours.seconds) * 100).toFixed(0)}% of that bound`,
  );
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
