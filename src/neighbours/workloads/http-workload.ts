import type { ResolvedHttpNeighbour } from '../../scenario/neighbours-resolved.ts';
import { HttpNeighbour } from '../http-neighbour.ts';
import type { NeighbourWorkload } from '../neighbour-workload.ts';

/** `http:` a service and its open-loop load, running throughout the run (http-neighbour.ts). */
export function httpWorkload(settings: ResolvedHttpNeighbour, dir: string): NeighbourWorkload & { readonly servicePid: number | undefined } {
  const n = new HttpNeighbour(settings, dir);
  let lateBefore = 0;
  return {
    settings,
    perStep: false,
    settleMs: 0,
    get probe() {
      return n.probe;
    },
    toolVersion: undefined,
    /** For fault tests that kill the service. */
    get servicePid() {
      return n.servicePid;
    },
    start: () => n.start(),
    beginStep: async () => {
      lateBefore = n.lateSends;
      // Only this step's requests matter from here on; older ones were recorded with their own step.
      n.operations.length = 0;
    },
    endStep: async (inWindow) => ({ operations: inWindow(n.operations), lateSends: n.lateSends - lateBefore, crash: n.crash }),
    pids: () => n.pids(),
    stop: () => n.stop(),
  };
}
