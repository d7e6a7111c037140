import type { NodeStepSample } from '../metrics/samples.ts';
import type { ResolvedModel } from '../scenario/model-resolved.ts';
import { median } from '../stats/percentiles.ts';
import { aloneLayers, timed } from './calibration-links.ts';

/** Blobs this small are mostly request and commit, whatever the link: 64 KiB at 8 Mbit/s is 66 ms, so the burst or the rate is subtracted. */
const SMALL_BLOB_BYTES = 64 * 1024;

/**
 * The commit of each downloaded blob (model.node.blobCommit): what the measured nodes spent on their smallest
 * blobs beyond the request's round trip and the bytes' time on the link (none while the NIC's burst covers
 * them), counting only blobs that downloaded alone (beside a larger one, a small blob waits for the shared
 * link). containerd fsyncs every blob before it commits it, so a 4.7 KB blob took 16 ms where the request took
 * 7. The median over those blobs; nothing when there is none or the request time is unknown.
 */
export function blobCommitFrom(samples: readonly NodeStepSample[], node: ResolvedModel['node'], requestSeconds: number | undefined, parameters: Record<string, number>): ResolvedModel['node'] {
  if (requestSeconds === undefined) return node;
  const linkBytesPerSecond = node.nicBitsPerSecond / 8;
  const residuals = samples.flatMap((s) =>
    aloneLayers(s.layers.filter(timed))
      .filter((l) => l.bytes <= SMALL_BLOB_BYTES)
      .map((l) => l.downloadSeconds - requestSeconds - Math.max(0, l.bytes - node.nicBurstBytes) / linkBytesPerSecond),
  );
  if (residuals.length === 0) return node;
  const commit = Math.max(0, median(residuals));
  parameters.blobCommitSeconds = commit;
  return { ...node, blobCommitSeconds: commit };
}
