import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';

/** A child process's wall time and peak resident memory (VmHWM, polled from /proc while it runs). */
export interface Measured {
  readonly seconds: number;
  readonly peakRssBytes: number;
  readonly stdout: string;
}

async function vmHwmBytes(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  const m = /VmHWM:\s+(\d+) kB/.exec(status);
  return m === null ? 0 : Number(m[1]) * 1024;
}

/** Runs `command` through bash (so pipelines work); peak RSS is the largest VmHWM of the shell's children seen. */
export function measure(command: string): Promise<Measured> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn('bash', ['-c', command], { stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    let peak = 0;
    const timer = setInterval(async () => {
      if (child.pid === undefined) return;
      const children = await readFile(`/proc/${child.pid}/task/${child.pid}/children`, 'utf8').catch(() => '');
      for (const pid of [child.pid, ...children.split(/\s+/).filter(Boolean).map(Number)]) peak = Math.max(peak, await vmHwmBytes(pid));
    }, 50);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearInterval(timer);
      if (code !== 0) reject(new Error(`${command} exited ${code}`));
      else resolve({ seconds: (performance.now() - started) / 1000, peakRssBytes: peak, stdout });
    });
  });
}
