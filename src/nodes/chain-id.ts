import { createHash } from 'node:crypto';

/**
 * OCI ChainIDs (image-spec config.md): ChainID(L0) = DiffID(L0), ChainID(Ln) = sha256(ChainID(Ln-1) + " " +
 * DiffID(Ln)). Snapshotters key unpacked layers by them, so a layer's snapshot is reused only when every
 * layer below it is the same too: the reason a change low in the stack re-unpacks everything above it.
 */
export function chainIds(diffIds: readonly string[]): string[] {
  const out: string[] = [];
  for (const diffId of diffIds) {
    const previous = out[out.length - 1];
    out.push(previous === undefined ? diffId : `sha256:${createHash('sha256').update(`${previous} ${diffId}`).digest('hex')}`);
  }
  return out;
}
