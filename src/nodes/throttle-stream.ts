import { Transform, type TransformCallback } from 'node:stream';
import type { TokenBucket } from './token-bucket.ts';

/** Passes bytes through no faster than `bucket` allows (the node's disk write budget for unpacked files). */
export function throttleStream(bucket: TokenBucket): Transform {
  return new Transform({
    transform(chunk: Buffer, _encoding, callback: TransformCallback) {
      bucket.take(chunk.length).then(() => callback(null, chunk), callback);
    },
  });
}
