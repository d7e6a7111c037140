import { parseBytes, parseSeconds } from '../core/units.ts';
import { invalidArguments, type ArgumentPosition } from './scenario-overrides.ts';

/**
 * `--target 'makespan<=15m'`: what a sweep must meet. Times are per step of one strategy variant; `step=NAME`
 * narrows the target to one deploy step, else every step must meet it.
 */
export const TARGET_METRICS = {
  makespan: 'seconds',
  p50: 'seconds',
  p90: 'seconds',
  p99: 'seconds',
  'registry-egress': 'bytes',
} as const satisfies Record<string, 'seconds' | 'bytes'>;
export type TargetMetric = keyof typeof TARGET_METRICS;

export type TargetComparison = '<=' | '<' | '>=' | '>';

export interface SweepTarget {
  readonly text: string;
  readonly metric: TargetMetric;
  readonly comparison: TargetComparison;
  /** Seconds or bytes, by the metric's unit. */
  readonly threshold: number;
  readonly step: string | undefined;
}

const TARGET_PATTERN = /^\s*([a-z0-9-]+)\s*(<=|>=|<|>)\s*([^\s,]+)\s*(?:[\s,]+step=([^\s,]+))?\s*$/;

export function parseTarget(argument: ArgumentPosition): SweepTarget {
  const fail = (offset: number, message: string, hint: string) =>
    invalidArguments([{ location: { file: 'command line', line: 1, col: argument.col + offset }, keyPath: '', message, hint }]);
  const m = argument.text.match(TARGET_PATTERN);
  if (m === null) throw fail(0, `--target ${JSON.stringify(argument.text)} is not METRIC<=VALUE`, "e.g. --target 'makespan<=15m' or --target 'p99<=2m step=train'");
  const metric = m[1] as string;
  if (!(metric in TARGET_METRICS)) throw fail(argument.text.indexOf(metric), `unknown target metric ${JSON.stringify(metric)}`, `use one of ${Object.keys(TARGET_METRICS).join(', ')}`);
  const unit = TARGET_METRICS[metric as TargetMetric];
  const valueText = m[3] as string;
  let threshold: number;
  try {
    threshold = unit === 'seconds' ? parseSeconds(valueText) : parseBytes(valueText);
  } catch (error) {
    throw fail(argument.text.indexOf(valueText), `${valueText} is not a ${unit === 'seconds' ? 'duration' : 'size'}: ${error instanceof Error ? error.message : String(error)}`, unit === 'seconds' ? 'e.g. 15m, 90s' : 'e.g. 2TiB, 500GB');
  }
  return { text: argument.text, metric: metric as TargetMetric, comparison: m[2] as TargetComparison, threshold, step: m[4] };
}

export function meetsTarget(value: number, target: SweepTarget): boolean {
  switch (target.comparison) {
    case '<=':
      return value <= target.threshold;
    case '<':
      return value < target.threshold;
    case '>=':
      return value >= target.threshold;
    case '>':
      return value > target.threshold;
  }
}
