import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocket } from 'undici';
import { freePort } from '../../src/core/free-port.ts';

/**
 * Debian's real Chromium, headless, driven over the DevTools protocol (a WebSocket; Node 20 has none
 * built in, undici's is the same implementation). Started on a free loopback port with a fresh profile,
 * stopped by its PID.
 */
export class HeadlessChromium {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  /** Console errors, uncaught exceptions and failed loads the page reported. */
  readonly errors: string[] = [];

  private constructor(
    private readonly child: ChildProcess,
    private readonly profileDir: string,
    private readonly socket: WebSocket,
  ) {
    socket.addEventListener('message', (event) => {
      const message = JSON.parse(String(event.data)) as { id?: number; result?: unknown; error?: { message: string }; method?: string; params?: Record<string, unknown> };
      if (message.id !== undefined) {
        const waiter = this.pending.get(message.id);
        this.pending.delete(message.id);
        if (message.error !== undefined) waiter?.reject(new Error(message.error.message));
        else waiter?.resolve(message.result);
        return;
      }
      const p = message.params ?? {};
      if (message.method === 'Runtime.consoleAPICalled' && p.type === 'error') this.errors.push(`console.error: ${JSON.stringify(p.args)}`);
      if (message.method === 'Runtime.exceptionThrown') this.errors.push(`exception: ${JSON.stringify(p.exceptionDetails)}`);
      if (message.method === 'Log.entryAdded') {
        const entry = p.entry as { level: string; text: string; url?: string };
        if (entry.level === 'error') this.errors.push(`log: ${entry.text} ${entry.url ?? ''}`);
      }
    });
  }

  static async start(): Promise<HeadlessChromium> {
    const profileDir = await mkdtemp(join(tmpdir(), 'shipbench-chromium-'));
    const port = await freePort();
    const child = spawn(
      '/usr/bin/chromium',
      ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync',
        `--user-data-dir=${profileDir}`, `--remote-debugging-port=${port}`, '--remote-debugging-address=127.0.0.1', '--window-size=1280,900', 'about:blank'],
      // Its own scratch directory (org.chromium.Chromium.*) goes under the profile too: in /tmp it outlived every run.
      { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, TMPDIR: profileDir } },
    );
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    try {
      const url = await pageWebSocketUrl(port, child, () => stderr);
      const socket = new WebSocket(url);
      await new Promise<void>((resolve, reject) => {
        socket.addEventListener('open', () => resolve());
        socket.addEventListener('error', () => reject(new Error(`cannot connect to Chromium DevTools at ${url}`)));
      });
      const browser = new HeadlessChromium(child, profileDir, socket);
      await browser.send('Runtime.enable');
      await browser.send('Log.enable');
      await browser.send('Page.enable');
      return browser;
    } catch (error) {
      await stopProcess(child);
      await rm(profileDir, PROFILE_REMOVAL);
      throw error;
    }
  }

  send(method: string, params: Record<string, unknown> = {}): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.socket.send(JSON.stringify({ id, method, params }));
    });
  }

  /** Navigates and waits for the load event. */
  async open(url: string): Promise<void> {
    const loaded = new Promise<void>((resolve) => {
      const onMessage = (event: { data: unknown }) => {
        if ((JSON.parse(String(event.data)) as { method?: string }).method === 'Page.loadEventFired') {
          this.socket.removeEventListener('message', onMessage);
          resolve();
        }
      };
      this.socket.addEventListener('message', onMessage);
    });
    await this.send('Page.navigate', { url });
    await loaded;
  }

  async evaluate<T>(expression: string): Promise<T> {
    const r = (await this.send('Runtime.evaluate', { expression, returnByValue: true })) as { result: { value: T }; exceptionDetails?: unknown };
    if (r.exceptionDetails !== undefined) throw new Error(`evaluate failed: ${JSON.stringify(r.exceptionDetails)}`);
    return r.result.value;
  }

  async screenshotPng(): Promise<Buffer> {
    const r = (await this.send('Page.captureScreenshot', { format: 'png', captureBeyondViewport: true })) as { data: string };
    return Buffer.from(r.data, 'base64');
  }

  async stop(): Promise<void> {
    this.socket.close();
    await stopProcess(this.child);
    await rm(this.profileDir, PROFILE_REMOVAL);
  }
}

/**
 * Chromium's helper processes (crashpad, zygote) may still write into the profile for a moment after the browser
 * process has exited, so a recursive rm can meet a directory refilled under it (ENOTEMPTY): retry briefly.
 */
const PROFILE_REMOVAL = { recursive: true, force: true, maxRetries: 10, retryDelay: 100 } as const;

async function pageWebSocketUrl(port: number, child: ChildProcess, stderr: () => string): Promise<string> {
  for (let attempt = 0; attempt < 300; attempt++) {
    if (child.exitCode !== null) throw new Error(`chromium exited (${child.exitCode}) before DevTools was up:\n${stderr()}`);
    try {
      const res = await fetch(`http://127.0.0.1:${port}/json/list`);
      const targets = (await res.json()) as Array<{ type: string; webSocketDebuggerUrl: string }>;
      const page = targets.find((t) => t.type === 'page');
      if (page !== undefined) return page.webSocketDebuggerUrl;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`chromium DevTools did not come up on port ${port}:\n${stderr()}`);
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.pid === undefined) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}
