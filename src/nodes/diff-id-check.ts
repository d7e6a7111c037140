import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { ShipbenchError } from '../core/errors.ts';

/**
 * Hashes a layer's uncompressed tar as it streams by, for checking against the image config's
 * `rootfs.diff_ids` entry once the layer is applied. Both runtimes do this work on every layer they unpack:
 * containerd's diff/apply/apply.go tees the stream into a digester ("wrong diff id calculated on
 * extraction"), moby's layer store digests the tar it registers ("layer digest mismatch"); in containerd
 * it is a quarter of the daemon's CPU on a cold pull (perf, bench/runtime-fidelity.ts).
 */
export function watchDiffId(tar: Readable, expected: string, layer: string): () => void {
  const [algorithm, hex] = expected.split(':') as [string, string | undefined];
  if ((algorithm !== 'sha256' && algorithm !== 'sha512') || hex === undefined) {
    throw new ShipbenchError('invalid-layer', `layer ${layer}: diff_id ${JSON.stringify(expected)} is not a sha256 or sha512 digest`);
  }
  const hash = createHash(algorithm);
  // A second 'data' listener beside pipe(): it sees every chunk, and pipe's back-pressure still holds.
  tar.on('data', (chunk: Buffer) => hash.update(chunk));
  return () => {
    const actual = `${algorithm}:${hash.digest('hex')}`;
    if (actual !== expected) {
      throw new ShipbenchError('invalid-layer', `layer ${layer} unpacks to ${actual}, not its diff_id ${expected}`, {
        hint: 'the image config does not describe this layer: the image is broken or was tampered with',
      });
    }
  };
}
