import { join } from 'node:path';
import type { TeardownRegistry } from '../core/teardown-registry.ts';
import { type BackendNodes, createVirtualNodes, fleetNodeNames } from '../nodes/image-rollout.ts';
import type { FleetNetwork } from '../nodes/isolation/fleet-network.ts';
import { DistributionClient } from '../registry/distribution-client.ts';
import type { RegistryCredentials } from '../registry/registry-auth.ts';
import { registryTimeoutsOf } from '../registry/registry-timeouts.ts';
import type { EngineFleetResults } from '../report/engine-results.ts';
import type { ResolvedScenario } from '../scenario/resolved.ts';

/** The port the registry listens on inside its own namespace (the namespace is fresh: any port is free). */
export const NETNS_REGISTRY_PORT = 5000;

export function usesEngines(scenario: ResolvedScenario): boolean {
  return scenario.fleet.backends.some((b) => b !== 'virtual');
}

/** With netns isolation: the emulated hosts' network (namespaces, bridge, shaping), before the registry starts in it. */
export async function createRunNetwork(scenario: ResolvedScenario, teardown: TeardownRegistry): Promise<FleetNetwork | undefined> {
  if (scenario.fleet.isolation !== 'netns') return undefined;
  // Loaded on demand: every other command (validate, generate...) starts without execa and dockerode.
  const { createFleetNetwork } = await import('../nodes/isolation/fleet-network.ts');
  return createFleetNetwork({
    nodeNames: fleetNodeNames(scenario.fleet.nodes),
    nicBitsPerSecond: scenario.fleet.node.nicBitsPerSecond,
    registryEgressBitsPerSecond: scenario.fleet.registryEgressBitsPerSecond,
    teardown,
  });
}

/**
 * Every backend's nodes for the rollout (engines started, virtual nodes made), all owned by `teardown`.
 * Returns undefined for a virtual-only fleet: the rollout makes those nodes itself.
 */
export async function startRunBackends(
  scenario: ResolvedScenario,
  options: { registryUrl: string; auth: RegistryCredentials | undefined; network: FleetNetwork | undefined; workDir: string; diskBytesPerNode: number; teardown: TeardownRegistry },
): Promise<{ backends: BackendNodes[] | undefined; record: EngineFleetResults | undefined }> {
  if (!usesEngines(scenario)) return { backends: undefined, record: undefined };
  const { teardown } = options;
  const { startEngineFleet } = await import('../nodes/engines/engine-fleet.ts');
  const client = new DistributionClient({ baseUrl: options.registryUrl, auth: options.auth, connections: 4, timeouts: registryTimeoutsOf(scenario.registry) });
  teardown.add('registry client', () => client.close());
  const url = new URL(options.registryUrl);
  const backends: BackendNodes[] = [];
  for (const backend of scenario.fleet.backends) {
    if (backend === 'virtual') {
      const nodes = createVirtualNodes(scenario, join(options.workDir, 'virtual'), options.registryUrl, options.auth);
      teardown.add('virtual nodes', async () => void (await Promise.all(nodes.map((n) => n.close()))));
      backends.push({ backend, nodes });
      continue;
    }
    const nodes = await startEngineFleet({
      scenario,
      backend,
      nodeNames: fleetNodeNames(scenario.fleet.nodes),
      workDir: join(options.workDir, backend),
      network: options.network,
      registry: { client, hostForNodes: url.host, plainHttp: url.protocol === 'http:', auth: options.auth },
      diskBytesPerNode: options.diskBytesPerNode,
      teardown,
    });
    backends.push({ backend, nodes });
  }
  return {
    backends,
    record: {
      isolation: scenario.fleet.isolation,
      nodes: backends.flatMap((b) => b.nodes.map((n) => ({ node: n.name, backend: n.kind, endpoint: n.endpoint }))),
      teardownFailures: [],
    },
  };
}
