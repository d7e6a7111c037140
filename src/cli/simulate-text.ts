import { formatBytes, formatSeconds } from '../core/units.ts';
import type { CalibrationComparison } from '../metrics/calibration-comparison.ts';
import type { StepResult } from '../metrics/step-result.ts';
import { textTable } from './text-table.ts';
import { stepKey } from '../metrics/step-key.ts';

/** The terminal view of `simulate`: makespan per step and variant side by side, then each variant's tiers. */
export function renderSimulation(steps: readonly StepResult[], nodes: number, wallSeconds: number): string {
  const variants = [...new Set(steps.map((s) => s.strategy))];
  const stepNames = [...new Set(steps.map((s) => s.step))];
  const out: string[] = [`simulated ${nodes} nodes, ${variants.length} variants x ${stepNames.length} steps in ${wallSeconds.toFixed(2)} s wall time`];
  out.push(
    textTable(
      ['makespan', ...variants],
      stepNames.map((step) => [step, ...variants.map((v) => {
        const s = steps.find((x) => x.strategy === v && x.step === step);
        return s === undefined ? '-' : formatSeconds(s.makespanSeconds);
      })]),
      variants.map((_, i) => i + 1),
    ),
  );
  out.push(
    textTable(
      ['variant', 'step', 'makespan', 'running', 'to nodes', 'registry', 'backend', 'cache', 'peers', 'rsync proxies', 'peak registry', 'disk/node', 'peak IOPS/node', 'bottleneck'],
      steps.map((s) => {
        const tier = (name: string) => s.model?.tiers.find((t) => t.tier === name);
        const bytes = (name: string) => {
          const t = tier(name);
          return t === undefined ? '-' : formatBytes(t.bytes);
        };
        const peak = tier(s.model?.topology === 'rsync' ? 'rsync-proxies' : 'registry')?.peakBytesPerSecond ?? 0;
        return [
          // When the last container runs (after model.node.start; for lazy pulls, after the working set).
          s.strategy, s.step, formatSeconds(s.makespanSeconds), s.model?.timeToStart === undefined ? '-' : formatSeconds(s.model.timeToStart.makespanSeconds), formatBytes(s.bytesDownloaded), bytes('registry'), bytes('backend'), bytes('cache'), bytes('peers'), bytes('rsync-proxies'),
          `${formatBytes(peak)}/s`, formatBytes(s.model?.nodeDisk.maxBytesPerNode ?? 0), Math.round(s.model?.nodeDisk.peakIopsMax ?? 0), s.model?.bottleneck ?? '-',
        ];
      }),
      [2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12],
    ),
  );
  out.push(...deployLatency(steps));
  out.push(...pastTimeout(steps));
  return `${out.join('\n')}\n`;
}

/** From code to every node serving it, per step: the image built and pushed, or the master's tree prepared, then the rollout or sync. */
function deployLatency(steps: readonly StepResult[]): string[] {
  const rows = steps.flatMap((s) => {
    const d = s.deploy;
    if (d === undefined) return [];
    return [[s.strategy, s.step, ...('build' in d ? [`build ${formatSeconds(d.build)}`, formatSeconds(d.push), `rollout ${formatSeconds(d.rollout)}`] : [`prep ${formatSeconds(d.prep)}`, '-', `sync ${formatSeconds(d.sync)}`]), formatSeconds(d.total)]];
  });
  return rows.length === 0 ? [] : [textTable(['deploy latency', 'step', 'build or prep', 'push', 'rollout or sync', 'total'], rows, [2, 3, 4, 5])];
}

/** Releases that rolled past helm's timeout: helm fails them (an atomic one is rolled back), however the model ends. */
function pastTimeout(steps: readonly StepResult[]): string[] {
  const lines = steps.flatMap((s) => {
    const late = (s.model?.releases ?? []).filter((r) => r.pastTimeout);
    return late.length === 0 ? [] : [`  ${s.strategy} ${s.step}: ${late.map((r) => `${r.release} in ${r.datacentre} ${formatSeconds(r.seconds)}`).join(', ')}`];
  });
  return lines.length === 0 ? [] : ['releases rolling past model.rollout.timeout (helm fails them; an atomic release is rolled back):', ...lines];
}

const signedPercent = (v: number) => `${v >= 0 ? '+' : ''}${v.toFixed(1)}%`;

/** Measured beside simulated, one line per strategy and step: makespan, then each node-time quantile. */
export function renderCalibration(c: CalibrationComparison): string {
  const params = Object.entries(c.parameters).map(([k, v]) => `  ${k} = ${/BytesPerSecond$/.test(k) ? `${formatBytes(v)}/s` : v.toPrecision(4)}`);
  const metrics = [...new Set(c.rows.map((r) => r.metric))];
  const pairs = [...new Map(c.rows.map((r) => [stepKey(r), r] as const)).values()];
  const table = textTable(
    ['strategy', 'step', ...metrics.flatMap((m) => [`${m} measured`, 'simulated', 'error'])],
    pairs.map((p) => [
      p.strategy,
      p.step,
      ...metrics.flatMap((m) => {
        const r = c.rows.find((x) => x.strategy === p.strategy && x.step === p.step && x.metric === m);
        return r === undefined ? ['-', '-', '-'] : [formatSeconds(r.measuredSeconds), formatSeconds(r.simulatedSeconds), signedPercent(r.errorPercent)];
      }),
    ]),
    metrics.flatMap((_, i) => [2 + 3 * i, 3 + 3 * i, 4 + 3 * i]),
  );
  const worst = c.maxAbsoluteErrorPercent === undefined ? '' : `, largest error of any row: ${c.maxAbsoluteErrorPercent.toFixed(1)}%`;
  const caveats = (c.caveats ?? []).map((line) => `caveat: ${line}\n`).join('');
  const draws = c.simulatedDraws === undefined || c.simulatedDraws === 1 ? '' : `simulated: over ${c.simulatedDraws} seeded draws of the fleet (makespan as the measured repeats read it: each set of as many draws its median, then the median over the sets; node quantiles over all their nodes)\n`;
  return `calibrated from ${c.measured}:\n${params.join('\n')}\n${table}\n${draws}mean absolute makespan error: ${c.meanAbsoluteErrorPercent.toFixed(1)}%${worst}\n${caveats}`;
}
