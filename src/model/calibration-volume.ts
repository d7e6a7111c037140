import type { NodeStepSample } from '../metrics/samples.ts';
import type { ResolvedModel } from '../scenario/model-resolved.ts';
import { fitNonNegativeRates } from './non-negative-fit.ts';

type Rsync = ResolvedModel['rsync'];

/**
 * The volume side's costs from the measured nodes' syncs (the volume and hybrid sides' samples, which carry
 * rsync's own counters): each node's sync, less its l10n rebuild, as a fixed cost per rsync run, a cost per
 * file transferred and a cost per byte of the files transferred (non-negative least squares), and the l10n
 * rebuild's rate from the JSON each rebuild read. The fixed cost holds the measured tree's scan (one tree size
 * cannot tell it from the per-run cost), so the model's scan of that tree is taken out of it. Returns the
 * model's rsync figures unchanged when no sample carries rsync counters.
 */
export function rsyncFrom(samples: readonly NodeStepSample[], rsync: Rsync, treeFiles: number | undefined, parameters: Record<string, number>): Rsync {
  const syncs = samples.flatMap((s) => (s.volume?.rsync === undefined ? [] : [{ seconds: s.totalSeconds, rsync: s.volume.rsync, l10n: s.volume.l10n }]));
  if (syncs.length === 0) return rsync;
  const rows = syncs.map((s) => ({ x: [1, s.rsync.filesTransferred, s.rsync.transferredFileBytes], y: Math.max(0, s.seconds - (s.l10n?.seconds ?? 0)) }));
  const [fixed, perFile, perByte] = fitNonNegativeRates(rows, 3) as [number, number, number];
  const scanned = (treeFiles ?? 0) * rsync.scanPerFileSeconds;
  let next: Rsync = { ...rsync, perSyncSeconds: Math.max(0, fixed - scanned), perFileSeconds: perFile, streamBytesPerSecond: perByte > 0 ? 1 / perByte : undefined };
  parameters.rsyncPerSyncSeconds = next.perSyncSeconds;
  parameters.rsyncPerFileSeconds = perFile;
  if (perByte > 0) parameters.rsyncStreamBytesPerSecond = 1 / perByte;
  const rebuilds = syncs.flatMap((s) => (s.l10n !== undefined && s.l10n.languages > 0 && s.l10n.jsonBytesRead > 0 ? [s.l10n] : []));
  // The model charges each rebuilt language the per-file cost too: the rate is what is left of the seconds.
  const rebuildSeconds = rebuilds.reduce((n, l) => n + Math.max(0, l.seconds - l.languages * perFile), 0);
  if (rebuildSeconds > 0) {
    next = { ...next, l10nRebuildBytesPerSecond: rebuilds.reduce((n, l) => n + l.jsonBytesRead, 0) / rebuildSeconds };
    parameters.l10nRebuildBytesPerSecond = next.l10nRebuildBytesPerSecond;
  }
  return next;
}
