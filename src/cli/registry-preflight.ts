import { DistributionClient } from '../registry/distribution-client.ts';
import type { ResolvedScenario } from '../scenario/resolved.ts';

/**
 * `run` asks an external registry for /v2/ before generating anything: an unreachable registry or refused
 * credentials cost a clear error (exit 2) in seconds, not after minutes of layer building.
 */
export async function assertRegistryReachable(scenario: ResolvedScenario): Promise<void> {
  if (scenario.registry.kind !== 'external') return;
  const client = new DistributionClient({ baseUrl: scenario.registry.url, auth: scenario.registry.auth, rejectUnauthorized: !scenario.registry.insecure });
  try {
    await client.ping();
  } finally {
    await client.close();
  }
}
