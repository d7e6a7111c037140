import { join } from 'node:path';
import type { TeardownRegistry } from '../core/teardown-registry.ts';
import type { FleetNetwork } from '../nodes/isolation/fleet-network.ts';
import type { BackendNodes } from '../nodes/node-backend.ts';
import { NODE_BACKENDS } from '../nodes/node-backends.ts';
import { DistributionClient } from '../registry/distribution-client.ts';
import { registryTimeoutsOf } from '../registry/registry-timeouts.ts';
import type { RegistryCredentials } from '../registry/registry-auth.ts';
import type { EngineFleetResults } from '../report/engine-results.ts';
import type { ResolvedScenario } from '../scenario/resolved.ts';

/** The port the registry listens on inside its own namespace (the namespace is fresh: any port is free). */
export const NETNS_REGISTRY_PORT = 5000;

export function usesEngines(scenario: ResolvedScenario): boolean {
  return scenario.fleet.backends.some((b) => NODE_BACKENDS[b].engine);
}

/** With netns isolation: the emulated hosts' network (namespaces, bridge, shaping), before the registry starts in it. */
export async function createRunNetwork(scenario: ResolvedScenario, nodeNames: readonly string[], teardown: TeardownRegistry): Promise<FleetNetwork | undefined> {
  if (scenario.fleet.isolation !== 'netns') return undefined;
  // Loaded on demand: every other command (validate, generate...) starts without execa and dockerode.
  const { createFleetNetwork } = await import('../nodes/isolation/fleet-network.ts');
  return createFleetNetwork({
    nodeNames,
    nicBitsPerSecond: scenario.fleet.node.nicBitsPerSecond,
    registryEgressBitsPerSecond: scenario.fleet.registryEgressBitsPerSecond,
    teardown,
  });
}

/**
 * Every backend's nodes for the rollout, all owned by `teardown`. A virtual-only fleet keeps its node disks
 * directly under workDir and has no engine record; beside engines, each backend has a directory of its own.
 */
export async function startRunBackends(
  scenario: ResolvedScenario,
  options: { nodeNames: readonly string[]; registryUrl: string; auth: RegistryCredentials | undefined; network: FleetNetwork | undefined; workDir: string; diskBytesPerNode: number; teardown: TeardownRegistry },
): Promise<{ backends: BackendNodes[]; record: EngineFleetResults | undefined }> {
  const { teardown } = options;
  const engines = usesEngines(scenario);
  let client: DistributionClient | undefined;
  const registry = {
    url: options.registryUrl,
    auth: options.auth,
    client: () => {
      if (client === undefined) {
        const made = new DistributionClient({ baseUrl: options.registryUrl, auth: options.auth, connections: 4, timeouts: registryTimeoutsOf(scenario.registry) });
        teardown.add('registry client', () => made.close());
        client = made;
      }
      return client;
    },
  };
  const backends: BackendNodes[] = [];
  for (const backend of scenario.fleet.backends) {
    const workDir = engines ? join(options.workDir, backend) : options.workDir;
    const nodes = await NODE_BACKENDS[backend].start({ scenario, nodeNames: options.nodeNames, workDir, registry, network: options.network, diskBytesPerNode: options.diskBytesPerNode, teardown });
    backends.push({ backend, nodes });
  }
  if (!engines) return { backends, record: undefined };
  return {
    backends,
    record: {
      isolation: scenario.fleet.isolation,
      nodes: backends.flatMap((b) => b.nodes.map((n) => ({ node: n.name, backend: n.kind, endpoint: n.endpoint }))),
      teardownFailures: [],
    },
  };
}
