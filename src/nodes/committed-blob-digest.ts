import { createHash, type Hash } from 'node:crypto';
import { blobDigestMismatch, digestAlgorithm } from '../registry/distribution-client.ts';

/**
 * The digest a content store computes of a blob as it is written, and checks when the blob is committed:
 * containerd's content writer hashes each write (content/local/writer.go Write) and refuses, at Commit, a
 * blob whose bytes digest to another value ("unexpected commit digest"), so nothing corrupt becomes visible.
 */
export function startBlobDigest(expected: string): Hash {
  return createHash(digestAlgorithm(expected));
}

export function checkCommittedDigest(hash: Hash, expected: string, repository: string): void {
  const actual = `${digestAlgorithm(expected)}:${hash.digest('hex')}`;
  if (actual !== expected) throw blobDigestMismatch(repository, expected, actual);
}
