import type { TeardownRegistry } from '../../core/teardown-registry.ts';
import type { DistributionClient } from '../../registry/distribution-client.ts';
import type { RegistryCredentials } from '../../registry/registry-auth.ts';
import type { ResolvedScenario } from '../../scenario/resolved.ts';
import type { FleetNetwork } from '../isolation/fleet-network.ts';

/** What every node backend gets to start its nodes (node-backends.ts maps kinds to starters). */
export interface BackendStartOptions {
  readonly scenario: ResolvedScenario;
  readonly nodeNames: readonly string[];
  /** This backend's node disks and data roots go under here. */
  readonly workDir: string;
  readonly registry: {
    readonly url: string;
    readonly auth: RegistryCredentials | undefined;
    /** The harness's registry client (engines name layers from manifests); made on first use, closed by teardown. */
    readonly client: () => DistributionClient;
  };
  /** Emulated hosts' namespaces (netns isolation); undefined: the host's own network. */
  readonly network: FleetNetwork | undefined;
  /** Size of each emulated host's own disk (netns isolation). */
  readonly diskBytesPerNode: number;
  /** Every resource a backend creates is recorded here the moment it exists. */
  readonly teardown: TeardownRegistry;
}
