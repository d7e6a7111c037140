import type { NodeStepSample } from '../metrics/samples.ts';
import type { StepResult } from '../metrics/step-result.ts';
import type { ResolvedModel } from '../scenario/model-resolved.ts';
import { fitNonNegativeRates } from './non-negative-fit.ts';
import { spanConcurrency } from './span-concurrency.ts';
import { repeatKey } from '../metrics/step-key.ts';

type Rsync = ResolvedModel['rsync'];

/** Shares of the cores at least this far apart tell a sync's shared work from its fixed wait. */
const DISTINCT_SHARES = 0.05;

/** One measured rsync run: its seconds (less a node's l10n rebuild), what it moved, and the syncs beside it. */
interface MeasuredSync {
  readonly seconds: number;
  readonly files: number;
  readonly bytes: number;
  /** Syncs running at once over its time, itself included (time-weighted). */
  readonly concurrency: number;
}

/**
 * The volume side's costs from the measured syncs: a fixed cost per rsync run, a cost per file transferred and
 * a cost per byte of the files transferred (non-negative least squares), and the l10n rebuild's rate from the
 * JSON each rebuild read.
 *
 * With `harnessCores` (the cores other processes left on the measured machine), the syncs of that one machine
 * shared them: each sync's scan, per-file and per-byte work took its own cost over its share of the cores (at
 * most one core; less when more syncs ran at once than there were cores), its fixed cost did not. The fit takes
 * the proxies' syncs as well as the nodes', and the model shares the same cores (rsync.harnessCores): so two
 * proxies at once keep a lone sync's pace and four nodes on 2 cores do not, as measured. Without them (results
 * from before the harness CPU was sampled), the nodes' syncs as seconds waited: the fixed cost then holds the
 * measured tree's scan (one tree size cannot tell it from the per-run cost), so the model's scan of that tree
 * is taken out of it. Returns the model's rsync figures unchanged when no sample carries rsync counters.
 */
export function rsyncFrom(samples: readonly NodeStepSample[], rsync: Rsync, treeFiles: number | undefined, parameters: Record<string, number>, steps: readonly StepResult[] = [], harnessCores?: number): Rsync {
  const nodeSyncs = samples.filter((s) => s.volume?.rsync !== undefined);
  if (nodeSyncs.length === 0) return rsync;
  const scanned = (treeFiles ?? 0) * rsync.scanPerFileSeconds;
  // The node syncs of each step: the syncs beside one another, and the rebuilds.
  const groups = byStep(nodeSyncs);
  let next: Rsync;
  if (harnessCores === undefined) {
    const rows = nodeSyncs.map((s) => ({ x: [1, s.volume!.rsync!.filesTransferred, s.volume!.rsync!.transferredFileBytes], y: Math.max(0, s.totalSeconds - (s.volume!.l10n?.seconds ?? 0)) }));
    const [fixed, perFile, perByte] = fitNonNegativeRates(rows, 3) as [number, number, number];
    next = { ...rsync, perSyncSeconds: Math.max(0, fixed - scanned), perFileSeconds: perFile, streamBytesPerSecond: perByte > 0 ? 1 / perByte : undefined };
  } else {
    // The tree's scan is work on the shared cores too, so syncs of different shares tell it from the fixed cost
    // (a wait: the process, the connection): one column more, given the tree's size. Syncs that all had the same
    // share cannot: the model's scan is then taken out of each, as without the cores. Each row is divided by its
    // own seconds, so the fit is in relative error: a 0.3 s sync counts as much as a 4 s one.
    const syncs = measuredSyncs(groups, steps).filter((s) => s.seconds > 0);
    const shares = syncs.map((s) => Math.min(1, harnessCores / s.concurrency));
    const scans = treeFiles !== undefined && treeFiles > 0 && Math.max(...shares) - Math.min(...shares) > DISTINCT_SHARES;
    const rows = syncs.map((s, i) => {
      const share = shares[i]!;
      return { x: [1, s.files / share, s.bytes / share, ...(scans ? [1 / share] : [])].map((v) => v / s.seconds), y: Math.max(0, s.seconds - (scans ? 0 : scanned / share)) / s.seconds };
    });
    const [fixed, perFile, perByte, scan] = fitNonNegativeRates(rows, scans ? 4 : 3) as [number, number, number, number | undefined];
    next = { ...rsync, perSyncSeconds: fixed, perFileSeconds: perFile, streamBytesPerSecond: perByte > 0 ? 1 / perByte : undefined, harnessCores };
    if (scans) {
      next = { ...next, scanPerFileSeconds: (scan ?? 0) / treeFiles! };
      parameters.rsyncScanPerFileSeconds = next.scanPerFileSeconds;
    }
    parameters.rsyncHarnessCores = harnessCores;
  }
  parameters.rsyncPerSyncSeconds = next.perSyncSeconds;
  parameters.rsyncPerFileSeconds = next.perFileSeconds;
  if (next.streamBytesPerSecond !== undefined) parameters.rsyncStreamBytesPerSecond = next.streamBytesPerSecond;
  const rebuilds = measuredRebuilds(groups, harnessCores === undefined ? undefined : HARNESS_THREADS);
  // The model charges each rebuilt language the per-file cost too: the rate is what is left of the seconds.
  const rebuildSeconds = rebuilds.reduce((n, r) => n + Math.max(0, r.ownSeconds - r.languages * next.perFileSeconds), 0);
  if (rebuildSeconds > 0) {
    next = { ...next, l10nRebuildBytesPerSecond: rebuilds.reduce((n, r) => n + r.jsonBytes, 0) / rebuildSeconds };
    parameters.l10nRebuildBytesPerSecond = next.l10nRebuildBytesPerSecond;
    if (harnessCores !== undefined) next = { ...next, harnessThreads: HARNESS_THREADS };
  }
  return next;
}

