import { nextTickAfter } from '../core/ticker.ts';
import { fetchLayers, nothingToPull, pullComplete, resolveImage, startContainer, type NodeStep } from './pull-step.ts';

/**
 * Unpacks layer k on `node`: each file's CPU (model.node.cpu.perFile) and fixed waits (unpackPerLayer, unpackPerFile), then
 * its bytes through the node's CPU (decompression and file writes, one layer on one core) into page cache,
 * and through the disk once the node's dirty pages reach their limit (write-back.ts). The
 * blob is read back from disk unless it is still in page cache (all of it written within the node's last
 * model.node.pageCache bytes of writes): a blob the runtime held from an earlier step (containerd re-unpacking above a
 * changed layer) is read from disk.
 */
function unpackLayer(ctx: NodeStep, node: number, k: number, blobWrittenAt: number, downloaded: number, downloadSeconds: number, onDone: () => void): void {
  const { r, figures } = ctx;
  const { model, spread } = ctx.input;
  const { net, cpu, disk, writeWeight, readWeight, writtenBytes } = r;
  const layer = ctx.input.layers[k]!;
  const began = net.now;
  // In page cache only if the whole blob is: its first byte written within the last pageCache bytes.
  const cold = writtenBytes[node]! - blobWrittenAt + layer.compressedBytes > model.node.pageCacheBytes;
  const readPerByte = cold && layer.uncompressedBytes > 0 ? (readWeight[node]! * layer.compressedBytes) / layer.uncompressedBytes : 0;
  const load = cpu.unpacking(node);
  // Each file is at least one write: the disk's IOPS bound the unpack rate of small-file layers.
  const iops = layer.files === 0 ? Number.POSITIVE_INFINITY : (layer.uncompressedBytes * model.node.diskIops * spread.disk[node]!) / layer.files;
  const oneCore = load.oneCore ?? Number.POSITIVE_INFINITY;
  const cap = Math.min(iops, oneCore);
  const finished = (): void => {
    const seconds = net.now - began;
    figures.diskBytes[node]! += layer.uncompressedBytes;
    writtenBytes[node]! += layer.uncompressedBytes;
    figures.files[node]! += layer.files;
    if (seconds > 0) figures.peakIops[node] = Math.max(figures.peakIops[node]!, layer.files / seconds);
    figures.layers?.[node]!.push([k, downloaded, downloadSeconds, seconds, layer.files]);
    onDone();
  };
  // The unpacked files go to page cache first (nobody syncs them): at the CPU's pace, the disk only reading a
  // cold blob back; the kernel writes them to the disk behind (write-back.ts), at the disk's IOPS too. What is
  // left once the dirty limit is reached goes through the disk (at its IOPS).
  const bytes = (): void =>
    r.writeBack.write(
      node,
      layer.uncompressedBytes,
      {
        inPageCache: (absorbed, then) => {
          // An unpack that costs no CPU (model.node.cpu at 0) and reads nothing back: in page cache at once.
          if (load.resources.length === 0 && readPerByte === 0) return then();
          net.startFlow({
            bytes: absorbed,
            resources: readPerByte > 0 ? [...load.resources, disk[node]!] : load.resources,
            weights: readPerByte > 0 ? [...load.weights, readPerByte] : load.weights,
            capBytesPerSecond: load.oneCore,
            capKind: 'node cpu (one core)',
            onDone: then,
          });
        },
        throughDisk: (rest, then) =>
          net.startFlow({
            bytes: rest,
            resources: [...load.resources, disk[node]!],
            weights: [...load.weights, writeWeight[node]! + readPerByte],
            capBytesPerSecond: Number.isFinite(cap) ? cap : undefined,
            capKind: iops <= oneCore ? 'node disk IOPS' : 'node cpu (one core)',
            onDone: then,
          }),
        iopsCap: iops,
      },
      finished,
    );
  // A fixed cost per layer (snapshot prepare and commit) and per file, then the layer's bytes.
  const fixedSeconds = model.node.unpackPerLayerSeconds + layer.files * model.node.unpackPerFileSeconds;
  const waitPerFile = () => (fixedSeconds > 0 ? net.at(net.now + fixedSeconds, bytes) : bytes());
  const files = cpu.perFile(node);
  if (layer.files === 0 || files.oneCore === undefined) return waitPerFile();
  net.startFlow({ bytes: layer.files, resources: files.resources, weights: files.weights, capBytesPerSecond: files.oneCore, capKind: 'node cpu (one core)', onDone: waitPerFile });
}

