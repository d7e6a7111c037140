import type { RequestCounters } from '../metrics/registry-strain.ts';

/**
 * The embedded registry's access log (Apache combined format on its stdout, one line per request once its
 * answer is written): the registry's own count of the requests it served, whoever sent them (virtual
 * nodes, dockerd, containerd). Requests to MARK_PATH are shipbench's own markers and are not counted.
 */
export class AccessLog {
  readonly counters: RequestCounters = { requests: 0, bytes: 0, throttled: 0, serverErrors: 0 };
  private partial = '';
  private readonly waiting = new Map<string, () => void>();

  /** Feed it the registry's stdout as it arrives. */
  write(data: string): void {
    const lines = (this.partial + data).split('\n');
    this.partial = lines.pop() ?? '';
    for (const line of lines) this.line(line);
  }

  /** Resolves once the line of a request for `MARK_PATH<token>` has been read. */
  marked(token: string): Promise<void> {
    return new Promise((resolve) => this.waiting.set(token, resolve));
  }

  /** Stops waiting for a marker (the registry died, or the marker request failed). */
  forget(token: string): void {
    this.waiting.get(token)?.();
    this.waiting.delete(token);
  }

  private line(line: string): void {
    const entry = parseAccessLine(line);
    if (entry === undefined) return;
    if (entry.path.startsWith(MARK_PATH)) {
      this.forget(entry.path.slice(MARK_PATH.length));
      return;
    }
    this.counters.requests++;
    this.counters.bytes += entry.bytes;
    if (entry.status === 429) this.counters.throttled++;
    if (entry.status >= 500) this.counters.serverErrors++;
  }
}

/** Not a registry route: the registry answers 404 and logs it, which is all a marker needs. */
export const MARK_PATH = '/v2/_shipbench/mark/';

// host ident user [time] "METHOD PATH PROTO" status bytes "referer" "agent"
const COMBINED = /^\S+ \S+ \S+ \[[^\]]*\] "(\S+) (\S+)[^"]*" (\d{3}) (\d+|-)/;

export function parseAccessLine(line: string): { method: string; path: string; status: number; bytes: number } | undefined {
  const m = COMBINED.exec(line);
  if (m === null) return undefined;
  return { method: m[1] as string, path: m[2] as string, status: Number(m[3]), bytes: m[4] === '-' ? 0 : Number(m[4]) };
}
