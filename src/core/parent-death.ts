import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';

/**
 * The argv that runs `argv` with SIGKILL as its parent-death signal, through util-linux's setpriv (it sets
 * the signal, then execs the command: same PID, same parent). Exit and signal handlers clean up after every
 * other way shipbench can end; this covers the one they cannot, shipbench itself killed with SIGKILL (an
 * OOM kill, a CI job's timeout), after which a registry, an rsync daemon or a fio neighbour would go on
 * running. The signal comes when the thread that spawned the child exits: node spawns from its main thread.
 *
 * Without setpriv, or for a command that is not on PATH, the argv is returned as it is, so a missing
 * program still fails to spawn with ENOENT and the caller's "how to install it" error stays the same.
 */
export function withParentDeathSignal(argv: readonly string[]): string[] {
  const [command] = argv;
  if (command === undefined || setprivPath() === undefined || findExecutable(command) === undefined) return [...argv];
  return [setprivPath() as string, '--pdeathsig', 'SIGKILL', '--', ...argv];
}

let setpriv: string | null | undefined;

function setprivPath(): string | undefined {
  if (setpriv === undefined) setpriv = findExecutable('setpriv') ?? null;
  return setpriv ?? undefined;
}

/** `command`'s path as execvp would find it on PATH; undefined when it would not. */
function findExecutable(command: string): string | undefined {
  const candidates = command.includes('/') ? [command] : (process.env.PATH ?? '').split(delimiter).filter((d) => d !== '').map((d) => join(d, command));
  return candidates.find((path) => {
    try {
      accessSync(path, constants.X_OK);
      return statSync(path).isFile();
    } catch {
      return false;
    }
  });
}
