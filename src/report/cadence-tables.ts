import { formatBytes } from '../core/units.ts';
import type { CadenceResults } from '../metrics/cadence-results.ts';
import { median } from '../stats/percentiles.ts';
import { cadenceWeeks } from './cadence-analysis.ts';
import { formatFigure } from './figure-format.ts';
import type { Table } from './report-sections.ts';
import type { RunResults } from './results.ts';
import type { RunAnalysis } from './run-analysis.ts';

const HOUR = 3600;
const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

/** `wed 09:05`: a time in the simulated week (seconds since Monday 00:00); `+1w` beyond it. */
function weekTime(seconds: number): string {
  const week = Math.floor(seconds / (7 * 24 * HOUR));
  const inWeek = seconds - week * 7 * 24 * HOUR;
  const minutes = Math.floor(inWeek / 60);
  const day = DAYS[Math.floor(minutes / (24 * 60))] as string;
  const hh = String(Math.floor((minutes % (24 * 60)) / 60)).padStart(2, '0');
  const mm = String(minutes % 60).padStart(2, '0');
  return `${day} ${hh}:${mm}${week > 0 ? ` +${week}w` : ''}`;
}

/** `4h 49m 52s` beyond a minute, seconds below: a merge's wait is hours, a deploy seconds. */
function latency(seconds: number): string {
  if (seconds < 60) return formatFigure(seconds, 'seconds');
  const s = Math.round(seconds);
  const [h, m] = [Math.floor(s / HOUR), Math.floor((s % HOUR) / 60)];
  return `${h > 0 ? `${h}h ` : ''}${m}m ${s % 60}s`;
}

export function cadenceLabel(cadence: CadenceResults): string {
  return cadence.everySeconds === null ? 'per merge' : `every ${+(cadence.everySeconds / HOUR).toFixed(2)} h`;
}

/** Deploys, bytes per node and merge-to-serving latency over the week, per strategy; none without a cadence. */
export function cadenceTables(results: RunResults, analysis: RunAnalysis): Table[] {
  const cadence = results.cadence;
  if (cadence === undefined) return [];
  const weeks = cadenceWeeks(cadence, analysis);
  if (weeks.length === 0) return [];
  const merges = cadence.merges.filter((m) => m.kind !== 'initial');
  const summary: Table = {
    title: `Build cadence: the week, ${cadenceLabel(cadence)}`,
    note: `${merges.length} merges over the simulated week. Deploys: builds after the initial rollout. Received: what one node downloads over them. Merge to serving: from the merge to every node serving it, waiting for the next build included; a deploy starts at its build slot or when the one before it is done.`,
    head: ['strategy', 'cadence', 'deploys / week', 'received / node / week', 'merge to serving (median)', 'max'],
    rows: weeks.map((w) => [
      w.strategy,
      cadenceLabel(cadence),
      String(w.deploys),
      formatBytes(w.bytesPerNode),
      w.latencies.length === 0 ? '-' : latency(median(w.latencies.map((l) => l.seconds))),
      w.latencies.length === 0 ? '-' : latency(Math.max(...w.latencies.map((l) => l.seconds))),
    ]),
    numeric: [2, 3, 4, 5],
  };
  const perMerge: Table = {
    title: 'Build cadence: merge to serving, per merge',
    note: 'When each merge landed, when the build that ships it started, and how long until every node served it, per strategy.',
    head: ['merge', 'merged', 'build', 'deploy step', ...weeks.map((w) => w.strategy)],
    rows: merges.map((m) => [
      m.name,
      weekTime(m.atSeconds),
      weekTime(m.buildAtSeconds),
      m.step,
      ...weeks.map((w) => {
        const l = w.latencies.find((x) => x.merge === m.name);
        return l === undefined ? '-' : latency(l.seconds);
      }),
    ]),
    numeric: weeks.map((_, i) => i + 4),
  };
  return [summary, perMerge];
}
