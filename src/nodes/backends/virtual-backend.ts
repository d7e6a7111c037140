import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { newOwnerTag } from '../../core/owner-tag.ts';
import type { ResolvedScenario } from '../../scenario/resolved.ts';
import type { RegistryCredentials } from '../../registry/registry-auth.ts';
import { registryTimeoutsOf } from '../../registry/registry-timeouts.ts';
import { createNodeDisk, NO_DISK_LIMITS, nodeDisksDirName } from '../isolation/node-disk.ts';
import { sweepLeftovers } from '../isolation/leftover-sweep.ts';
import type { BackendStartOptions } from './backend-start-options.ts';
import { VirtualNode } from '../virtual-node.ts';

/** The scenario's virtual nodes, each keeping its disk under `dirOf(node)`. */
export function createVirtualNodes(scenario: ResolvedScenario, nodeNames: readonly string[], dirOf: (node: string) => string, registryUrl: string, auth: RegistryCredentials | undefined): VirtualNode[] {
  return nodeNames.map(
    (name) =>
      new VirtualNode({
        name,
        dir: dirOf(name),
        registryUrl,
        auth,
        maxConcurrentDownloads: scenario.fleet.node.maxConcurrentDownloads,
        nicBitsPerSecond: scenario.fleet.node.nicBitsPerSecond,
        diskWriteBytesPerSecond: scenario.fleet.node.disk.writeBytesPerSecond,
        unpack: scenario.fleet.node.unpack,
        timeouts: registryTimeoutsOf(scenario.registry),
        imageGC: scenario.fleet.node.imageGC,
        runtime: scenario.fleet.node.runtime,
      }),
  );
}

/**
 * `fleet.backend: virtual`: in-process nodes that emulate their NIC and disk limits; closed by teardown. Their
 * disks are directories under `<workDir>/nodes/`, or with `fleet.node.disk.own` each an ext4 file system on a
 * loop device of its own, made as emulated hosts' are (isolation/node-disk.ts): a real node's runtime writes
 * to a file system of its own, and on a host file system that many runs churn, creating a file can cost far
 * more (README, "Where a virtual node's disk is").
 */
export async function startVirtualBackend(options: BackendStartOptions): Promise<VirtualNode[]> {
  const { scenario, teardown } = options;
  let dirOf = (node: string) => join(options.workDir, 'nodes', node);
  if (scenario.fleet.node.disk.own) {
    // What a killed run left goes before more disks are made.
    await sweepLeftovers();
    const tag = newOwnerTag();
    const disks = join(options.workDir, nodeDisksDirName(tag));
    await mkdir(disks, { recursive: true });
    const mounts = new Map<string, string>();
    for (const name of options.nodeNames) {
      const disk = await createNodeDisk({
        imageFile: join(disks, `${name}.img`),
        mountpoint: join(disks, name),
        sizeBytes: scenario.fleet.node.disk.sizeBytes ?? options.diskBytesPerNode,
        // Virtual nodes run in this process: their write limit is their own token bucket, not a blkio cgroup.
        limits: NO_DISK_LIMITS,
        cgroupName: `shipbench-${tag}/virtual-${name}`,
        teardown,
      });
      mounts.set(name, disk.mountpoint);
    }
    // A directory below the mountpoint: a node's reset removes its directory, which a mountpoint cannot be.
    dirOf = (node) => join(mounts.get(node) as string, 'node');
  }
  const nodes = createVirtualNodes(scenario, options.nodeNames, dirOf, options.registry.url, options.registry.auth);
  teardown.add('virtual nodes', async () => void (await Promise.all(nodes.map((n) => n.close()))));
  return nodes;
}
