import type { ResolvedNeighbour } from '../scenario/neighbours-resolved.ts';
import type { NeighbourWorkload } from './neighbour-workload.ts';
import { fioWorkload } from './workloads/fio-workload.ts';
import { httpWorkload } from './workloads/http-workload.ts';

type WorkloadMap = { readonly [K in ResolvedNeighbour['kind']]: (settings: Extract<ResolvedNeighbour, { kind: K }>, dir: string) => NeighbourWorkload };

/**
 * Neighbour workloads by kind. Each kind's input schema is in scenario/neighbours-schema.ts (`httpInput`,
 * `fioInput`), its resolved form and defaults in scenario/neighbours-resolved.ts and neighbours-resolve.ts,
 * its implementation under workloads/. Adding one is those three entries, a file there and a line here.
 */
const WORKLOADS: WorkloadMap = {
  http: httpWorkload,
  fio: fioWorkload,
};

export function createWorkload(settings: ResolvedNeighbour, dir: string): NeighbourWorkload {
  const create = WORKLOADS[settings.kind] as (settings: ResolvedNeighbour, dir: string) => NeighbourWorkload;
  return create(settings, dir);
}
