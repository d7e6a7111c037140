import type { TeardownRegistry } from '../../core/teardown-registry.ts';
import type { DistributionClient } from '../../registry/distribution-client.ts';
import type { RegistryCredentials } from '../../registry/registry-auth.ts';
import type { ResolvedScenario } from '../../scenario/resolved.ts';
import type { FleetNetwork } from '../isolation/fleet-network.ts';
import type { EngineHostResources } from './engine-node-meter.ts';

export interface EngineRegistryAccess {
  /** The harness's client (manifests, to name layers). */
  readonly client: DistributionClient;
  /** `host:port` as the nodes' engines reach the registry. */
  readonly hostForNodes: string;
  readonly plainHttp: boolean;
  readonly auth: RegistryCredentials | undefined;
}

export interface EngineFleetOptions {
  readonly scenario: ResolvedScenario;
  readonly backend: 'docker' | 'containerd';
  readonly nodeNames: readonly string[];
  /** Node disk images and data roots go under here. */
  readonly workDir: string;
  /** Emulated hosts' namespaces; undefined runs the engines in the host's own network. */
  readonly network: FleetNetwork | undefined;
  readonly registry: EngineRegistryAccess;
  /** Size of each emulated host's own disk (netns isolation). */
  readonly diskBytesPerNode: number;
  readonly teardown: TeardownRegistry;
}

/** Where one emulated host's engine runs: what `startLocalNode` prepared for it. */
export interface LocalEngineSite {
  readonly options: EngineFleetOptions;
  readonly name: string;
  /** Sockets, pid files and logs (a short path: unix sockets are limited to 108 bytes). */
  readonly stateDir: string;
  /** The engine's data root: the node's own disk with netns isolation. */
  readonly dataDir: string;
  readonly place: { readonly netnsPath: string | undefined; readonly cgroupDir: string | undefined };
  /** `host network` or `netns NAME ADDRESS`, for the node's endpoint. */
  readonly where: string;
  readonly resources: EngineHostResources;
}

