import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ctrLayerTimings, parseCtrProgress, parseSnapshotEvent, unpacksByChain } from '../../src/nodes/engines/ctr-pull-progress.ts';
import { type DockerProgressMessage, dockerLayerTimings, dockerManifestDoneMs } from '../../src/nodes/engines/docker-pull-progress.ts';

/** Progress as Docker Engine 20.10 and ctr 1.6 print it (sequences copied from real pulls on this machine). */

const A = `sha256:8b5f4dc98d328102523fc6f4fe7ca82993185b561dda693bfa9029b2b48e6eea`;
const B = `sha256:d5bf1108020362d2b5745911b696f1d50be3a52f9e2cfb1a8fd12ce7c53fec88`;
const C = `sha256:18dd373d4313c264659dc01e7de98ee444cb806ba5ee4df0f9bff19c840305cb`;
const layers = [
  { digest: A, size: 162_918 },
  { digest: B, size: 240_742 },
  { digest: C, size: 466_637 },
];

describe('docker pull progress -> per-layer timings', () => {
  const m = (atMs: number, status: string, id?: string, current?: number): DockerProgressMessage => ({ atMs, status, ...(id === undefined ? {} : { id }), ...(current === undefined ? {} : { progressDetail: { current } }) });
  const messages = [
    m(62, 'Pulling from t/pc', 'initial'),
    m(63, 'Pulling fs layer', '8b5f4dc98d32'),
    m(63, 'Pulling fs layer', 'd5bf11080203'),
    m(63, 'Pulling fs layer', '18dd373d4313'),
    m(64, 'Waiting', '18dd373d4313'),
    m(70, 'Downloading', '8b5f4dc98d32', 32_768),
    m(77, 'Download complete', 'd5bf11080203'),
    m(77, 'Verifying Checksum', '8b5f4dc98d32'),
    m(77, 'Download complete', '8b5f4dc98d32'),
    m(98, 'Download complete', '18dd373d4313'),
    m(200, 'Extracting', '8b5f4dc98d32', 32_768),
    m(346, 'Pull complete', '8b5f4dc98d32'),
    m(571, 'Pull complete', 'd5bf11080203'),
    m(718, 'Pull complete', '18dd373d4313'),
  ];

  test('download from first Downloading (or when its slot opened) to Download complete; extract to Pull complete', () => {
    const t = dockerLayerTimings(messages, layers);
    assert.deepEqual(t.map((l) => l.downloaded), [true, true, true]);
    assert.ok(Math.abs((t[0]?.downloadSeconds ?? 0) - 0.007) < 1e-9, 'A: 70 -> 77 ms');
    // B never showed Downloading and never waited: it started when it was queued.
    assert.ok(Math.abs((t[1]?.downloadSeconds ?? 0) - 0.014) < 1e-9, 'B: 63 -> 77 ms');
    // C waited: it started when the last other download before its end completed (77 ms).
    assert.ok(Math.abs((t[2]?.downloadSeconds ?? 0) - 0.021) < 1e-9, 'C: 77 -> 98 ms');
    assert.ok(Math.abs((t[0]?.unpackSeconds ?? 0) - 0.146) < 1e-9, 'A: Extracting 200 -> Pull complete 346');
    // B had no Extracting: it began when A (below it) was complete.
    assert.ok(Math.abs((t[1]?.unpackSeconds ?? 0) - 0.225) < 1e-9, 'B: 346 -> 571');
    assert.equal(dockerManifestDoneMs(messages), 63);
    // When each began, for calibration: A's download at its first Downloading, its extraction at Extracting.
    assert.deepEqual([t[0]?.downloadStartMs, t[0]?.unpackStartMs, t[1]?.unpackStartMs], [70, 200, 346]);
  });

  test('Already exists: not downloaded, nothing unpacked', () => {
    const t = dockerLayerTimings([m(5, 'Already exists', '8b5f4dc98d32'), ...messages.filter((x) => x.id !== '8b5f4dc98d32')], layers);
    assert.deepEqual(t[0], { digest: A, bytes: 162_918, downloaded: false, downloadSeconds: 0, unpackSeconds: 0 });
    assert.equal(t[1]?.downloaded, true);
  });

  test('a lost Download complete (Docker\'s progress is lossy): the download ends at Verifying Checksum, or at Extracting', () => {
    // A with its Download complete lost, as a 180 KB layer's was in a real pull on this machine.
    const lossy = messages.filter((x) => !(x.id === '8b5f4dc98d32' && x.status === 'Download complete'));
    const t = dockerLayerTimings(lossy, layers);
    assert.deepEqual(t.map((l) => l.downloaded), [true, true, true]);
    assert.ok(Math.abs((t[0]?.downloadSeconds ?? 0) - 0.007) < 1e-9, 'A: 70 -> Verifying Checksum 77 ms');
    const noVerify = dockerLayerTimings(lossy.filter((x) => !(x.id === '8b5f4dc98d32' && x.status === 'Verifying Checksum')), layers);
    assert.equal(noVerify[0]?.downloaded, true);
    assert.ok(Math.abs((noVerify[0]?.downloadSeconds ?? 0) - 0.13) < 1e-9, 'A: 70 -> Extracting 200 ms');
  });

  test('a pull cut short: layers without Download complete count as not downloaded', () => {
    const t = dockerLayerTimings(messages.slice(0, 6), layers);
    assert.deepEqual(t.map((l) => l.downloaded), [false, false, false]);
  });
});

