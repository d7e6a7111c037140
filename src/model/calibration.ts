import type { CalibrationComparison, CalibrationRow } from '../metrics/calibration-comparison.ts';
import type { NodeStepSample } from '../metrics/samples.ts';
import type { StepResult } from '../metrics/step-result.ts';
import type { ResolvedModel } from '../scenario/model-resolved.ts';
import { median } from '../stats/percentiles.ts';
import type { ModelFleet } from './model-fleet.ts';

/** What a real run measured, as the model reads it. */
export interface MeasuredRun {
  readonly steps: readonly StepResult[];
  readonly samples: readonly NodeStepSample[];
}

export interface CalibratedParameters {
  /** Named figures as taken, for the results and the terminal. */
  readonly parameters: Record<string, number>;
  readonly model: ResolvedModel;
  readonly fleet: ModelFleet;
}

/** The stats median (type 7), undefined rather than NaN when nothing was measured. */
function medianOrUndefined(values: readonly number[]): number | undefined {
  return values.length === 0 ? undefined : median(values);
}

/**
 * Least squares for y = a*x1 + b*x2 with a, b >= 0 (two unknowns: the normal equations, falling back to one
 * unknown when the other would go negative). Unpack time = seconds per blob byte * bytes + per file * files.
 */
export function fitTwoRates(rows: ReadonlyArray<{ x1: number; x2: number; y: number }>): { a: number; b: number } {
  let s11 = 0, s12 = 0, s22 = 0, s1y = 0, s2y = 0;
  for (const { x1, x2, y } of rows) {
    s11 += x1 * x1;
    s12 += x1 * x2;
    s22 += x2 * x2;
    s1y += x1 * y;
    s2y += x2 * y;
  }
  const det = s11 * s22 - s12 * s12;
  if (det > 0) {
    const a = (s1y * s22 - s2y * s12) / det;
    const b = (s2y * s11 - s1y * s12) / det;
    if (a >= 0 && b >= 0) return { a, b };
  }
  const onlyA = s11 > 0 ? Math.max(0, s1y / s11) : 0;
  const onlyB = s22 > 0 ? Math.max(0, s2y / s22) : 0;
  const err = (a: number, b: number) => rows.reduce((e, r) => e + (r.y - a * r.x1 - b * r.x2) ** 2, 0);
  return err(onlyA, 0) <= err(0, onlyB) ? { a: onlyA, b: 0 } : { a: 0, b: onlyB };
}

/**
 * Model parameters from a real run: the per-stream throughput (median of layer downloads of at least
 * 1 MiB), the registry's limit (the highest aggregate throughput seen), the disk (the highest device write
 * rate, shared by the nodes that ran on it; only when no layer was unpacked, since the unpack fit holds the
 * disk's time), and unpack seconds per byte and per file (fitted over every layer unpacked).
 * `uncompressedPerBlobByte` converts the fitted per-blob-byte cost into decompression
 * throughput in tar bytes, as the model counts it.
 */
