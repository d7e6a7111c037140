import { z } from 'zod';
import { CONTAINER_RUNTIMES } from './runtime-pull-rules.ts';
import { durationField, shareField } from './unit-fields.ts';

/**
 * Keys of the `model:` section for what a node's container runtime does (issue #15 items 4 to 6): which
 * runtime's pull rules apply, lazy pulls, the container start, and CPU as a resource. Defaults and where
 * they come from: MODEL_RUNTIME_DEFAULTS in model-runtime-resolve.ts.
 */

const cores = (what: string) =>
  z.number({ error: `expected a number of ${what}` }).positive(`${what} must be above zero`).max(100_000, `${what}: at most 100000`);

/** CPU-seconds per GiB: the time one core spends on a GiB (a duration per GiB, e.g. 3.4s). */
const perGiB = (description: string) => durationField().optional().meta({ description: `${description}; cores / this = GiB per second the node can do` });

export const nodeCpuInput = z.strictObject({
  cores: cores('cores').optional().meta({ description: 'cores of each node that pulls (sha256, decompression, unpack share them); default 8' }),
  decompressPerGiB: perGiB('CPU time one core spends decompressing a GiB of tar (a layer decompresses on one core); default 1 GiB / model.node.decompress (3.41s at 300MiB/s)'),
  sha256PerGiB: perGiB('CPU time one core spends verifying a GiB of downloaded blob (sha256, as it is written); default 0.64s (openssl speed sha256 with SHA-NI: 1.69 GB/s)'),
  unpackPerGiB: perGiB('CPU time one core spends writing a GiB of unpacked files (tar extraction, write syscalls); default 1.3s (GNU tar -x of one 132 MB file)'),
  perFile: durationField().optional().meta({ description: 'CPU time of each unpacked file (create, metadata), on the node\'s cores; default 0s: unpackPerFile already counts it as a wait; move it here when calibrating (GNU tar -x: 0.05ms per file)' }),
}).meta({ description: 'CPU as a resource of each node: download hashing, decompression and unpack share its cores' });

export const harnessInput = z.strictObject({
  cores: cores('harness cores').optional().meta({ description: 'cores of the one machine a run\'s virtual nodes share: every node\'s CPU work (hashing, decompression, unpack), the volume side\'s rsync work (each proxy\'s and node\'s scan, per-file and per-byte work, at most a core a sync) and the registry\'s and cache\'s per-request work also share them, and every node\'s l10n rebuild shipbench\'s one thread (for --calibrate against a one-machine run); unset: nodes are separate machines' }),
}).meta({ description: 'the harness machine of a one-machine run, as a shared resource (calibration only)' });

export const lazyInput = z.strictObject({
  workingSet: shareField().optional().meta({ description: 'share of an image\'s bytes a node fetches before its container starts (lazy pulls: stargz, SOCI, overlaybd); default 6.4% (Slacker, FAST\'16)' }),
}).meta({ description: 'the `lazy` topology: a node starts its container after fetching its working set; the rest streams in behind' });

export const nodeRuntimeKeys = {
  runtime: z.enum(CONTAINER_RUNTIMES, { error: `expected one of ${CONTAINER_RUNTIMES.join(', ')}` }).optional()
    .meta({ description: 'the container runtime whose pull rules nodes follow: containerd (blobs kept by digest, snapshots by ChainID: a changed layer re-unpacks every layer above it from held blobs) or docker (no blobs kept: every layer above a changed one is downloaded again); default containerd' }),
  start: durationField().optional().meta({ description: 'time from the image being ready (or, lazy, the working set fetched) to the container running; default 0.57s (Docker container start-up on a cloud SSD, Khan 2026, arXiv:2602.15214)' }),
  cpu: nodeCpuInput.optional(),
};
