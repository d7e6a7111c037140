import type { ResolvedModel } from '../scenario/model-resolved.ts';

/**
 * An unpack with a server to itself, in closed form, at a node's CPU, disk and page-cache figures (the deployment
 * master and the build host are servers like the nodes): each byte at `cpuSecondsPerByte` (node-cpu.ts), into
 * page cache up to the dirty limit (write-back.ts), the rest at the CPU's or the disk's pace, whichever is slower;
 * each file its wait and its CPU. Unpack costs fitted as the seconds nodes waited while sharing one machine's
 * cores are taken times the share of a core each of those unpacks had (model.harness.unpackShare, set by
 * --calibrate): alone, the server does them that much faster.
 */
export function loneUnpackSeconds(model: ResolvedModel, bytes: number, files: number, cpuSecondsPerByte: number): number {
  const alone = model.harness.unpackShare ?? 1;
  const perByte = cpuSecondsPerByte * alone;
  const absorbed = Math.min(bytes, model.node.dirtyLimitBytes);
  const throughDisk = (bytes - absorbed) * Math.max(perByte, 1 / model.node.diskWriteBytesPerSecond);
  return absorbed * perByte + throughDisk + files * (model.node.unpackPerFileSeconds + model.node.cpu.perFileSeconds) * alone;
}