export function calibrateFrom(measured: MeasuredRun, model: ResolvedModel, fleet: ModelFleet, uncompressedPerBlobByte: number): CalibratedParameters {
  const steps = measured.steps.filter((s) => !s.warmup);
  const layers = measured.samples.flatMap((s) => s.layers);
  const parameters: Record<string, number> = {};
  const streams = layers.filter((l) => l.bytes >= 1 << 20 && l.downloadSeconds > 0).map((l) => l.bytes / l.downloadSeconds);
  const stream = medianOrUndefined(streams);
  const registry = Math.max(0, ...steps.flatMap((s) => s.throughput.points.map((p) => p.value)));
  const diskRates = steps.flatMap((s) => (s.disk === undefined || s.disk.endSeconds <= s.disk.startSeconds ? [] : [s.disk.totals.writeBytes / (s.disk.endSeconds - s.disk.startSeconds)]));
  const disk = diskRates.length === 0 ? undefined : Math.max(...diskRates) / Math.max(1, Math.min(fleet.nodes, fleet.rollout.maxConcurrent));
  const manifest = medianOrUndefined(measured.samples.filter((s) => s.manifestSeconds > 0).map((s) => s.manifestSeconds));
  const unpacked = layers.filter((l) => l.unpackSeconds > 0);
  const fit = fitTwoRates(unpacked.map((l) => ({ x1: l.bytes, x2: l.files, y: l.unpackSeconds })));
  let node = model.node;
  let registryModel = model.registry;
  if (stream !== undefined) {
    parameters.streamBytesPerSecond = stream;
    node = { ...node, streamBitsPerSecond: stream * 8 };
  }
  if (registry > 0) {
    parameters.registryBytesPerSecond = registry;
    registryModel = { ...registryModel, replicas: 1, egressBitsPerSecond: registry * 8, backendReadBitsPerSecond: undefined };
  }
  if (manifest !== undefined) {
    parameters.manifestSeconds = manifest;
    node = { ...node, manifestSeconds: manifest };
  }
  if (disk !== undefined && disk > 0 && unpacked.length === 0) {
    parameters.diskWriteBytesPerSecond = disk;
    node = { ...node, diskWriteBytesPerSecond: disk };
  }
  if (unpacked.length > 0) {
    if (fit.a > 0) {
      parameters.unpackSecondsPerBlobByte = fit.a;
      // The unpack's CPU is its decompression now (node-cpu.ts): the fitted rate replaces both CPU stages.
      node = { ...node, decompressBytesPerSecond: uncompressedPerBlobByte / fit.a, cpu: { ...node.cpu, decompressSecondsPerByte: fit.a / uncompressedPerBlobByte, unpackSecondsPerByte: 0 } };
    }
    parameters.unpackSecondsPerFile = fit.b;
    // The fitted unpack costs already hold the disk's time (the node wrote while it unpacked): the disk's
    // bandwidth and IOPS must not count it twice, so they stop binding.
    node = { ...node, unpackPerFileSeconds: fit.b, diskIops: Number.MAX_SAFE_INTEGER, diskWriteBytesPerSecond: Number.MAX_SAFE_INTEGER };
  }
  return { parameters, model: { ...model, node, registry: registryModel }, fleet };
}

function medianNodeSeconds(samples: readonly NodeStepSample[], strategy: string, step: string): number | undefined {
  return medianOrUndefined(samples.filter((s) => s.strategy === strategy && s.step === step && s.error === undefined).map((s) => s.totalSeconds));
}

/** Simulated beside measured, per strategy and step both hold: makespan and median node time, error in percent. */
export function compareWithMeasured(
  measuredFile: string,
  parameters: Record<string, number>,
  measured: MeasuredRun,
  simulated: MeasuredRun,
): CalibrationComparison {
  const rows: CalibrationRow[] = [];
  const row = (strategy: string, step: string, metric: string, m: number, s: number) =>
    rows.push({ strategy, step, metric, measuredSeconds: m, simulatedSeconds: s, errorPercent: m > 0 ? ((s - m) / m) * 100 : 0 });
  for (const m of measured.steps.filter((s) => !s.warmup && s.repeat === Math.max(...measured.steps.map((x) => x.repeat)))) {
    const s = simulated.steps.find((x) => x.strategy === m.strategy && x.step === m.step);
    if (s === undefined) continue;
    row(m.strategy, m.step, 'makespan', m.makespanSeconds, s.makespanSeconds);
    const mm = medianNodeSeconds(measured.samples.filter((x) => x.repeat === m.repeat), m.strategy, m.step);
    const sm = medianNodeSeconds(simulated.samples, s.strategy, s.step);
    if (mm !== undefined && sm !== undefined) row(m.strategy, m.step, 'median-node', mm, sm);
  }
  const makespans = rows.filter((r) => r.metric === 'makespan');
  const mean = makespans.length === 0 ? 0 : makespans.reduce((n, r) => n + Math.abs(r.errorPercent), 0) / makespans.length;
  return { measured: measuredFile, parameters, rows, meanAbsoluteErrorPercent: mean };
}
