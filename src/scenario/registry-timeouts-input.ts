import { z } from 'zod';
import { parseSeconds } from '../core/units.ts';
import { durationField } from './unit-fields.ts';

/**
 * `registry.timeouts`: how long a registry request may wait to connect, and while idle (for the response
 * head, or between two body chunks). Without them a registry that accepts and never answers holds a run.
 */
export const registryTimeoutsInput = z
  .strictObject({
    connect: durationField().optional().meta({ description: 'longest wait for a connection (TCP, and TLS for https)' }),
    idle: durationField().optional().meta({ description: 'longest wait for a response head, and between two body chunks' }),
  })
  .superRefine((value, ctx) => {
    for (const key of ['connect', 'idle'] as const) {
      const given = value[key];
      // A unit error is reported by the field itself; zero would fail every request at once.
      if (given !== undefined && safeSeconds(given) === 0) ctx.addIssue({ code: 'custom', path: [key], message: `registry.timeouts.${key} must be longer than 0`, params: { hint: 'e.g. 10s' } });
    }
  });

export type RegistryTimeoutsInput = z.infer<typeof registryTimeoutsInput>;

export interface ResolvedRegistryTimeouts {
  readonly connectSeconds: number;
  readonly idleSeconds: number;
}

export const DEFAULT_REGISTRY_TIMEOUT_SECONDS: ResolvedRegistryTimeouts = { connectSeconds: 10, idleSeconds: 30 };

export function resolveRegistryTimeouts(input: RegistryTimeoutsInput | undefined): ResolvedRegistryTimeouts {
  return {
    connectSeconds: input?.connect === undefined ? DEFAULT_REGISTRY_TIMEOUT_SECONDS.connectSeconds : parseSeconds(input.connect),
    idleSeconds: input?.idle === undefined ? DEFAULT_REGISTRY_TIMEOUT_SECONDS.idleSeconds : parseSeconds(input.idle),
  };
}

function safeSeconds(value: string | number): number | undefined {
  try {
    return parseSeconds(value);
  } catch {
    return undefined;
  }
}
