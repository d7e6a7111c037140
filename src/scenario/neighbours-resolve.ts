import { parseBytes, parseSeconds, parseShare } from '../core/units.ts';
import { HYBRID_STRATEGY_NAME } from './hybrid-scenario.ts';
import type { NeighboursInput } from './neighbours-schema.ts';
import type { ResolvedNeighbour, ResolvedNeighbours } from './neighbours-resolved.ts';

export const NEIGHBOUR_DEFAULTS = {
  baselineSeconds: 3,
  recoverySeconds: 3,
  hashBytes: 16 * 1024,
  reads: 2,
  readBytes: 4096,
  writes: 1,
  writeBytes: 512,
  files: 32,
  maxConnections: 64,
  probeSeconds: 1,
  fioRw: 'randrw',
  fioBlockBytes: 4096,
  fioRateIops: 100,
  fioDirect: true,
  fioFileBytes: 32 * 2 ** 20,
} as const;

/** The name of the code-in-volume side in results, beside the layer strategies. */
export const VOLUME_STRATEGY_NAME = 'volume';

export function resolveNeighbours(input: NeighboursInput | undefined): ResolvedNeighbours | undefined {
  if (input === undefined) return undefined;
  const d = NEIGHBOUR_DEFAULTS;
  const workloads = input.workloads.map((w): ResolvedNeighbour => {
    if ('http' in w) {
      const h = w.http;
      return {
        kind: 'http',
        name: w.name ?? 'http',
        requestsPerSecond: h.rate,
        hashBytes: h.hash === undefined ? d.hashBytes : parseBytes(h.hash),
        reads: h.reads ?? d.reads,
        readBytes: h.readSize === undefined ? d.readBytes : parseBytes(h.readSize),
        writes: h.writes ?? d.writes,
        writeBytes: h.writeSize === undefined ? d.writeBytes : parseBytes(h.writeSize),
        files: h.files ?? d.files,
        maxConnections: h.connections ?? d.maxConnections,
        probeSeconds: h.probe === undefined ? d.probeSeconds : parseSeconds(h.probe),
      };
    }
    const f = w.fio ?? {};
    return {
      kind: 'fio',
      name: w.name ?? 'fio',
      rw: f.rw ?? d.fioRw,
      blockBytes: f.blockSize === undefined ? d.fioBlockBytes : parseBytes(f.blockSize),
      rateIops: f.rateIops ?? d.fioRateIops,
      direct: f.direct ?? d.fioDirect,
      fileBytes: f.size === undefined ? d.fioFileBytes : parseBytes(f.size),
    };
  });
  return {
    baselineSeconds: input.baseline === undefined ? d.baselineSeconds : parseSeconds(input.baseline),
    recoverySeconds: input.recovery === undefined ? d.recoverySeconds : parseSeconds(input.recovery),
    minEffect: input.minEffect === undefined ? undefined : parseShare(input.minEffect),
    isolation: input.isolation,
    steps: input.steps,
    strategies: input.strategies,
    workloads,
  };
}

/** Cross-key problems of `neighbours:`; paths are from the scenario root. */
export function findNeighbourProblems(
  input: NeighboursInput | undefined,
  stepNames: readonly string[],
  strategyNames: readonly string[],
): Array<{ path: Array<string | number>; message: string; hint: string }> {
  if (input === undefined) return [];
  const problems: Array<{ path: Array<string | number>; message: string; hint: string }> = [];
  const known = (list: readonly string[]) => list.map((s) => `"${s}"`).join(', ');
  input.steps?.forEach((step, i) => {
    if (!stepNames.includes(step)) problems.push({ path: ['neighbours', 'steps', i], message: `no deploy step is named "${step}"`, hint: `name one of ${known(stepNames)}` });
  });
  const strategies = [...strategyNames, VOLUME_STRATEGY_NAME, HYBRID_STRATEGY_NAME];
  input.strategies?.forEach((s, i) => {
    if (!strategies.includes(s)) problems.push({ path: ['neighbours', 'strategies', i], message: `no strategy is named "${s}"`, hint: `name one of ${known(strategies)}` });
  });
  const resolved = resolveNeighbours(input)?.workloads ?? [];
  resolved.forEach((w, i) => {
    if (resolved.findIndex((o) => o.name === w.name) !== i) {
      problems.push({ path: ['neighbours', 'workloads', i], message: `two neighbours are named "${w.name}"`, hint: 'add name: to one of them' });
    }
    if (w.kind === 'http' && w.reads > 0 && w.readBytes < 1) problems.push({ path: ['neighbours', 'workloads', i, 'http', 'readSize'], message: 'readSize must be at least 1 byte', hint: 'e.g. readSize: 4KiB' });
    if (w.kind === 'http' && w.writes > 0 && w.writeBytes < 1) problems.push({ path: ['neighbours', 'workloads', i, 'http', 'writeSize'], message: 'writeSize must be at least 1 byte', hint: 'e.g. writeSize: 512B' });
    if (w.kind === 'fio' && w.direct && w.blockBytes % 512 !== 0) problems.push({ path: ['neighbours', 'workloads', i, 'fio', 'blockSize'], message: `direct I/O needs a block size that is a multiple of 512 bytes, not ${w.blockBytes}`, hint: 'use 4KiB, or direct: false' });
    if (w.kind === 'fio' && w.fileBytes < w.blockBytes) problems.push({ path: ['neighbours', 'workloads', i, 'fio', 'size'], message: 'fio\'s file is smaller than one block', hint: 'e.g. size: 32MiB' });
  });
  return problems;
}
