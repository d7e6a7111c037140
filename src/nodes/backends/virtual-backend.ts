import { join } from 'node:path';
import type { ResolvedScenario } from '../../scenario/resolved.ts';
import type { RegistryCredentials } from '../../registry/registry-auth.ts';
import { registryTimeoutsOf } from '../../registry/registry-timeouts.ts';
import type { BackendStartOptions } from './backend-start-options.ts';
import { VirtualNode } from '../virtual-node.ts';

/** The scenario's virtual nodes, disks under `<workDir>/nodes/<node>/`. */
export function createVirtualNodes(scenario: ResolvedScenario, nodeNames: readonly string[], workDir: string, registryUrl: string, auth: RegistryCredentials | undefined): VirtualNode[] {
  return nodeNames.map(
    (name) =>
      new VirtualNode({
        name,
        dir: join(workDir, 'nodes', name),
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

/** `fleet.backend: virtual`: in-process nodes that emulate their NIC and disk limits; closed by teardown. */
export async function startVirtualBackend(options: BackendStartOptions): Promise<VirtualNode[]> {
  const nodes = createVirtualNodes(options.scenario, options.nodeNames, options.workDir, options.registry.url, options.registry.auth);
  options.teardown.add('virtual nodes', async () => void (await Promise.all(nodes.map((n) => n.close()))));
  return nodes;
}
