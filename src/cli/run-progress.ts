import { formatBytes, formatSeconds } from '../core/units.ts';
import type { RunEvent } from '../harness/run-events.ts';
import { redactText } from '../core/secret-redaction.ts';
import { progressBar } from './progress-bar.ts';

/** What `run` reports while it works (harness/run-events.ts). */
export type RunProgressEvent = RunEvent;

export interface ProgressOptions {
  readonly stream?: NodeJS.WriteStream;
  readonly quiet?: boolean;
  /** Seconds between plain progress lines when the stream is not a terminal. */
  readonly plainIntervalSeconds?: number;
  readonly now?: () => number;
}

/**
 * Draws run events on stderr: on a terminal one self-rewriting bar line (push: images; pulls and syncs:
 * nodes done and bytes); elsewhere (CI logs) plain lines, at most one per interval while a step runs.
 * `quiet` keeps only node failures. Runners never print: this is the only place run progress is written.
 */
export function runProgressPrinter(options: ProgressOptions = {}): (event: RunProgressEvent) => void {
  const stream = options.stream ?? process.stderr;
  const tty = stream.isTTY === true;
  const quiet = options.quiet === true;
  const interval = (options.plainIntervalSeconds ?? 5) * 1000;
  const now = options.now ?? Date.now;
  let step: { label: string; nodes: number; done: number; bytes: number; lastLineMs: number } | undefined;
  let barShown = false;
  const line = (text: string) => {
    if (barShown) stream.write('\r\x1b[K');
    barShown = false;
    // Lines carry node errors and phase details: a secret in one is masked.
    stream.write(`${redactText(text)}\n`);
  };
  const bar = (text: string) => {
    stream.write(`\r\x1b[K${text}`);
    barShown = true;
  };
  return (event) => {
    if (event.type === 'node-done' && event.sample.error !== undefined) line(`  ${event.sample.node} failed: ${event.sample.error}`);
    if (event.type === 'failover') line(`  ${event.node}: ${event.from} is down, ${event.to === undefined ? 'no proxy left' : `failing over to ${event.to}`} (${event.reason})`);
    if (event.type === 'neighbour-crashed') line(`  neighbour ${event.neighbour} crashed: ${event.message} (the rollout goes on; later steps leave it out)`);
    if (quiet) return;
    switch (event.type) {
      case 'phase':
        if (event.name !== 'push' || event.detail !== 'started') line(`${event.name}: ${event.detail}`);
        break;
      case 'push':
        if (tty) bar(`push ${progressBar(event.done, event.total)} ${event.done}/${event.total} images, ${formatBytes(event.bytesUp)} up (${event.strategy})`);
        else if (event.done === event.total) line(`push: ${event.total} images, ${formatBytes(event.bytesUp)} up`);
        break;
      case 'step-start': {
        const verb = event.strategy === 'volume' ? 'sync' : event.strategy === 'hybrid' ? 'prep+sync' : 'pull';
        step = { label: `${verb} ${event.strategy} ${event.step}${event.warmup ? ' (warmup)' : ''} repeat ${event.repeat}`, nodes: event.nodes, done: 0, bytes: 0, lastLineMs: now() };
        if (tty) bar(`${step.label} ${progressBar(0, event.nodes)} 0/${event.nodes} nodes`);
        else line(`${event.strategy} ${event.step}${event.warmup ? ' (warmup)' : ''} repeat ${event.repeat}: ${event.nodes} nodes`);
        break;
      }
      case 'node-done':
        if (step === undefined) break;
        step.done++;
        step.bytes += event.sample.bytesDownloaded;
        if (tty) bar(`${step.label} ${progressBar(step.done, step.nodes)} ${step.done}/${step.nodes} nodes, ${formatBytes(step.bytes)}`);
        else if (now() - step.lastLineMs >= interval && step.done < step.nodes) {
          step.lastLineMs = now();
          line(`  ${step.done}/${step.nodes} nodes, ${formatBytes(step.bytes)}`);
        }
        break;
      case 'daemons-started':
        line(`rsync daemons: master on port ${event.master.port}, ${event.proxies.map((p) => `${p.name} on ${p.port}`).join(', ')}`);
        break;
      case 'neighbour-phase':
        line(`  neighbours: ${event.phase} ${event.seconds} s`);
        break;
      case 'step-done':
        line(`${tty && step !== undefined ? `${step.label}: ` : '  '}done in ${formatSeconds(event.result.makespanSeconds)}, ${formatBytes(event.result.bytesDownloaded)} downloaded`);
        step = undefined;
        break;
    }
  };
}
