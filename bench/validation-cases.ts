/**
 * Published results of real registry and P2P systems as fleet-model cases: each file in scenarios/validation/
 * names its source, the parameters taken from it, the assumptions for the rest, the published figures, and
 * the model's input (the scenario file's `model` block, a fleet and the image's layers). bench/validation.ts
 * prints published against simulated; test/model/validation-scenarios.test.ts keeps each within 25%.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { parseBitsPerSecond, parseBytes, parseSeconds } from '../src/core/units.ts';
import type { FleetPlan } from '../src/model/fleet-plan.ts';
import type { ModelFleet } from '../src/model/model-fleet.ts';
import { simulateFleet } from '../src/model/simulate-fleet.ts';
import { resolveModel } from '../src/scenario/model-resolve.ts';
import { type ModelInput, modelInputSchema } from '../src/scenario/model-schema.ts';

export const VALIDATION_DIR = new URL('../scenarios/validation/', import.meta.url).pathname;

/** Figures a publication gives: node-time quantiles and the mean node time, in seconds. */
export const FIGURES = ['mean', 'p50', 'p90', 'p99', 'p99.9', 'max'] as const;
export type Figure = (typeof FIGURES)[number];

export interface ValidationCase {
  readonly file: string;
  readonly name: string;
  readonly source: { readonly url: string; readonly section: string; readonly quote: string };
  readonly nodes: number;
  readonly nic: string;
  readonly downloads: number;
  readonly unpack: boolean;
  readonly layers: readonly string[];
  readonly model: ModelInput;
  readonly published: Partial<Record<Figure, number>>;
  /** A cheaper run for the test: fewer nodes where the figures it checks do not depend on the node count. */
  readonly test: { readonly nodes: number; readonly figures: readonly Figure[] };
}

export function loadValidationCases(dir = VALIDATION_DIR): ValidationCase[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => toCase(join(dir, f), parse(readFileSync(join(dir, f), 'utf8')) as RawCase));
}

interface RawCase {
  name: string;
  source: ValidationCase['source'];
  fleet: { nodes: number; nic: string; downloads: number; unpack: boolean };
  layers: string[];
  model: unknown;
  published: Record<string, string>;
  test: { nodes: number; figures: string[] };
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
  return { file, name: raw.name, source: raw.source, ...raw.fleet, layers: raw.layers, model: model.data, published, test: { nodes: raw.test.nodes, figures } };
}

export interface SimulatedCase {
  readonly nodes: number;
  readonly figures: Record<Figure, number>;
  readonly cpuSeconds: number;
}

/** Runs a case through the fleet model with `nodes` nodes (the publication's count by default). */
export function simulateCase(c: ValidationCase, nodes = c.nodes): SimulatedCase {
  const nicBitsPerSecond = parseBitsPerSecond(c.nic);
  const plan: FleetPlan = {
    strategies: [{ name: c.name, steps: [{ step: 'initial', layers: c.layers.map((size, i) => ({ id: `layer-${i}`, compressedBytes: parseBytes(size), uncompressedBytes: parseBytes(size), files: 0 })) }] }],
    volume: [],
  };
  const fleet: ModelFleet = { nodes, rollout: { maxConcurrent: nodes, stages: [{ rest: true }] }, node: { nicBitsPerSecond, maxConcurrentDownloads: c.downloads, unpack: c.unpack } };
  const model = resolveModel(c.model, { nodes, nicBitsPerSecond, diskWriteBytesPerSecond: undefined });
  const cpu0 = process.cpuUsage();
  const out = simulateFleet({ model, fleet, volume: { proxies: 1 }, plan, seed: c.name });
  const cpu = process.cpuUsage(cpu0);
  const t = out.steps[0]!.model!.nodeSeconds!;
  const times = out.samples.map((s) => s.totalSeconds);
  const mean = times.reduce((a, b) => a + b, 0) / times.length;
  return { nodes, figures: { mean, p50: t.p50, p90: t.p90, p99: t.p99, 'p99.9': t.p999, max: t.max }, cpuSeconds: (cpu.user + cpu.system) / 1e6 };
}

/** Simulated minus published, over published. */
export const relativeError = (published: number, simulated: number): number => (simulated - published) / published;
