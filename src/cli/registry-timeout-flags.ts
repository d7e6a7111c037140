import { ShipbenchError } from '../core/errors.ts';
import { parseSeconds, UnitError } from '../core/units.ts';
import { DEFAULT_REGISTRY_TIMEOUTS, type RegistryTimeouts } from '../registry/registry-timeouts.ts';

/** `--connect-timeout` and `--idle-timeout` as the registry client takes them; a bad duration is a usage error. */
export function registryTimeoutFlags(connect: string | undefined, idle: string | undefined): RegistryTimeouts {
  return {
    connectMs: connect === undefined ? DEFAULT_REGISTRY_TIMEOUTS.connectMs : flagMs('--connect-timeout', connect),
    idleMs: idle === undefined ? DEFAULT_REGISTRY_TIMEOUTS.idleMs : flagMs('--idle-timeout', idle),
  };
}

function flagMs(flag: string, text: string): number {
  let seconds: number;
  try {
    seconds = parseSeconds(/^\d+(\.\d+)?$/.test(text) ? Number(text) : text);
  } catch (error) {
    if (!(error instanceof UnitError)) throw error;
    throw new ShipbenchError('usage', `${flag} ${text}: ${error.message}`, { hint: error.hint });
  }
  if (seconds <= 0) throw new ShipbenchError('usage', `${flag} ${text} must be longer than 0`, { hint: `e.g. ${flag} 30s` });
  return seconds * 1000;
}
