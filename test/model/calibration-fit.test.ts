import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Rng } from '../../src/core/rng.ts';
import { drawVariationFor, logNormalVariation, withinGroupLogSigma } from '../../src/model/calibration-dispersion.ts';
import { unionSeconds } from '../../src/model/span-concurrency.ts';
import { fitLinks } from '../../src/model/calibration-links.ts';
import { gridPeriod, unpackStartsFrom } from '../../src/model/calibration-unpack-starts.ts';
import { blobCommitFrom } from '../../src/model/calibration-blob-commit.ts';
import { fitRequests } from '../../src/model/calibration-requests.ts';
import { requestsBeforeLayers } from '../../src/model/registry-client.ts';
import type { StepResult } from '../../src/metrics/step-result.ts';
import { rsyncFrom } from '../../src/model/calibration-volume.ts';
import { spanConcurrency } from '../../src/model/span-concurrency.ts';
import { meanUnpacksAtOnce, unpackConcurrency } from '../../src/model/calibration-concurrency.ts';
import { calibrateFrom } from '../../src/model/calibration.ts';
import type { MeasuredRun } from '../../src/model/measured-run.ts';
import { resolveModel } from '../../src/scenario/model-resolve.ts';
import { fitNonNegativeRates } from '../../src/model/non-negative-fit.ts';
import { logNormalDraws } from '../../src/model/node-spread.ts';
import type { NodeStepSample } from '../../src/metrics/samples.ts';

describe('calibration fits', () => {
  test('unpack costs per byte, per file and per layer come back from noiseless layers; a cost never goes negative', () => {
    const rows = [
      [1e6, 10], [5e6, 400], [2e5, 1], [3e6, 50], [8e4, 2],
    ].map(([bytes, files]) => ({ x: [bytes!, files!, 1], y: 2e-7 * bytes! + 0.004 * files! + 0.03 }));
    const [perByte, perFile, perLayer] = fitNonNegativeRates(rows, 3);
    assert.ok(Math.abs(perByte! - 2e-7) < 1e-12 && Math.abs(perFile! - 0.004) < 1e-9 && Math.abs(perLayer! - 0.03) < 1e-9, `${perByte} ${perFile} ${perLayer}`);
    // Time that falls with bytes would need a negative cost: the fit drops that column instead.
    const falling = [1, 2, 3].map((k) => ({ x: [k, 1], y: 1 - 0.1 * k }));
    const [slope, intercept] = fitNonNegativeRates(falling, 2);
    assert.equal(slope, 0);
    assert.ok(Math.abs(intercept! - 0.8) < 1e-9);
  });

  test('the CV of log-normal draws comes back, and one stalled node does not move it', () => {
    const draws = [...logNormalDraws(Rng.derive(3, 'calibration-test'), 2000, 1, 0.3)];
    assert.ok(Math.abs(logNormalVariation(draws)! - 0.3) < 0.03);
    assert.ok(Math.abs(logNormalVariation([...draws, 1000])! - 0.3) < 0.03);
    assert.equal(logNormalVariation([1, 2]), undefined);
  });

  test('the spread within groups comes back from small groups whatever their levels; deviations from each group\'s median would read it low', () => {
    const rng = Rng.derive(5, 'within-group-test');
    // 300 steps of 4 nodes, each step at its own level (a heavy step's slower manifests): sigma 0.3 within each.
    const groups = Array.from({ length: 300 }, (_, g) => Array.from({ length: 4 }, () => Math.exp(g / 30 + 0.3 * rng.normal())));
    assert.ok(Math.abs(withinGroupLogSigma(groups)! - 0.3) < 0.03, `${withinGroupLogSigma(groups)}`);
    // The same values pooled: the levels, not the nodes, make most of a pooled spread.
    assert.ok(logNormalVariation(groups.flat())! > 1);
    assert.equal(withinGroupLogSigma([[1, 2], [3], [4, 5]]), undefined, 'two pairs are too few');
    // With nothing fixed in the time, the draw spreads as the time does.
    assert.ok(Math.abs(drawVariationFor(0.3, 0.05, 0) - Math.sqrt(Math.expm1(0.09))) < 1e-9);
    // A node's part of 1% cannot carry the scatter: the draw spreads at most twice as wide as the whole.
    assert.ok(Math.abs(drawVariationFor(0.3, 0.05, 0.0495) - Math.sqrt(Math.expm1(0.36))) < 1e-9);
  });

  test('a node\'s link is its bytes over the time any of its downloads ran, however they overlapped', () => {
    assert.equal(unionSeconds([[0, 2], [1, 2], [5, 1], [5.5, 0.2]]), 4);
    // Three 2 MB layers at once on a 2 MB/s link take 3 s each: the link is 2 MB/s, not three 0.67 MB/s streams.
    const layer = (digest: string, downloadStartSeconds: number, downloadSeconds: number) => ({ digest: `sha256:${digest}`, bytes: 2e6, downloadSeconds, downloadStartSeconds, unpackSeconds: 0, files: 1 });
    const sample = (node: string, layers: ReturnType<typeof layer>[]): NodeStepSample => ({ node, step: 'initial', strategy: 's', repeat: 0, startSeconds: 0, manifestSeconds: 0.1, totalSeconds: 3.2, layers, bytesDownloaded: 6e6, bytesWrittenToDisk: 6e6, filesWritten: 3 });
    const fit = fitLinks([sample('a', [layer('a', 0.1, 3), layer('b', 0.1, 3), layer('c', 0.1, 3)]), sample('b', [layer('a', 0.1, 1), layer('b', 1.1, 1), layer('c', 2.1, 1)])])!;
    assert.ok(Math.abs(fit.nicBytesPerSecond - 2e6) < 1);
    // Only node b's layers downloaded alone, at the link's rate: no per-stream cap below it.
    assert.ok(Math.abs(fit.aloneStreamBytesPerSecond! - 2e6) < 1);
  });
});

