import type { ResolvedModel } from '../scenario/model-resolved.ts';
import type { ModelLayer, ModelVolumeStep } from './fleet-plan.ts';
import { loneUnpackSeconds } from './lone-unpack.ts';
import { loneUntarSecondsPerByte } from './node-cpu.ts';

const bytesPerSecond = (bitsPerSecond: number) => bitsPerSecond / 8;

/** A local rsync on the deployment host: its fixed cost, a pass over the tree's files, a cost per file written. */
function localRsyncSeconds(rsync: ResolvedModel['rsync'], treeFiles: number, files: number): number {
  return rsync.perSyncSeconds + treeFiles * rsync.scanPerFileSeconds + files * rsync.perFileSeconds;
}

/**
 * What a deploy step's image costs before any node pulls it (deploy-parts.ts), as Wikimedia's build-image-incr and
 * `docker push` make it. The build first brings its tree up to date from the staging tree: an rsync into the build
 * container, at the volume side's rsync costs (a pass over the tree's `treeFiles`, a cost per file the new layers
 * hold). `docker commit` then makes the container's changes a layer: dockerd tars them and untars the tar into the
 * new layer's directory, digesting it beside (the layer store's applyTar): one untar of the new layers, alone on the
 * build host (lone-unpack.ts). `docker push` gzips each new layer on one core (model.build.compress: Go's
 * compress/gzip at its default level, distribution's push_v2.go) as it sends it from the build host (the
 * deployment host: model.rsync.masterEgress) through a registry replica into its storage. The compression counts
 * in `build`, the sending in `push`, as `run` times a build and a push; dockerd streams one into the other, so the
 * sum is over the real time by at most the push's. A layer the previous step's image had is neither built nor pushed.
 */
export function imageBuildParts(model: ResolvedModel, layers: readonly ModelLayer[], previous: ReadonlySet<string>, treeFiles: number): { build: number; push: number } {
  const fresh = layers.filter((l) => !previous.has(l.id));
  const tarBytes = fresh.reduce((n, l) => n + l.uncompressedBytes, 0);
  const blobBytes = fresh.reduce((n, l) => n + l.compressedBytes, 0);
  const files = fresh.reduce((n, l) => n + l.files, 0);
  const backend = model.registry.backendReadBitsPerSecond;
  const link = Math.min(model.rsync.masterEgressBitsPerSecond, model.registry.egressBitsPerSecond, backend ?? Number.POSITIVE_INFINITY);
  const commit = loneUnpackSeconds(model, tarBytes, files, loneUntarSecondsPerByte(model.node.cpu));
  return { build: localRsyncSeconds(model.rsync, treeFiles, files) + commit + tarBytes / model.build.compressBytesPerSecond, push: blobBytes / bytesPerSecond(link) };
}

/**
 * The volume side's prep, as `run` times it: the deployment master's staging tree brought to the step by a local
 * rsync (its fixed cost, a pass over the tree's files, a cost per changed file, the changed bytes through the
 * master's disk, a server like the nodes).
 */
export function volumePrepSeconds(model: ResolvedModel, step: ModelVolumeStep): number {
  return localRsyncSeconds(model.rsync, step.treeFiles, step.changedFiles) + step.changedBytes / model.node.diskWriteBytesPerSecond;
}
