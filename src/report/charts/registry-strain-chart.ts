import { median } from '../../stats/percentiles.ts';
import type { RunAnalysis } from '../run-analysis.ts';
import { CHART_CONFIG, MIB, VEGA_LITE_SCHEMA, type Chart } from './chart.ts';
import { stepKey } from '../../metrics/step-key.ts';

/** The embedded registry's CPU per deploy step and strategy (median over measured repeats), peak RSS and load in the tooltip. */
export function registryStrainChart(analysis: RunAnalysis): Chart | undefined {
  const groups = new Map<string, { strategy: string; step: string; cpu: number[]; perGiB: number[]; rss: number[]; rps: number[] }>();
  for (const s of analysis.measuredSteps) {
    const p = s.registry?.process;
    if (p === undefined) continue;
    const key = stepKey(s);
    const g = groups.get(key) ?? { strategy: s.strategy, step: s.step, cpu: [], perGiB: [], rss: [], rps: [] };
    g.cpu.push(p.cpuSeconds);
    if (s.registry?.cpuSecondsPerGiB != null) g.perGiB.push(s.registry.cpuSecondsPerGiB);
    g.rss.push(p.peakRssBytes);
    if (s.registry?.served !== undefined) g.rps.push(s.registry.served.requestsPerSecond);
    groups.set(key, g);
  }
  if (groups.size === 0) return undefined;
  const values = [...groups.values()].map((g) => ({
    strategy: g.strategy,
    step: g.step,
    cpuSeconds: median(g.cpu),
    cpuPerGiB: g.perGiB.length === 0 ? null : median(g.perGiB),
    peakRssMiB: Math.max(...g.rss) / MIB,
    requestsPerSecond: g.rps.length === 0 ? null : median(g.rps),
  }));
  return {
    name: 'registry-strain',
    title: 'Registry CPU per deploy step',
    caption:
      'CPU seconds the embedded registry process spent serving each step (from /proc/PID, median over repeats). A cold step costs the registry in proportion to the bytes it serves; a strategy that re-ships unchanged layers makes it work for nothing. The tooltip has CPU seconds per GiB served, peak RSS and requests per second.',
    spec: {
      $schema: VEGA_LITE_SCHEMA,
      config: CHART_CONFIG,
      data: { values },
      width: { step: 36 },
      height: 220,
      mark: { type: 'bar' },
      encoding: {
        x: { field: 'step', type: 'nominal', sort: [...analysis.steps], title: 'deploy step', axis: { labelAngle: 0 } },
        xOffset: { field: 'strategy', type: 'nominal', sort: [...analysis.strategies] },
        y: { field: 'cpuSeconds', type: 'quantitative', title: 'registry CPU seconds' },
        color: { field: 'strategy', type: 'nominal', sort: [...analysis.strategies], title: 'strategy' },
        tooltip: [
          { field: 'strategy' },
          { field: 'step' },
          { field: 'cpuSeconds', format: '.3f', title: 'CPU s' },
          { field: 'cpuPerGiB', format: '.3f', title: 'CPU s / GiB' },
          { field: 'peakRssMiB', format: '.1f', title: 'peak RSS MiB' },
          { field: 'requestsPerSecond', format: '.1f', title: 'requests/s' },
        ],
      },
    },
  };
}
