import { createCipheriv } from 'node:crypto';
import type { Rng } from '../../core/rng.ts';

/**
 * `n` random-looking bytes, deterministic from the stream: AES-128-CTR keyed from the Rng, which is standard
 * (the same bytes on any machine) and runs natively, where a JS loop over Rng draws costs more than the
 * whole rest of a corpus build.
 */
export function randomBytes(rng: Rng, n: number): Buffer {
  const keyAndIv = Buffer.alloc(32);
  for (let i = 0; i < 32; i += 4) keyAndIv.writeUInt32LE(rng.nextUint32(), i);
  const cipher = createCipheriv('aes-128-ctr', keyAndIv.subarray(0, 16), keyAndIv.subarray(16));
  return Buffer.concat([cipher.update(Buffer.alloc(n)), cipher.final()]);
}
