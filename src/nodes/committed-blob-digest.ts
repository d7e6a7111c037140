import { createHash, type Hash } from 'node:crypto';
import { ShipbenchError } from '../core/errors.ts';

/**
 * The digest a content store computes of a blob as it is written, and checks when the blob is committed:
 * containerd's content writer hashes each write (content/local/writer.go Write) and refuses, at Commit, a
 * blob whose bytes digest to another value ("unexpected commit digest"), so nothing corrupt becomes visible.
 */
export function startBlobDigest(expected: string): Hash {
  return createHash(algorithmOf(expected));
}

export function checkCommittedDigest(hash: Hash, expected: string, repository: string): void {
  const actual = `${algorithmOf(expected)}:${hash.digest('hex')}`;
  if (actual === expected) return;
  throw new ShipbenchError('digest-mismatch', `blob ${repository}@${expected}: expected ${expected}, got ${actual}`, {
    hint: 'the registry served other bytes than the digest names: its copy is corrupt, or something in between altered it',
  });
}

function algorithmOf(digest: string): 'sha256' | 'sha512' {
  return digest.startsWith('sha512:') ? 'sha512' : 'sha256';
}
