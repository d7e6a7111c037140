/**
 * Published results of real registry and P2P systems as fleet-model cases: each file in scenarios/validation/
 * names its source, the parameters taken from it, the assumptions for the rest, the published figures, and
 * the model's input (the scenario file's `model` block, a fleet and the image's layers). bench/validation.ts
 * prints published against simulated; test/model/validation-scenarios.test.ts keeps each within 25%.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { parseBitsPerSecond, parseBytes, parseBytesPerSecond, parseSeconds } from '../src/core/units.ts';
import type { FleetPlan } from '../src/model/fleet-plan.ts';
import type { ModelFleet } from '../src/model/model-fleet.ts';
import { simulateFleet } from '../src/model/simulate-fleet.ts';
import { quantileSorted } from '../src/stats/percentiles.ts';
import { resolveModel } from '../src/scenario/model-resolve.ts';
import { type ModelInput, modelInputSchema } from '../src/scenario/model-schema.ts';

export const VALIDATION_DIR = new URL('../scenarios/validation/', import.meta.url).pathname;

/** Figures a publication gives: node-time quantiles and the mean node time, in seconds. */
export const FIGURES = ['mean', 'p50', 'p90', 'p99', 'p99.9', 'max'] as const;
export type Figure = (typeof FIGURES)[number];

/**
 * What a publication times: `node`, each node's pull from its start (start delay, manifest and every layer:
 * the default); `blob`, each blob download on its own, from the agent's request to the blob complete, one
 * figure per node and layer (Kraken's README counts "5200 blob downloads" for 2600 hosts and 2 layers, timed
 * by the agents).
 */
export const MEASURES = ['node', 'blob'] as const;
export type Measure = (typeof MEASURES)[number];

export interface ValidationCase {
  readonly file: string;
  readonly name: string;
  readonly source: { readonly url: string; readonly section: string; readonly quote: string };
  readonly nodes: number;
  readonly nic: string;
  /** The nodes' disk write rate, when the publication gives it (else the model's default). */
  readonly disk?: string | undefined;
  readonly downloads: number;
  readonly unpack: boolean;
  readonly layers: readonly string[];
  readonly model: ModelInput;
  readonly published: Partial<Record<Figure, number>>;
  /** The publication's histogram of the same times, when it draws one (its bars read off the chart): the shape behind the figures. */
  readonly histogram?: PublishedHistogram | undefined;
  readonly measure: Measure;
  /**
   * A cheaper run for the test: fewer nodes where the figures it checks do not depend on the node count. No
   * figures: the bench prints the case and the test leaves it out, for the reason `why` gives.
   */
  readonly test: { readonly nodes: number; readonly figures: readonly Figure[]; readonly why?: string | undefined };
}

/** A published histogram: bins `binSeconds` wide, each counted from its lower edge (the bar's label) up. */
export interface PublishedHistogram {
  readonly binSeconds: number;
  /** Where the counts were read: which chart, and how. */
  readonly read: string;
  /** Per bin, by its lower edge in seconds: how many times fell in it. */
  readonly counts: ReadonlyArray<readonly [number, number]>;
}

export function loadValidationCases(dir = VALIDATION_DIR): ValidationCase[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .flatMap((f) => toCases(join(dir, f), parseCase(join(dir, f))));
}

/** A case file's YAML, or an error that names the file (the parser's message has the line and column). */
function parseCase(file: string): RawCase {
  try {
    return parse(readFileSync(file, 'utf8')) as RawCase;
  } catch (error) {
    throw new Error(`${file}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** What a publication measured once per image: its own layers, figures and test (the rest as the file's). */
interface RawVariant {
  name: string;
  /** A variant at another node count (a publication that measured the same setup at several). */
  nodes?: number;
  layers: string[];
  published: Record<string, string>;
  test: RawCase['test'];
}

interface RawCase {
  name: string;
  source: ValidationCase['source'];
  fleet: { nodes: number; nic: string; disk?: string; downloads: number; unpack: boolean };
  layers: string[];
  model: unknown;
  published: Record<string, string>;
  histogram?: { bin: string; read: string; counts: Record<string, number> };
  measure?: string;
  test: { nodes: number; figures: string[]; why?: string };
  /** Several images measured the same way: one case each, named `<name>-<variant>`. */
  variants?: RawVariant[];
}

function toCases(file: string, raw: RawCase): ValidationCase[] {
  if (raw.variants === undefined) return [toCase(file, raw)];
  return raw.variants.map((v) => toCase(file, { ...raw, name: `${raw.name}-${v.name}`, fleet: { ...raw.fleet, nodes: v.nodes ?? raw.fleet.nodes }, layers: v.layers, published: v.published, test: v.test }));
}

function toCase(file: string, raw: RawCase): ValidationCase {
  const model = modelInputSchema.safeParse(raw.model);
  if (!model.success) throw new Error(`${file}: model: ${model.error.message}`);
  const isFigure = (k: string): k is Figure => (FIGURES as readonly string[]).includes(k);
  const published: Partial<Record<Figure, number>> = {};
  for (const [k, v] of Object.entries(raw.published)) {
    if (!isFigure(k)) throw new Error(`${file}: published.${k}: not a figure (use one of ${FIGURES.join(', ')})`);
    published[k] = parseSeconds(v);
  }
  const figures = raw.test.figures.filter(isFigure);
  if (figures.length === 0 && raw.test.why === undefined) throw new Error(`${file}: ${raw.name}: test.figures names no published figure; say why under test.why`);
  const measure = raw.measure ?? 'node';
  if (!(MEASURES as readonly string[]).includes(measure)) throw new Error(`${file}: measure: ${measure} is not a measure (use one of ${MEASURES.join(', ')})`);
  const histogram = raw.histogram === undefined ? undefined : toHistogram(file, raw.histogram);
  return { file, name: raw.name, source: raw.source, ...raw.fleet, layers: raw.layers, model: model.data, published, histogram, measure: measure as Measure, test: { nodes: raw.test.nodes, figures, why: raw.test.why } };
}

function toHistogram(file: string, raw: NonNullable<RawCase['histogram']>): PublishedHistogram {
  const binSeconds = parseSeconds(raw.bin);
  const counts = Object.entries(raw.counts).map(([edge, count]): [number, number] => {
    const from = Number(edge);
    if (!Number.isFinite(from) || !(count >= 0)) throw new Error(`${file}: histogram.counts.${edge}: want a bin's lower edge in seconds and a count of 0 or more, got ${edge}: ${count}`);
    return [from, count];
  });
  return { binSeconds, read: raw.read, counts: counts.sort((a, b) => a[0] - b[0]) };
}

