import type { BackendKind } from '../scenario/resolved-fleet-engines.ts';
import type { BackendStartOptions } from './backends/backend-start-options.ts';
import { startEngineBackend } from './backends/engine-backend.ts';
import { startVirtualBackend } from './backends/virtual-backend.ts';
import type { NodeBackend } from './node-backend.ts';

export type { BackendStartOptions } from './backends/backend-start-options.ts';

export interface NodeBackendEntry {
  /** A real container engine (root, kernel features, daemons), not an in-process emulation. */
  readonly engine: boolean;
  readonly start: (options: BackendStartOptions) => Promise<NodeBackend[]>;
}

/**
 * Node backends by `fleet.backend` kind (schema: scenario/fleet-engines-schema.ts BACKEND_KINDS; resolution:
 * scenario/resolve-fleet-engines.ts): adding one is a file under backends/ and a line here.
 */
export const NODE_BACKENDS: { readonly [K in BackendKind]: NodeBackendEntry } = {
  virtual: { engine: false, start: startVirtualBackend },
  docker: { engine: true, start: startEngineBackend('docker') },
  containerd: { engine: true, start: startEngineBackend('containerd') },
};