/** shipbench's threads the nodes' l10n rebuilds share on a one-machine run: its main thread (JSON.parse, the CDB build). */
const HARNESS_THREADS = 1;

/**
 * The nodes' l10n rebuilds that read JSON, each with its own seconds: as measured, or on a one-machine run
 * (`threads`) its seconds times its share of the harness's threads, the rebuilds beside it counted from their
 * spans (each the end of its node's sync). Four nodes rebuilding at once on one thread each took four times its
 * own work (2.4 s each on the quick start).
 */
function measuredRebuilds(groups: ReadonlyMap<string, readonly NodeStepSample[]>, threads: number | undefined): Array<{ ownSeconds: number; languages: number; jsonBytes: number }> {
  const out: Array<{ ownSeconds: number; languages: number; jsonBytes: number }> = [];
  for (const group of groups.values()) {
    const rebuilt = group.filter((s) => s.volume!.l10n !== undefined && s.volume!.l10n.languages > 0 && s.volume!.l10n.jsonBytesRead > 0);
    const ends = rebuilt.map((s) => s.startSeconds + s.totalSeconds);
    const atOnce = spanConcurrency(rebuilt.map((s, i) => ({ start: ends[i]! - s.volume!.l10n!.seconds, end: ends[i]! })));
    rebuilt.forEach((s, i) => {
      const l10n = s.volume!.l10n!;
      const share = threads === undefined ? 1 : Math.min(1, threads / atOnce[i]!);
      out.push({ ownSeconds: l10n.seconds * share, languages: l10n.languages, jsonBytes: l10n.jsonBytesRead });
    });
  }
  return out;
}

/** The node syncs of each step (strategy, step and repeat), in the samples' order. */
function byStep(nodeSyncs: readonly NodeStepSample[]): Map<string, NodeStepSample[]> {
  const groups = new Map<string, NodeStepSample[]>();
  for (const s of nodeSyncs) {
    const key = repeatKey(s);
    const group = groups.get(key);
    if (group === undefined) groups.set(key, [s]);
    else group.push(s);
  }
  return groups;
}

/**
 * Every measured sync of the volume and hybrid sides: the nodes' (their rsync only: from their start to their
 * end less the l10n rebuild that follows it) with the nodes of their step beside them, and the proxies' (all
 * of a step's proxies start together), which moved what the step's nodes then moved.
 */
function measuredSyncs(groups: ReadonlyMap<string, readonly NodeStepSample[]>, steps: readonly StepResult[]): MeasuredSync[] {
  const out: MeasuredSync[] = [];
  for (const group of groups.values()) {
    const rsyncSeconds = group.map((s) => Math.max(0, s.totalSeconds - (s.volume!.l10n?.seconds ?? 0)));
    const concurrency = spanConcurrency(group.map((s, i) => ({ start: s.startSeconds, end: s.startSeconds + rsyncSeconds[i]! })));
    group.forEach((s, i) => out.push({ seconds: rsyncSeconds[i]!, files: s.volume!.rsync!.filesTransferred, bytes: s.volume!.rsync!.transferredFileBytes, concurrency: concurrency[i]! }));
  }
  for (const step of steps) {
    const group = groups.get(repeatKey(step));
    const proxies = (step.volume?.proxies ?? []).filter((p) => !p.failed && p.syncSeconds > 0);
    if (group === undefined || proxies.length === 0) continue;
    const moved = group[0]!.volume!.rsync!;
    const concurrency = spanConcurrency(proxies.map((p) => ({ start: 0, end: p.syncSeconds })));
    proxies.forEach((p, i) => out.push({ seconds: p.syncSeconds, files: moved.filesTransferred, bytes: moved.transferredFileBytes, concurrency: concurrency[i]! }));
  }
  return out;
}
