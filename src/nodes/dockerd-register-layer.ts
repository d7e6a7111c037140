import type { ChildProcess } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import type { Readable } from 'node:stream';
import { ShipbenchError } from '../core/errors.ts';
import { DockerLayerRecord, type TarSplitSink } from './docker-layer-metadata.ts';
import { watchDiffId } from './diff-id-check.ts';
import { tarStream, unpackLayer, type UnpackOptions, type UnpackStats } from './rootfs-unpacker.ts';
import type { RuntimeEmulation } from './runtime-emulation.ts';
import { walkSnapshotUsage } from './snapshot-usage-walk.ts';
import { untarInChild } from './untar-in-child.ts';

export interface DockerLayer {
  /** The layer's directory (overlay2's diff dir): created by the caller, removed here if the layer fails. */
  readonly dir: string;
  /** The node's directory: layerdb lives under it. */
  readonly root: string;
  readonly chain: string;
  readonly parent: string | undefined;
  readonly diffId: string;
}

/**
 * Registers one pulled layer as dockerd 20.10's layer store does (layer/layer_store.go registerWithDescriptor):
 * a layerdb write set is started, the tar applied (applyTar, below), overlay2's ApplyDiff measures the
 * layer with a walk (directory.Size), the record's small files are written and the set committed. When any
 * of it fails, the layer's directory is removed (driver.Remove) and the write set with it (tx.Cancel): a
 * failed layer leaves nothing. Resolves with the apply's figures and the record's bytes.
 */
export async function registerLayerAsDockerd(
  input: Readable,
  layer: DockerLayer,
  options: UnpackOptions,
  rules: Pick<RuntimeEmulation, 'untar' | 'reexecSeconds' | 'tarSplit' | 'commitWalk'>,
  onSpawn?: (child: ChildProcess) => void,
): Promise<{ stats: UnpackStats; recordBytes: number }> {
  const record = await DockerLayerRecord.start(layer.root);
  try {
    const tarSplit = rules.tarSplit ? record.tarSplit(options.layer ?? 'layer') : undefined;
    const stats = await applyTar(input, layer.dir, options, tarSplit, rules, onSpawn);
    if (rules.commitWalk) walkSnapshotUsage(layer.dir);
    const recordBytes = await record.commit({ chain: layer.chain, parent: layer.parent, diffId: layer.diffId, size: stats.bytesWritten });
    return { stats, recordBytes };
  } catch (error) {
    input.destroy();
    await record.cancel().catch(() => undefined);
    await rm(layer.dir, { recursive: true, force: true }).catch(() => undefined);
    throw error;
  }
}

/**
 * The tar's way through dockerd: the daemon decompresses the blob (distribution/xfer/download.go:
 * archive.DecompressStream, unpigz when on PATH), digests the tar for the diffID and records it with
 * tar-split as it passes (layer_store.go applyTar), while overlay2's ApplyDiff has a re-executed child untar
 * it (`child-per-layer`, untar-in-child.ts), or the untar runs here (`in-process`) once the re-exec's start
 * has passed (`reexecSeconds`). Resolves once the layer is applied, the tar-split stream is closed and the
 * diff_id matched.
 */
async function applyTar(input: Readable, dir: string, options: UnpackOptions, tarSplit: TarSplitSink | undefined, rules: Pick<RuntimeEmulation, 'untar' | 'reexecSeconds'>, onSpawn?: (child: ChildProcess) => void): Promise<UnpackStats> {
  const started = performance.now();
  const layer = options.layer ?? 'layer';
  const { compression = 'auto', diffId, ...perEntry } = options;
  const tar = await tarStream(input, compression, layer);
  // pipe() does not carry the blob's error on to gunzip: it goes on by hand, so the child is not left waiting.
  let inputError: unknown;
  if (tar !== input) {
    input.on('error', (error) => {
      inputError ??= error;
      tar.destroy(error);
    });
  }
  // Paused until the untar pipes it: the digest's and tar-split's listeners alone must not start the flow.
  tar.pause();
  const checkDiffId = diffId === undefined ? undefined : watchDiffId(tar, diffId, layer);
  if (tarSplit !== undefined) {
    tar.on('data', (chunk: Buffer) => {
      try {
        tarSplit.push(chunk);
      } catch (error) {
        tar.destroy(error as Error);
      }
    });
  }
  try {
    let stats: UnpackStats;
    if (rules.untar === 'child-per-layer') stats = await untarInChild(tar, { dir, options: perEntry }, onSpawn);
    else {
      // The tar waits, paused, as it waits in a full pipe while docker-untar starts (RuntimeEmulation.reexecSeconds).
      if (rules.reexecSeconds > 0) await delay(rules.reexecSeconds * 1000);
      stats = await unpackLayer(tar, dir, { ...perEntry, compression: 'none' });
    }
    await tarSplit?.finish();
    checkDiffId?.();
    return { ...stats, seconds: (performance.now() - started) / 1000 };
  } catch (error) {
    if (inputError !== undefined) throw inputError;
    const code = (error as { code?: unknown }).code;
    if (tar !== input && typeof code === 'string' && code.startsWith('Z_')) {
      throw new ShipbenchError('invalid-layer', `layer ${layer} is not valid gzip: ${(error as Error).message}`, { cause: error });
    }
    throw error;
  }
}
