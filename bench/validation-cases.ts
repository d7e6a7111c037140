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
  readonly measure: Measure;
  /**
   * A cheaper run for the test: fewer nodes where the figures it checks do not depend on the node count. No
   * figures: the bench prints the case and the test leaves it out, for the reason `why` gives.
   */
  readonly test: { readonly nodes: number; readonly figures: readonly Figure[]; readonly why?: string | undefined };
}

export function loadValidationCases(dir = VALIDATION_DIR): ValidationCase[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .flatMap((f) => toCases(join(dir, f), parse(readFileSync(join(dir, f), 'utf8')) as RawCase));
}

/** What a publication measured once per image: its own layers, figures and test (the rest as the file's). */
interface RawVariant {
  name: string;
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
  measure?: string;
  test: { nodes: number; figures: string[]; why?: string };
  /** Several images measured the same way: one case each, named `<name>-<variant>`. */
  variants?: RawVariant[];
}

function toCases(file: string, raw: RawCase): ValidationCase[] {
  if (raw.variants === undefined) return [toCase(file, raw)];
  return raw.variants.map((v) => toCase(file, { ...raw, name: `${raw.name}-${v.name}`, layers: v.layers, published: v.published, test: v.test }));
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
  return { file, name: raw.name, source: raw.source, ...raw.fleet, layers: raw.layers, model: model.data, published, measure: measure as Measure, test: { nodes: raw.test.nodes, figures, why: raw.test.why } };
}

export interface SimulatedCase {
  readonly nodes: number;
  readonly figures: Record<Figure, number>;
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
  return { nodes, figures: { mean, p50: q(0.5), p90: q(0.9), p99: q(0.99), 'p99.9': q(0.999), max: times[times.length - 1]! }, cpuSeconds: (cpu.user + cpu.system) / 1e6 };
}

/** Simulated minus published, over published. */
export const relativeError = (published: number, simulated: number): number => (simulated - published) / published;
