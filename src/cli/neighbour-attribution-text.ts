import type { NeighboursResults, NeighbourStepResult } from '../report/neighbour-results.ts';
import { textTable } from './text-table.ts';

type Attribution = NonNullable<NeighbourStepResult['attribution']>;
type Phase = Attribution['phases']['baseline'];

const ms = (v: number | null | undefined) => (v === null || v === undefined ? '-' : v < 10 ? v.toFixed(2) : v.toFixed(1));
const pct = (v: number | null | undefined) => (v === null || v === undefined ? '-' : `${Math.round(v * 100)}%`);

/** `cpu / io / rest` per operation; `?` for an I/O wait the kernel did not count. */
function parts(p: Phase): string {
  return `${ms(p.cpuWaitMsPerOp)} / ${p.ioWaitMsPerOp === null ? '?' : ms(p.ioWaitMsPerOp)} / ${ms(p.serviceMsPerOp)}`;
}

function disk(p: Phase): string {
  return p.disk === null ? '-' : `${ms(p.disk.latencyMs)} ms q${p.disk.queueDepth.toFixed(1)}`;
}

/**
 * In words, what held the neighbour up. CPU wait while the neighbours shared the CPUs with the harness is
 * the harness's doing, or another tenant's of the machine (the harness CPU column tells which), not the
 * disk contention a real node causes: virtual nodes unpack in shipbench's process, and a real node's
 * runtime takes far less CPU. Under cpuset isolation CPU wait comes from the neighbours' own core (the
 * other neighbours, other tenants of the machine).
 */
export function causeText(cause: Attribution['slowdown']['cause'], isolation: NeighboursResults['isolation']): string {
  const shared = isolation === undefined || isolation.mode === 'shared';
  switch (cause) {
    case 'none':
      return '~';
    case 'io-wait':
      return 'disk (I/O wait): the node';
    case 'service':
      return 'service time (neither wait grew)';
    case 'cpu-wait':
      return shared ? 'CPU wait: the HARNESS (or host), not the node: shared CPUs' : 'CPU wait on the neighbours\' own core (other processes there)';
  }
}

/** The attribution table of the run summary; empty for results without attribution. */
export function renderNeighbourAttribution(section: NeighboursResults): string {
  const steps = section.steps.filter((s) => s.attribution !== undefined);
  if (steps.length === 0) return '';
  const rows = steps.map((s) => {
    const a = s.attribution as Attribution;
    return [
      s.neighbour,
      s.strategy,
      s.step,
      parts(a.phases.baseline),
      parts(a.phases.contention),
      ms(a.slowdown.addedMs),
      pct(a.slowdown.cpuWaitShare),
      disk(a.phases.baseline),
      disk(a.phases.contention),
      a.harness === undefined ? '-' : `${a.harness.baseline.cpuCores.toFixed(2)} -> ${a.harness.contention.cpuCores.toFixed(2)}`,
      causeText(a.slowdown.cause, section.isolation),
    ];
  });
  const table = textTable(
    ['neighbour', 'strategy', 'step', 'baseline cpu/io/rest ms', 'rollout cpu/io/rest ms', 'added ms', 'CPU share of added wait', 'disk baseline', 'disk rollout', 'harness CPU cores', 'slow-down caused by'],
    rows,
    [3, 4, 5, 6, 7, 8, 9],
  );
  const iso = section.isolation;
  const how = iso === undefined ? 'isolation: not recorded (neighbours shared the CPUs)' : `isolation: ${iso.mode} (${iso.note})`;
  const io =
    iso?.stallsMeasured === true ? 'waits from each neighbour\'s cgroup PSI stall time' : iso?.ioWaitMeasured === true ? 'CPU wait from schedstat, I/O wait from delay accounting' : 'CPU wait from schedstat; I/O wait not counted here (no PSI, kernel.task_delayacct=0): ? and inside rest';
  return `neighbour attribution per operation (${how}; ${io}; rest = service, for http also queueing behind waiting requests; disk: mean latency per I/O and queue depth; harness: shipbench and the processes it started, nodes and engines included, before -> during the rollout):\n${table}\n`;
}
