import type { ResolvedFioNeighbour } from '../../scenario/neighbours-resolved.ts';
import { FioNeighbour } from '../fio-neighbour.ts';
import type { NeighbourWorkload } from '../neighbour-workload.ts';

// fio needs a moment after its start before it runs at its capped rate.
const FIO_SETTLE_MS = 300;

/** `fio:` one rate-capped fio job per measured step, on the nodes' disk (fio-neighbour.ts). */
export function fioWorkload(settings: ResolvedFioNeighbour, dir: string): NeighbourWorkload {
  const n = new FioNeighbour(settings, dir);
  return {
    settings,
    perStep: true,
    settleMs: FIO_SETTLE_MS,
    probe: undefined,
    get toolVersion() {
      return n.version === undefined ? undefined : { name: 'fio', version: n.version };
    },
    start: () => n.preflight(),
    beginStep: () => n.beginStep(),
    endStep: async (inWindow) => {
      const run = await n.endStep();
      return { operations: inWindow(run.operations), lateSends: 0, crash: run.crash };
    },
    pids: () => n.pids(),
    stop: () => n.stop(),
  };
}