describe('ctr pull progress and containerd snapshot events -> per-layer timings', () => {
  const bar = '|\u001b[32m++++++++++++++++\u001b[0m|';
  const frame = (atMs: number, rows: Array<[string, string]>) => [
    ...rows.map(([d, status]) => ({ atMs, text: `layer-${d}:    ${status.padEnd(14)} ${bar}  7.6 KiB/7.6 KiB ` })),
    { atMs, text: `elapsed: ${(atMs / 1000).toFixed(1)} s                     total:  495.6  (4.7 MiB/s)` },
  ];
  const lines = [
    ...frame(100, [[A, 'waiting'], [B, 'downloading'], [C, 'exists']]),
    ...frame(200, [[A, 'downloading'], [B, 'done'], [C, 'exists']]),
    ...frame(300, [[A, 'done'], [B, 'done'], [C, 'done']]),
    { atMs: 310, text: 'unpacking linux/amd64 sha256:5c12ba8e871922adb7360c6f78b31152f1ad1f52f8dbdd0bf907b53e2bc72f96...' },
  ];

  test('frames give each download its first active and first done frame; exists is not a download', () => {
    const p = parseCtrProgress(lines);
    assert.equal(p.startMs.get(B), 100);
    assert.equal(p.doneMs.get(B), 200);
    assert.equal(p.startMs.get(A), 200);
    assert.equal(p.doneMs.get(A), 300);
    assert.ok(p.existing.has(C));
    assert.equal(p.unpackStartMs, 310);
  });

  test('snapshot events: prepare(extract key) -> commit(chain) is the unpack time', () => {
    const prepare = parseSnapshotEvent('2026-11-27 03:11:31.942336838 +0000 UTC shipbench /snapshot/prepare {"key":"extract-930531707-3z6A sha256:a62b","parent":"sha256:0000"}');
    const commit = parseSnapshotEvent('2026-11-27 03:11:31.967154742 +0000 UTC shipbench /snapshot/commit {"key":"extract-930531707-3z6A sha256:a62b","name":"sha256:a62b"}');
    assert.equal(parseSnapshotEvent('2026-11-27 03:11:31.891744158 +0000 UTC shipbench /images/create {"name":"x"}'), undefined);
    assert.equal(prepare?.epochMs, Date.UTC(2026, 10, 27, 3, 11, 31, 942));
    const unpacks = unpacksByChain([prepare, commit].filter((e) => e !== undefined), (ms) => ms);
    assert.deepEqual(unpacks.get('sha256:a62b'), { startMs: Date.UTC(2026, 10, 27, 3, 11, 31, 942), ms: 25 });
    const t = ctrLayerTimings(layers, ['sha256:x', 'sha256:a62b', 'sha256:z'], parseCtrProgress(lines), unpacks, 0);
    assert.deepEqual(t.map((l) => [l.downloaded, l.downloadSeconds, l.unpackSeconds]), [[true, 0.1, 0], [true, 0.1, 0.025], [false, 0, 0]]);
    // When each began, for calibration: the downloads from ctr's rows, the unpack from its snapshot's prepare.
    assert.deepEqual(t.map((l) => [l.downloadStartMs, l.unpackStartMs]), [[200, undefined], [100, Date.UTC(2026, 10, 27, 3, 11, 31, 942)], [undefined, undefined]]);
  });
});
