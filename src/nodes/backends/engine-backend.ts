import type { NodeBackend } from '../node-backend.ts';
import type { BackendStartOptions } from './backend-start-options.ts';

/**
 * `fleet.backend: docker | containerd`: one engine daemon per node started here (inside its namespace, on its
 * own disk with netns isolation), or the remote Docker Engines of `fleet.hosts`. Loaded on demand: every
 * other command (validate, generate...) starts without execa and dockerode.
 */
export function startEngineBackend(backend: 'docker' | 'containerd') {
  return async (options: BackendStartOptions): Promise<NodeBackend[]> => {
    const { startEngineFleet } = await import('../engines/engine-fleet.ts');
    const url = new URL(options.registry.url);
    return startEngineFleet({
      scenario: options.scenario,
      backend,
      nodeNames: options.nodeNames,
      workDir: options.workDir,
      network: options.network,
      registry: { client: options.registry.client(), hostForNodes: url.host, plainHttp: url.protocol === 'http:', auth: options.registry.auth },
      diskBytesPerNode: options.diskBytesPerNode,
      teardown: options.teardown,
    });
  };
}
