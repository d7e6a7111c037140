import { formatBytes, formatSeconds } from '../core/units.ts';
import type { RunResults } from '../report/results.ts';
import { median } from '../stats/percentiles.ts';
import { textTable } from './text-table.ts';
import { stepKey } from '../metrics/step-key.ts';

/**
 * The registry's strain per strategy and step (median over measured repeats; peaks and errors: worst or
 * sum): its CPU, memory and connections when embedded, what the clients saw of it always. '' without any.
 */
export function renderRegistryStrain(results: RunResults): string {
  const measured = results.steps.filter((s) => !s.warmup && s.registry !== undefined);
  if (measured.length === 0) return '';
  const keys = [...new Map(measured.map((s) => [stepKey(s), s])).values()];
  const rows = keys.map(({ strategy, step }) => {
    const strains = measured.filter((s) => s.strategy === strategy && s.step === step).flatMap((s) => (s.registry === undefined ? [] : [s.registry]));
    const processes = strains.flatMap((r) => (r.process === undefined ? [] : [r.process]));
    const clients = strains.flatMap((r) => (r.client === undefined ? [] : [r.client]));
    const perGiB = strains.flatMap((r) => (r.cpuSecondsPerGiB === null ? [] : [r.cpuSecondsPerGiB]));
    const served = strains.flatMap((r) => (r.served === undefined ? [] : [r.served]));
    const or = (values: number[], f: (v: number[]) => string) => (values.length === 0 ? '-' : f(values));
    const errors = clients.reduce((n, c) => n + c.throttled, 0) + served.reduce((n, s) => n + s.throttled, 0);
    const fives = clients.reduce((n, c) => n + c.serverErrors, 0) + served.reduce((n, s) => n + s.serverErrors, 0);
    return [
      strategy,
      step,
      or(processes.map((p) => p.cpuSeconds), (v) => formatSeconds(median(v))),
      // Plain seconds: a step that served a few KiB costs minutes per GiB, and that is the honest figure.
      or(perGiB, (v) => `${median(v).toFixed(2)} s`),
      or(processes.map((p) => p.peakRssBytes), (v) => formatBytes(Math.max(...v))),
      or(processes.map((p) => p.peakConnections), (v) => String(Math.max(...v))),
      or(served.length > 0 ? served.map((s) => s.requestsPerSecond) : [], (v) => median(v).toFixed(1)),
      or(clients.map((c) => c.meanLatencySeconds), (v) => `${formatSeconds(median(v))} / ${formatSeconds(Math.max(...clients.map((c) => c.maxLatencySeconds)))}`),
      `${errors} / ${fives} / ${clients.reduce((n, c) => n + c.networkErrors, 0)}`,
      processes.some((p) => p.exitedDuringStep === true) ? 'registry died' : '',
    ];
  });
  const table = textTable(
    ['strategy', 'step', 'registry cpu', 'cpu s / GiB served', 'peak rss', 'peak conns', 'req/s', 'latency mean / max', '429 / 5xx / no answer', ''],
    rows,
    [2, 3, 4, 5, 6, 7, 8],
  );
  return `Registry strain (embedded: its process and access log; any registry: what the nodes saw)\n${table}\n`;
}
