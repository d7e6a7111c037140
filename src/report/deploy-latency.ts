import type { DeployParts } from '../metrics/deploy-parts.ts';
import { median } from '../stats/percentiles.ts';
import { formatFigure } from './figure-format.ts';
import type { Table } from './report-sections.ts';
import type { RunAnalysis } from './run-analysis.ts';

/** The parts a deploy's latency is made of, in pipeline order: whichever shape a mechanism fills. */
export const DEPLOY_PART_NAMES = ['build', 'push', 'rollout', 'prep', 'sync'] as const;
export type DeployPartName = (typeof DEPLOY_PART_NAMES)[number];

/** A step's parts as name and seconds, without the total (image side: build, push, rollout; tree sides: prep, sync). */
export function deployPartsOf(parts: DeployParts): Array<{ part: DeployPartName; seconds: number }> {
  const record = parts as Partial<Record<DeployPartName, number>>;
  return DEPLOY_PART_NAMES.flatMap((part) => (record[part] === undefined ? [] : [{ part, seconds: record[part] }]));
}

/** One strategy's (or mechanism's) deploy latency at one step: each part and the total, medians over measured repeats. */
export interface DeployLatencyRow {
  readonly strategy: string;
  readonly step: string;
  readonly parts: ReadonlyArray<{ readonly part: DeployPartName; readonly seconds: number }>;
  readonly totalSeconds: number;
  readonly repeats: number;
}

/** Per strategy and step, in the report's order; cells whose steps carry no `deploy` (older results) are left out. */
export function deployLatencyRows(analysis: RunAnalysis): DeployLatencyRow[] {
  const rows: DeployLatencyRow[] = [];
  for (const strategy of analysis.strategies) {
    for (const step of analysis.steps) {
      const parts = analysis.measuredSteps.filter((s) => s.strategy === strategy && s.step === step).flatMap((s) => (s.deploy === undefined ? [] : [s.deploy]));
      if (parts.length === 0) continue;
      const names = DEPLOY_PART_NAMES.filter((n) => parts.some((p) => deployPartsOf(p).some((x) => x.part === n)));
      rows.push({
        strategy,
        step,
        parts: names.map((part) => ({ part, seconds: median(parts.flatMap((p) => deployPartsOf(p).filter((x) => x.part === part).map((x) => x.seconds))) })),
        totalSeconds: median(parts.map((p) => p.total)),
        repeats: parts.length,
      });
    }
  }
  return rows;
}

/** The deploy latency table: one column per part any row has, then the total. */
export function deployLatencyTable(rows: readonly DeployLatencyRow[]): Table | undefined {
  if (rows.length === 0) return undefined;
  const names = DEPLOY_PART_NAMES.filter((n) => rows.some((r) => r.parts.some((p) => p.part === n)));
  return {
    title: 'Deploy latency: parts per step',
    note: 'Median seconds over measured repeats. Image side: build (the step\'s image from the previous step\'s build cache), push (new blobs only), rollout (first node start to last node end). Volume side: prep (the master\'s staging tree updated), sync (proxies, then nodes). A part a mechanism does not have is `-`.',
    head: ['strategy', 'step', ...names, 'total'],
    rows: rows.map((r) => [
      r.strategy,
      r.step,
      ...names.map((n) => {
        const p = r.parts.find((x) => x.part === n);
        return p === undefined ? '-' : formatFigure(p.seconds, 'seconds');
      }),
      formatFigure(r.totalSeconds, 'seconds'),
    ]),
    numeric: names.map((_, i) => i + 2).concat(names.length + 2),
  };
}