export interface SimulatedCase {
  readonly nodes: number;
  readonly figures: Record<Figure, number>;
  /** Every simulated time the figures are taken over, ascending (for a published histogram's bins). */
  readonly times: readonly number[];
  readonly cpuSeconds: number;
}

/** Runs a case through the fleet model with `nodes` nodes (the publication's count by default). */
export function simulateCase(c: ValidationCase, nodes = c.nodes): SimulatedCase {
  const nicBitsPerSecond = parseBitsPerSecond(c.nic);
  const diskWriteBytesPerSecond = c.disk === undefined ? undefined : parseBytesPerSecond(c.disk);
  const plan: FleetPlan = {
    strategies: [{ name: c.name, steps: [{ step: 'initial', layers: c.layers.map((size, i) => ({ id: `layer-${i}`, compressedBytes: parseBytes(size), uncompressedBytes: parseBytes(size), files: 0 })) }] }],
    volume: [],
  };
  const disk = diskWriteBytesPerSecond === undefined ? {} : { disk: { writeBytesPerSecond: diskWriteBytesPerSecond } };
  const fleet: ModelFleet = { nodes, rollout: { maxConcurrent: nodes, stages: [{ rest: true }] }, node: { nicBitsPerSecond, ...disk, maxConcurrentDownloads: c.downloads, unpack: c.unpack } };
  const model = resolveModel(c.model, { nodes, nicBitsPerSecond, diskWriteBytesPerSecond });
  const cpu0 = process.cpuUsage();
  const blobs = c.measure === 'blob';
  const out = simulateFleet({ model, fleet, volume: { proxies: 1 }, plan, seed: c.name, layerSamplesUpToNodes: blobs ? nodes : undefined });
  const cpu = process.cpuUsage(cpu0);
  const times = blobs ? out.samples.flatMap((s) => s.layers.map((l) => l.downloadSeconds)) : out.samples.map((s) => s.totalSeconds);
  times.sort((a, b) => a - b);
  const q = (p: number) => quantileSorted(times, p);
  const mean = times.reduce((a, b) => a + b, 0) / times.length;
  return { nodes, figures: { mean, p50: q(0.5), p90: q(0.9), p99: q(0.99), 'p99.9': q(0.999), max: times[times.length - 1]! }, times, cpuSeconds: (cpu.user + cpu.system) / 1e6 };
}

/** Per bin of a published histogram: the published and the simulated share of all times (a simulated time outside every bin counts in none). */
export function histogramShares(histogram: PublishedHistogram, times: readonly number[]): Array<{ from: number; published: number; simulated: number }> {
  const total = histogram.counts.reduce((sum, [, count]) => sum + count, 0);
  return histogram.counts.map(([from, count]) => {
    let inBin = 0;
    for (const t of times) if (t >= from && t < from + histogram.binSeconds) inBin++;
    return { from, published: count / total, simulated: inBin / times.length };
  });
}

/**
 * How far two histograms are apart: half the summed absolute differences of their shares (0 alike, 1 disjoint).
 * Simulated times outside every bin are a bin of their own, where the publication counts none.
 */
export function totalVariation(shares: ReadonlyArray<{ published: number; simulated: number }>): number {
  const binned = shares.reduce((sum, s) => sum + s.simulated, 0);
  return (shares.reduce((sum, s) => sum + Math.abs(s.published - s.simulated), 0) + Math.max(0, 1 - binned)) / 2;
}

/** Simulated minus published, over published. */
export const relativeError = (published: number, simulated: number): number => (simulated - published) / published;
