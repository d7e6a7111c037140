import type { ResolvedModel } from '../scenario/model-resolved.ts';
import type { ModelLayer, ModelVolumeStep } from './fleet-plan.ts';

const bytesPerSecond = (bitsPerSecond: number) => bitsPerSecond / 8;

/** A local rsync on the deployment host: its fixed cost, a pass over the tree's files, a cost per file written. */
function localRsyncSeconds(rsync: ResolvedModel['rsync'], treeFiles: number, files: number): number {
  return rsync.perSyncSeconds + treeFiles * rsync.scanPerFileSeconds + files * rsync.perFileSeconds;
}

/**
 * What a deploy step's image costs before any node pulls it (deploy-parts.ts), as Wikimedia's build-image-incr and
 * `docker push` make it. The build first brings its tree up to date from the staging tree: an rsync into the build
 * container, at the volume side's rsync costs (a pass over the tree's `treeFiles`, a cost per file the new layers
 * hold). `docker commit` then registers the container's changes as a layer (model.build.commit: dockerd tars them,
 * untars them into the new layer's directory and digests them, the layer store's applyTar). `docker push` reads
 * each new layer back as a tar from its files and gzips it on one core (model.build.compress: Go's compress/gzip,
 * distribution's push_v2.go) as it sends it from the build host (the deployment host: model.rsync.masterEgress)
 * through a registry replica into its storage. The tar's making and compression count in `build`, the sending in
 * `push`, as `run` times a build and a push; dockerd streams one into the other, so the sum is over the real time
 * by at most the push's. A layer the previous step's image had is neither built nor pushed.
 */
export function imageBuildParts(model: ResolvedModel, layers: readonly ModelLayer[], previous: ReadonlySet<string>, treeFiles: number): { build: number; push: number } {
  const fresh = layers.filter((l) => !previous.has(l.id));
  const tarBytes = fresh.reduce((n, l) => n + l.uncompressedBytes, 0);
  const blobBytes = fresh.reduce((n, l) => n + l.compressedBytes, 0);
  const files = fresh.reduce((n, l) => n + l.files, 0);
  const backend = model.registry.backendReadBitsPerSecond;
  const link = Math.min(model.rsync.masterEgressBitsPerSecond, model.registry.egressBitsPerSecond, backend ?? Number.POSITIVE_INFINITY);
  const { commitBytesPerSecond, compressBytesPerSecond } = model.build;
  return { build: localRsyncSeconds(model.rsync, treeFiles, files) + tarBytes / commitBytesPerSecond + tarBytes / compressBytesPerSecond, push: blobBytes / bytesPerSecond(link) };
}

/**
 * The volume side's prep, as `run` times it: the deployment master's staging tree brought to the step by a local
 * rsync (its fixed cost, a pass over the tree's files, a cost per changed file, the changed bytes through the
 * master's disk, a server like the nodes).
 */
export function volumePrepSeconds(model: ResolvedModel, step: ModelVolumeStep): number {
  return localRsyncSeconds(model.rsync, step.treeFiles, step.changedFiles) + step.changedBytes / model.node.diskWriteBytesPerSecond;
}
