import type { ModelLayer } from './fleet-plan.ts';
import { fetchLayers, nothingToPull, pullComplete, resolveImage, startContainer, type NodeStep } from './pull-step.ts';

/** Part of a layer: the working set (`share` of its bytes, whole bytes) or the rest, fetched by range requests. */
function layerPart(layer: ModelLayer, share: number, part: 'working-set' | 'rest'): ModelLayer {
  const bytes = (total: number) => (part === 'working-set' ? Math.round(total * share) : total - Math.round(total * share));
  return { id: `${layer.id}#${part}`, compressedBytes: bytes(layer.compressedBytes), uncompressedBytes: bytes(layer.uncompressedBytes), files: 0 };
}

/**
 * One node's lazy pull (stargz, SOCI, overlaybd: the `lazy` topology). After the image is resolved, the
 * node fetches the working set (model.lazy.workingSet of each layer it lacks, by the runtime's rules) from
 * the registry, and its container starts model.node.start later: its time-to-start. The rest of each layer
 * then streams in behind, as a lazy snapshotter's background fetch does; the pull is complete when every
 * byte is in (time-to-complete). Nothing is unpacked: the snapshotter mounts the layers and serves files
 * from what it fetched, so the bytes written are the fetched bytes.
 */
export function startLazyNode(ctx: NodeStep, node: number): void {
  const { input, r, figures } = ctx;
  const { net, writtenBytes } = r;
  figures.startSeconds[node] = net.now;
  if (nothingToPull(ctx, node)) return;
  const { layers, work } = input;
  const share = input.model.lazy.workingSetShare;
  const fetched = new Float64Array(layers.length);
  const seconds = new Float64Array(layers.length);
  const landed = (part: (k: number) => ModelLayer) => (k: number, s: number) => {
    const bytes = part(k).compressedBytes;
    figures.bytesDownloaded[node]! += bytes;
    figures.diskBytes[node]! += bytes;
    writtenBytes[node]! += bytes;
    fetched[k]! += bytes;
    seconds[k]! += s;
  };
  const workingSet = (k: number) => layerPart(layers[k]!, share, 'working-set');
  const rest = (k: number) => layerPart(layers[k]!, share, 'rest');
  const complete = () => {
    for (const k of work.download) figures.layers?.[node]!.push([k, fetched[k]!, seconds[k]!, 0, 0]);
    pullComplete(ctx, node);
  };
  resolveImage(ctx, node, () =>
    fetchLayers(ctx, node, work.download, workingSet, landed(workingSet), () => {
      startContainer(ctx, node);
      fetchLayers(ctx, node, work.download, rest, landed(rest), complete);
    }),
  );
}