/**
 * One node's eager pull: after the image is resolved, it downloads the layers its runtime says (at most
 * maxConcurrentDownloads at once, bottom first) and unpacks the layers the runtime says, in order, one at a
 * time, each as soon as its blob is there: unpacking runs while later layers download (a pipeline: the
 * containerd client's pull that kubelet's CRI makes, unpacker.go, and dockerd's). A layer whose blob the node
 * holds (containerd, above a changed layer) unpacks without waiting for any download. With
 * model.node.unpackStarts `after-downloads` nothing unpacks before every download is done (ctr images pull:
 * content.Fetch, then Unpack), and then not before the next tick of model.node.unpackTick (ctr's Fetch returns
 * when its progress display has drawn once more). Then the container starts.
 */
export function startEagerNode(ctx: NodeStep, node: number): void {
  const { input, r, figures } = ctx;
  const { net, writtenBytes } = r;
  figures.startSeconds[node] = net.now;
  if (nothingToPull(ctx, node)) return;
  const { layers, work } = input;
  const unpack = input.fleet.node.unpack ? work.unpack : [];
  const unpacks = new Set(unpack);
  // Blobs held from earlier steps are ready (cold: on disk); downloaded ones are ready when they land.
  const ready = new Uint8Array(layers.length).fill(1);
  for (const k of work.download) ready[k] = 0;
  const writtenAt = new Float64Array(layers.length).fill(Number.NEGATIVE_INFINITY);
  const downloaded = new Float64Array(layers.length);
  const downloadSeconds = new Float64Array(layers.length);
  // `ctr images pull` fetches every blob, then unpacks (model.node.unpackStarts: after-downloads), at its
  // progress display's next tick (model.node.unpackTick), downloads or none.
  const afterDownloads = input.model.node.unpackStarts === 'after-downloads';
  const tick = afterDownloads ? input.model.node.unpackTickSeconds : 0;
  let downloading = work.download.length > 0 || tick > 0;
  let nextUnpack = 0;
  let unpacking = false;
  const done = () => {
    startContainer(ctx, node);
    pullComplete(ctx, node);
  };
  const tryUnpack = (): void => {
    if (unpacking) return;
    if (nextUnpack === unpack.length) {
      if (!downloading) done();
      return;
    }
    const k = unpack[nextUnpack]!;
    if (ready[k] === 0 || (afterDownloads && downloading)) return;
    unpacking = true;
    unpackLayer(ctx, node, k, writtenAt[k]!, downloaded[k]!, downloadSeconds[k]!, () => {
      unpacking = false;
      nextUnpack++;
      tryUnpack();
    });
  };
  const landed = (k: number, seconds: number) => {
    const layer = layers[k]!;
    figures.bytesDownloaded[node]! += layer.compressedBytes;
    figures.diskBytes[node]! += layer.compressedBytes;
    writtenBytes[node]! += layer.compressedBytes;
    ready[k] = 1;
    writtenAt[k] = writtenBytes[node]!;
    downloaded[k] = layer.compressedBytes;
    downloadSeconds[k] = seconds;
    if (!unpacks.has(k)) figures.layers?.[node]!.push([k, layer.compressedBytes, seconds, 0, input.fleet.node.unpack ? 0 : layer.files]);
    tryUnpack();
  };
  const allLanded = () => {
    const open = () => {
      downloading = false;
      tryUnpack();
    };
    if (tick <= 0) return open();
    // Ticks counted from the pull's start, as ctr's ticker starts with its fetch.
    const origin = figures.startSeconds[node]! + input.spread.startDelaySeconds[node]!;
    net.at(nextTickAfter(origin, net.now, tick), open);
  };
  resolveImage(ctx, node, () => {
    fetchLayers(ctx, node, work.download, (k) => layers[k]!, landed, allLanded);
    // Layers whose blobs the node holds need no download: their unpacks start now.
    tryUnpack();
  });
}