describe('calibration on one backend of a run over several', () => {
  test('takes that backend\'s samples and steps, named as the model names strategies', async () => {
    const { measuredBackends, measuredOnBackend } = await import('../../src/model/calibration-backend.ts');
    const sample = (strategy: string, backend: 'virtual' | 'docker' | undefined) => ({ node: 'n', step: 'initial', strategy, repeat: 0, startSeconds: 0, manifestSeconds: 0, totalSeconds: 1, layers: [], bytesDownloaded: 0, bytesWrittenToDisk: 0, filesWritten: 0, ...(backend === undefined ? {} : { backend }) });
    const step = (strategy: string) => ({ strategy, step: 'initial' }) as never;
    const run = { samples: [sample('s@virtual', 'virtual'), sample('s@docker', 'docker'), sample('volume', undefined)], steps: [step('s@virtual'), step('s@docker'), step('volume')] };
    assert.deepEqual(measuredBackends(run), ['virtual', 'docker']);
    const docker = measuredOnBackend(run, 'docker');
    assert.deepEqual(docker.samples.map((s) => s.strategy), ['s']);
    assert.deepEqual(docker.steps.map((s) => s.strategy), ['s']);
    // The rsync side goes with the harness's own (virtual) nodes.
    assert.deepEqual(measuredOnBackend(run, 'virtual').steps.map((s) => s.strategy), ['s', 'volume']);
  });
  test('whether the measured nodes unpacked while they downloaded, or only once every blob was in, comes back as the model\'s rule', () => {
    const node = resolveModel({}, { nodes: 1, nicBitsPerSecond: undefined, diskWriteBytesPerSecond: undefined }).node;
    assert.equal(node.unpackStarts, 'pipelined');
    // Layer a lands at 1.0 s, b at 2.0 s: a pipelined node unpacks a at 1.0 s, one driven like ctr at 2.0 s.
    const sample = (unpackA: number): NodeStepSample => ({
      node: 'n', step: 'initial', strategy: 's', repeat: 0, startSeconds: 0, manifestSeconds: 0.1, totalSeconds: 4, bytesDownloaded: 4e6, bytesWrittenToDisk: 8e6, filesWritten: 2,
      layers: [
        { digest: 'sha256:a', bytes: 2e6, downloadStartSeconds: 0.1, downloadSeconds: 0.9, unpackStartSeconds: unpackA, unpackSeconds: 0.5, files: 1 },
        { digest: 'sha256:b', bytes: 2e6, downloadStartSeconds: 0.1, downloadSeconds: 1.9, unpackStartSeconds: Math.max(2, unpackA + 0.5), unpackSeconds: 0.5, files: 1 },
      ],
    });
    const parameters: Record<string, number> = {};
    assert.equal(unpackStartsFrom([sample(2.0), sample(2.001)], node, parameters).unpackStarts, 'after-downloads');
    assert.equal(parameters.unpackAfterDownloads, 1);
    assert.equal(unpackStartsFrom([sample(1.0), sample(1.01)], node, {}).unpackStarts, 'pipelined');
    // Nodes that waited after their last blob (2.0 s) for a ticker of 0.1 s: waits of 0.02-0.08 s, 0.05 s on average.
    const ticked: Record<string, number> = {};
    const afterTick = unpackStartsFrom([2.02, 2.04, 2.06, 2.08].map(sample), node, ticked);
    assert.equal(afterTick.unpackStarts, 'after-downloads');
    assert.ok(Math.abs(afterTick.unpackTickSeconds - 0.1) < 1e-9, `tick ${afterTick.unpackTickSeconds}`);
    assert.equal(ticked.unpackTickSeconds, afterTick.unpackTickSeconds);
    // Waits within the timer jitter are no ticker.
    assert.equal(unpackStartsFrom([sample(2.0), sample(2.001)], node, {}).unpackTickSeconds, 0);
    // Unpacks on a 0.1 s grid from the node's start (its last blob at 2.0 s): the grid's period, though these blobs
    // landed late in the tick (waits of 0.02-0.03 s, whose mean would say 0.045 s).
    const onGrid = (unpackA: number, landed: number): NodeStepSample => {
      const s = sample(unpackA);
      return { ...s, layers: s.layers.map((l, i) => ({ ...l, downloadStartSeconds: 0, downloadSeconds: i === 0 ? landed / 2 : landed })) };
    };
    const grid = unpackStartsFrom([onGrid(2.1, 2.08), onGrid(2.2, 2.17), onGrid(0.3, 0.28), onGrid(0.2, 0.18)], node, {});
    assert.ok(Math.abs(grid.unpackTickSeconds - 0.1) < 1e-3, `tick ${grid.unpackTickSeconds}`);
    // Samples that cannot tell the rules apart (no unpack start times: engines, older results) leave the model as it was.
    const untimed = sample(1.0);
    const noTimes = { ...untimed, layers: untimed.layers.map(({ unpackStartSeconds: _, ...l }) => l) };
    const kept: Record<string, number> = {};
    assert.equal(unpackStartsFrom([noTimes], { ...node, unpackStarts: 'after-downloads' }, kept).unpackStarts, 'after-downloads');
    assert.deepEqual(kept, {});
  });
  test('a ticker\'s period from the grid the first unpacks sit on: not its half, not a period the far starts alone would fit, none off the grid', () => {
    const jitter = [0.0004, -0.0007, 0.0009, -0.0002, 0.0006, -0.0009, 0.0001, -0.0004];
    const starts = [0.1, 0.1, 0.2, 3.5, 3.6, 3.6, 3.7, 0.1].map((t, i) => t + jitter[i]!);
    assert.ok(Math.abs(gridPeriod(starts)! - 0.1) < 5e-4, `period ${gridPeriod(starts)}`);
    // 3.6 s is also 34 ticks of 0.106 s; with the 0.2 s start, only 0.1 s (and its halves) fits.
    assert.ok(Math.abs(gridPeriod([0.1, 0.2, 3.6, 3.6])! - 0.1) < 5e-4);
    // A ticker that starts 30 ms after the node (as a real ctr's own start-up delays it): off the grid from 0.
    assert.equal(gridPeriod(starts.map((t) => t + 0.03)), undefined);
    // Every start on about the same tick cannot tell 0.1 s from 0.05 or 0.2 s.
    assert.equal(gridPeriod([0.1, 0.1004, 0.0998]), undefined);
  });

  test("time to manifest beyond what the clients saw its requests take is the node's own work before its layers, not slower requests", () => {
    const sample = (manifestSeconds: number): NodeStepSample => ({ node: 'n', step: 's', strategy: 's', repeat: 0, startSeconds: 0, manifestSeconds, totalSeconds: 1, layers: [], bytesDownloaded: 0, bytesWrittenToDisk: 0, filesWritten: 0 });
    const samples = [0.04, 0.05, 0.06].map(sample);
    const step = (meanLatencySeconds: number | undefined) =>
      ({ registry: { seconds: 1, cpuSecondsPerGiB: null, ...(meanLatencySeconds === undefined ? {} : { client: { requests: 10, meanLatencySeconds, maxLatencySeconds: meanLatencySeconds, throttled: 0, serverErrors: 0, networkErrors: 0 } }) } }) as unknown as StepResult;
    // Clients saw 8 ms a request; the three before the layers take 24 ms of the 50 ms median: 26 ms is the node's.
    const before = requestsBeforeLayers('none');
    assert.equal(before, 3, 'HEAD and GET of the manifest, GET of the config');
    const timed = fitRequests([step(0.008)], samples, before)!;
    assert.equal(timed.requestSeconds, 0.008);
    assert.ok(Math.abs(timed.manifestExtraSeconds - (0.05 - before * 0.008)) < 1e-12);
    // No client timing (engine nodes pull on their own): the requests share time to manifest, nothing left over.
    const shared = fitRequests([step(undefined)], samples, before)!;
    assert.ok(Math.abs(shared.requestSeconds - 0.05 / before) < 1e-12);
    assert.equal(shared.manifestExtraSeconds, 0);
    // With token auth the five requests before the layers (a challenge and a token besides) share it.
    assert.ok(Math.abs(fitRequests([step(undefined)], samples, requestsBeforeLayers('token'))!.requestSeconds - 0.05 / 5) < 1e-12);
    // Clients that waited longer than time to manifest allows (behind other bytes) do not make requests slower than that.
    assert.ok(Math.abs(fitRequests([step(0.5)], samples, before)!.requestSeconds - 0.05 / before) < 1e-12);
  });

  test('the latency draw spreads so that time to manifest scatters within a step as measured, its unvaried registry CPU included', () => {
    const rng = Rng.derive(7, 'latency-fit-test');
    const d = logNormalDraws(rng, 800, 1, 0.5);
    // 200 steps of 4 nodes: 3 requests of 8 ms registry CPU each (the same for every node), 26 ms that is the node's, times its draw.
    const samples = [...d].map((draw, i): NodeStepSample => ({ node: `n${i % 4}`, step: `s${i >> 2}`, strategy: 's', repeat: 0, startSeconds: 0, manifestSeconds: 0.024 + 0.026 * draw, totalSeconds: 1, layers: [], bytesDownloaded: 0, bytesWrittenToDisk: 0, filesWritten: 0 }));
    const step = { registry: { seconds: 1, cpuSecondsPerGiB: null, client: { requests: 10, meanLatencySeconds: 0.0166, maxLatencySeconds: 0.05, throttled: 0, serverErrors: 0, networkErrors: 0 }, process: { cpuSeconds: 0.8 }, served: { requests: 100 } } } as unknown as StepResult;
    const fit = fitRequests([step], samples, requestsBeforeLayers('none'))!;
    assert.equal(fit.registryCpuPerRequestSeconds, 0.008);
    assert.ok(Math.abs(fit.latencyVariation! - 0.5) < 0.08, `latency CV ${fit.latencyVariation}`);
    // The whole time to manifest scatters about half as much: taken as the draw's, the model's nodes would scatter half as much again.
    assert.ok(logNormalVariation(samples.map((x) => x.manifestSeconds))! < 0.3);
  });

  test('a blob\'s commit is what small blobs that downloaded alone took beyond the request; one beside a larger download does not count', () => {
    const node = { ...resolveModel({}, { nodes: 1, nicBitsPerSecond: 8e6, diskWriteBytesPerSecond: undefined }).node, nicBurstBytes: 65_536 };
    const small = (digest: string, start: number, seconds: number) => ({ digest: `sha256:${digest}`, bytes: 4_700, downloadStartSeconds: start, downloadSeconds: seconds, unpackSeconds: 0, files: 1 });
    const big = { digest: 'sha256:big', bytes: 5e6, downloadStartSeconds: 0.1, downloadSeconds: 5, unpackSeconds: 0, files: 1 };
    const sample = (layers: NodeStepSample['layers']): NodeStepSample => ({ node: 'n', step: 's', strategy: 's', repeat: 0, startSeconds: 0, manifestSeconds: 0.02, totalSeconds: 6, layers, bytesDownloaded: 0, bytesWrittenToDisk: 0, filesWritten: 0 });
    // Alone: 0.016 s each, the request 0.007 s: the commit is 9 ms. Beside the big blob, a small one waited 2 s for the link.
    const samples = [sample([small('a', 0.02, 0.016)]), sample([small('b', 0.02, 0.015), small('c', 0.04, 0.017)]), sample([big, small('d', 0.1, 2)])];
    const parameters: Record<string, number> = {};
    const fitted = blobCommitFrom(samples, node, 0.007, parameters);
    assert.ok(Math.abs(fitted.blobCommitSeconds - 0.009) < 1e-9, String(fitted.blobCommitSeconds));
    assert.equal(parameters.blobCommitSeconds, fitted.blobCommitSeconds);
    assert.equal(blobCommitFrom(samples, node, undefined, {}).blobCommitSeconds, node.blobCommitSeconds, 'no request time, no fit');
  });

  test("the volume side's rsync costs (per run, per file, per byte) and the l10n rebuild rate come back from the nodes' own counters; the tree's scan is not charged twice", () => {
    const rsync = resolveModel({}, { nodes: 1, nicBitsPerSecond: undefined, diskWriteBytesPerSecond: undefined }).rsync;
    const treeFiles = 1400;
    const [perSync, perFile, perByte, jsonRate] = [0.6, 0.003, 1 / 20e6, 6e6];
    const sync = (files: number, bytes: number, languages: number, jsonBytes: number): NodeStepSample => {
      const l10nSeconds = languages * perFile + jsonBytes / jsonRate;
      const stats = { filesTransferred: files, filesCreated: files, filesDeleted: 0, totalFileBytes: 32e6, transferredFileBytes: bytes, literalBytes: bytes, matchedBytes: 0, bytesSent: 100, bytesReceived: bytes };
      const l10n = { languages, jsonBytesRead: jsonBytes, cdbBytesWritten: jsonBytes, removed: 0, seconds: l10nSeconds };
      return { node: 'n', step: 's', strategy: 'volume', repeat: 0, startSeconds: 0, manifestSeconds: 0, totalSeconds: perSync + files * perFile + bytes * perByte + l10nSeconds, layers: [], bytesDownloaded: bytes, bytesWrittenToDisk: bytes, filesWritten: files, volume: { proxy: 'p', failovers: 0, rsync: stats, mixedVersionSeconds: 0, l10n } };
    };
    const parameters: Record<string, number> = {};
    const fitted = rsyncFrom([sync(1392, 32e6, 4, 18e6), sync(1, 7e3, 0, 0), sync(3, 6e4, 0, 0), sync(689, 9e6, 2, 9e6), sync(2, 9.5e6, 2, 9e6)], rsync, treeFiles, parameters);
    // The fixed cost holds this tree's scan, which the model charges per file: only the rest is the run's own.
    assert.ok(Math.abs(fitted.perSyncSeconds - (perSync - treeFiles * rsync.scanPerFileSeconds)) < 1e-6, `${fitted.perSyncSeconds}`);
    assert.ok(Math.abs(fitted.perFileSeconds - perFile) < 1e-7);
    assert.ok(Math.abs(fitted.streamBytesPerSecond! - 20e6) < 1);
    assert.ok(Math.abs(fitted.l10nRebuildBytesPerSecond - jsonRate) < 1e-3);
    assert.equal(fitted.masterEgressBitsPerSecond, rsync.masterEgressBitsPerSecond, 'links are not what node syncs measure');
    // A run without the volume side leaves the model's figures alone.
    assert.deepEqual(rsyncFrom([], rsync, treeFiles, {}), rsync);
  });

  test("on one machine, the nodes' and proxies' syncs each took their work over their share of its cores: the fixed wait, the tree's scan, per file and per byte come back", () => {
    const rsync = resolveModel({}, { nodes: 1, nicBitsPerSecond: undefined, diskWriteBytesPerSecond: undefined }).rsync;
    const [treeFiles, cores] = [1400, 1.8];
    const [perSync, scanPerFile, perFile, perByte] = [0.15, 1e-4, 0.001, 1 / 70e6];
    // Four nodes at once get 1.8/4 of a core each, two proxies at once a whole one each.
    const seconds = (files: number, bytes: number, together: number) => perSync + (treeFiles * scanPerFile + files * perFile + bytes * perByte) / Math.min(1, cores / together);
    const moves: Array<[string, number, number]> = [['initial', 1392, 32e6], ['backport', 1, 7e3], ['config', 3, 6e4], ['train', 689, 9e6]];
    // The train's l10n rebuild after each node's sync: four at once on shipbench's one thread, each four times its own.
    const jsonRate = 30e6;
    const rebuild = { languages: 2, jsonBytesRead: 9e6, cdbBytesWritten: 9e6, removed: 0, seconds: 4 * (9e6 / jsonRate + 2 * perFile) };
    const samples = moves.flatMap(([step, files, bytes]) =>
      ['n1', 'n2', 'n3', 'n4'].map((node): NodeStepSample => {
        const stats = { filesTransferred: files, filesCreated: files, filesDeleted: 0, totalFileBytes: 32e6, transferredFileBytes: bytes, literalBytes: bytes, matchedBytes: 0, bytesSent: 100, bytesReceived: bytes };
        const l10n = step === 'train' ? rebuild : undefined;
        return { node, step, strategy: 'volume', repeat: 0, startSeconds: 5, manifestSeconds: 0, totalSeconds: seconds(files, bytes, 4) + (l10n?.seconds ?? 0), layers: [], bytesDownloaded: bytes, bytesWrittenToDisk: bytes, filesWritten: files, volume: { proxy: 'p', failovers: 0, rsync: stats, mixedVersionSeconds: 0, ...(l10n === undefined ? {} : { l10n }) } };
      }),
    );
    const proxy = (name: string, files: number, bytes: number) => ({ proxy: name, bytesFromMaster: bytes, syncSeconds: seconds(files, bytes, 2), egressBytes: bytes, nodesServed: 2, failed: false });
    const steps = moves.map(([step, files, bytes]) => ({ strategy: 'volume', step, repeat: 0, volume: { proxies: [proxy('p1', files, bytes), proxy('p2', files, bytes)] } }) as unknown as StepResult);
    const parameters: Record<string, number> = {};
    const fitted = rsyncFrom(samples, rsync, treeFiles, parameters, steps, cores);
    const near = (actual: number | undefined, expected: number, what: string) => assert.ok(actual !== undefined && Math.abs(actual - expected) <= 1e-6 * expected, `${what}: ${actual} != ${expected}`);
    near(fitted.perSyncSeconds, perSync, 'fixed wait');
    near(fitted.scanPerFileSeconds, scanPerFile, 'scan per file');
    near(fitted.perFileSeconds, perFile, 'per file');
    near(fitted.streamBytesPerSecond, 1 / perByte, 'one core\'s bytes per second');
    assert.equal(fitted.harnessCores, cores, 'the model shares the same cores');
    assert.equal(parameters.rsyncHarnessCores, cores);
    near(fitted.l10nRebuildBytesPerSecond, jsonRate, 'one rebuild\'s own rate');
    assert.equal(fitted.harnessThreads, 1, 'the model shares the one thread');
    // Read as if each sync had a host of its own, the nodes' contention would be a dearer rsync and a slower rebuild.
    const waited = rsyncFrom(samples, rsync, treeFiles, {});
    assert.ok(waited.perFileSeconds > 1.5 * perFile);
    assert.ok(waited.l10nRebuildBytesPerSecond < jsonRate / 3, `${waited.l10nRebuildBytesPerSecond}`);
    assert.equal(waited.harnessThreads, undefined);
    // On a machine of 16 free cores every sync had a core of its own: one share cannot tell the scan from the
    // fixed cost, so the model's scan stays and is taken out of the fixed cost, as without the cores.
    const roomy = samples.map(({ volume, ...s }) => ({ ...s, volume: { proxy: volume!.proxy, failovers: 0, rsync: volume!.rsync, mixedVersionSeconds: 0 }, totalSeconds: perSync + treeFiles * rsync.scanPerFileSeconds + s.filesWritten * perFile + s.bytesWrittenToDisk * perByte }));
    const roomySteps = steps.map((st, i) => ({ ...st, volume: { proxies: st.volume!.proxies.map((p) => ({ ...p, syncSeconds: roomy[4 * i]!.totalSeconds })) } }) as unknown as StepResult);
    const alone = rsyncFrom(roomy, rsync, treeFiles, {}, roomySteps, 16);
    near(alone.perSyncSeconds, perSync, 'fixed cost, one share');
    assert.equal(alone.scanPerFileSeconds, rsync.scanPerFileSeconds);
    near(alone.perFileSeconds, perFile, 'per file, one share');
  });

  test('how many syncs ran at once over each one, time-weighted: itself included, part-overlaps in proportion', () => {
    // a: alone for its first half, beside b for the second; b: beside a for half, then beside c for half; c inside b.
    assert.deepEqual(spanConcurrency([{ start: 0, end: 2 }, { start: 1, end: 3 }, { start: 2, end: 3 }]), [1.5, 2, 2]);
    // An instant counts the spans around it.
    assert.deepEqual(spanConcurrency([{ start: 1, end: 1 }, { start: 0, end: 4 }]), [2, 1]);
  });

  test('how many layers unpacked at once while each did: its own unpack and the overlap of the others in the same step and repeat', () => {
    const layer = (unpackStartSeconds: number, unpackSeconds: number) => ({ digest: 'sha256:x', bytes: 1, downloadSeconds: 0, unpackSeconds, unpackStartSeconds, files: 1 });
    const sample = (node: string, startSeconds: number, repeat: number, layers: ReturnType<typeof layer>[]): NodeStepSample => ({ node, step: 's', strategy: 'a', repeat, startSeconds, manifestSeconds: 0, totalSeconds: 10, layers, bytesDownloaded: 0, bytesWrittenToDisk: 0, filesWritten: 0 });
    const [a, b, c] = [layer(0, 4), layer(1, 2), layer(0, 4)];
    // Node m's layer ran [10, 14), node n's [12, 14) after a start at 11: a shares 2 of its 4 s, b all of its 2.
    const shares = unpackConcurrency([sample('m', 10, 0, [a!]), sample('n', 11, 0, [b!]), sample('m', 11, 1, [c!])]);
    assert.equal(shares.get(a!), 1.5);
    assert.equal(shares.get(b!), 2);
    assert.equal(shares.get(c!), 1, 'another repeat is not beside it');
    // Over all three, weighted by their seconds: (4 x 1.5 + 2 x 2 + 4 x 1) / 10.
    assert.equal(meanUnpacksAtOnce(shares), 1.4);
    assert.equal(meanUnpacksAtOnce(new Map()), undefined);
  });

  test('on a harness-bound run, the unpack fit takes each layer\'s own CPU cost and the model shares the harness\'s cores instead', () => {
    const resolved = resolveModel({}, { nodes: 4, nicBitsPerSecond: undefined, diskWriteBytesPerSecond: undefined });
    const [perByte, perFile, perLayer] = [2e-8, 4e-4, 0.03];
    const layers = [[5e6, 400], [2e5, 20], [8e6, 900], [1e6, 50]] as const;
    // Four nodes unpack the same layers at once on one core: each layer's CPU work takes four times its own.
    const samples: NodeStepSample[] = ['n1', 'n2', 'n3', 'n4'].map((node) => {
      let t = 0;
      const unpacked = layers.map(([bytes, files], i) => {
        const unpackSeconds = 4 * (perByte * bytes + perFile * files) + perLayer;
        const l = { digest: `sha256:${i}`, bytes, downloadSeconds: 0, unpackSeconds, unpackStartSeconds: t, files };
        t += unpackSeconds;
        return l;
      });
      return { node, step: 'initial', strategy: 's', repeat: 0, startSeconds: 0, manifestSeconds: 0, totalSeconds: t, layers: unpacked, bytesDownloaded: 0, bytesWrittenToDisk: 0, filesWritten: 0 };
    });
    // The machine was saturated, this process taking one of its two cores: other work took the other.
    const step = { strategy: 's', step: 'initial', repeat: 0, warmup: false, bytesWrittenToDisk: 14.2e6 * 4, filesWritten: 1370 * 4, throughput: { points: [] }, cpu: { cpus: 2, samples: 10, startSeconds: 0, endSeconds: 10, utilisation: 1, process: { userSeconds: 8, systemSeconds: 2, cores: 1 } } };
    const measured = { samples, steps: [step] } as unknown as MeasuredRun;
    const { model, parameters } = calibrateFrom(measured, resolved, { nodes: 4, rollout: { maxConcurrent: 4, stages: [{ rest: true }] }, node: { nicBitsPerSecond: undefined, disk: {}, maxConcurrentDownloads: 3, unpack: true } } as never, 1);
    assert.ok(Math.abs(parameters.unpackSecondsPerBlobByte! - perByte) < 1e-12, `${parameters.unpackSecondsPerBlobByte}`);
    assert.ok(Math.abs(parameters.unpackSecondsPerFile! - perFile) < 1e-9);
    assert.ok(Math.abs(parameters.unpackSecondsPerLayer! - perLayer) < 1e-9, 'the fixed cost is a wait, not shared');
    assert.equal(model.harness.cores, 1);
    // The per-file cost is now CPU on the shared cores, not a wait of each node's own.
    assert.equal(model.node.unpackPerFileSeconds, 0);
    assert.ok(Math.abs(model.node.cpu.perFileSeconds - perFile) < 1e-9);
    assert.equal(model.harness.unpackShare, undefined, 'these costs are already a lone unpack\'s');
    // Not harness-bound (the machine half idle, this process its one busy core: both cores free of other work):
    // the costs stay as waited, and say what share of the cores each unpack had, four at once on two.
    const idle = { ...step, cpu: { ...step.cpu, utilisation: 0.5 } };
    const waited = calibrateFrom({ samples, steps: [idle] } as unknown as MeasuredRun, resolved, { nodes: 4, rollout: { maxConcurrent: 4, stages: [{ rest: true }] }, node: { nicBitsPerSecond: undefined, disk: {}, maxConcurrentDownloads: 3, unpack: true } } as never, 1);
    assert.equal(waited.model.harness.cores, undefined);
    assert.ok(Math.abs(waited.parameters.unpacksAtOnce! - 4) < 1e-9, `${waited.parameters.unpacksAtOnce}`);
    assert.ok(Math.abs(waited.model.harness.unpackShare! - 0.5) < 1e-9, `${waited.model.harness.unpackShare}`);
  });

  test("a measured shape the scenario gave goes where the run fits that spread, and stays where it does not", () => {
    const shapes = { decompress: { empirical: ['100MB/s', '300MB/s'] }, startDelay: { empirical: ['0s', '3s'] }, disk: { empirical: ['200MB/s', '500MB/s'] } };
    const resolved = resolveModel({ node: { spread: shapes } }, { nodes: 3, nicBitsPerSecond: undefined, diskWriteBytesPerSecond: undefined });
    assert.deepEqual(Object.keys(resolved.node.spread.empirical ?? {}).sort(), ['decompress', 'disk', 'startDelay']);
    // Three nodes unpacked the same two layers in the same time: the run's own unpack spread is 0.
    const samples: NodeStepSample[] = ['n1', 'n2', 'n3'].map((node) => ({
      node, step: 'initial', strategy: 's', repeat: 0, startSeconds: 0, manifestSeconds: 0, totalSeconds: 1, bytesDownloaded: 0, bytesWrittenToDisk: 0, filesWritten: 0,
      layers: [{ digest: 'sha256:a', bytes: 1e6, downloadSeconds: 0, unpackSeconds: 0.2, files: 10 }, { digest: 'sha256:b', bytes: 4e6, downloadSeconds: 0, unpackSeconds: 0.5, files: 30 }],
    }));
    const step = { strategy: 's', step: 'initial', repeat: 0, warmup: false, throughput: { points: [] }, cpu: { samples: 0 } };
    const { model } = calibrateFrom({ samples, steps: [step] } as unknown as MeasuredRun, resolved, { nodes: 3, rollout: { maxConcurrent: 3, stages: [{ rest: true }] }, node: { nicBitsPerSecond: undefined, disk: {}, maxConcurrentDownloads: 3, unpack: true } } as never, 1);
    // The unpack spread and the start delay are the run's (0 each); the disk's shape was not fitted and stays.
    assert.equal(model.node.spread.decompress, 0);
    assert.equal(model.node.spread.startDelaySeconds, 0);
    assert.deepEqual(model.node.spread.empirical, { disk: [200e6, 500e6] });
  });

  test('the calibrated model rolls node by node, restarts no php-fpm, checks no stage and syncs and rebuilds l10n as the harness does', () => {
    const resolved = resolveModel({ rollout: { releases: [{ name: 'web', replicas: 3 }] }, rsync: { restart: '14s' } }, { nodes: 3, nicBitsPerSecond: undefined, diskWriteBytesPerSecond: undefined });
    assert.equal(resolved.rollout.releases.length, 1);
    assert.deepEqual([resolved.rollout.canaryWaitSeconds, resolved.rsync.asHarness], [20, false]);
    const step = { strategy: 's', step: 'initial', repeat: 0, warmup: false, throughput: { points: [] }, cpu: { samples: 0 } };
    const { model } = calibrateFrom({ samples: [], steps: [step] } as unknown as MeasuredRun, resolved, { nodes: 3, rollout: { maxConcurrent: 3, stages: [{ rest: true }] }, node: { nicBitsPerSecond: undefined, disk: {}, maxConcurrentDownloads: 3, unpack: true } } as never, 1);
    assert.deepEqual(model.rollout.releases, []);
    assert.equal(model.rsync.restartSeconds, 0);
    assert.equal(model.rollout.canaryWaitSeconds, 0);
    assert.equal(model.rsync.asHarness, true);
  });
});
