/**
 * The `http` neighbour's load generator, run as its own process so the harness's busy event loop (virtual
 * nodes unpack in it) never delays a request: `node --import tsx http-load-process.ts CONFIG_JSON`.
 *
 * First autocannon drives the service closed-loop for `probeSeconds`: a warm-up, and a measure of the
 * service's capacity, so a rate near it (where the baseline itself queues) can be flagged. Then an
 * open-loop scheduler sends request i at t0 + i / rate whether or not earlier responses came back, and
 * times each from that INTENDED send time. autocannon is not the measuring driver on purpose: its
 * `overallRate` gives each connection a per-second quota, sent in a burst and then paused, and a
 * connection waits for its response before sending again, so a stalled service is asked less and its
 * stall is hidden (coordinated omission); its correction assumes an interval of ceil(1 / rate) ms.
 *
 * Output, one line each: `probe RPS ERRORS NON2XX P50MS P99MS`, then `r INTENDED_EPOCH_MS LATENCY_MS
 * SEND_LAG_MS OK`, or `fatal COMPONENT MESSAGE`. SIGTERM stops sending and waits for requests in flight.
 */
import type autocannonFunction from 'autocannon';
import { Agent, request } from 'node:http';

export interface HttpLoadConfig {
  readonly url: string;
  readonly rate: number;
  readonly probeSeconds: number;
  readonly maxConnections: number;
  readonly timeoutMs: number;
}

const epochNow = () => performance.timeOrigin + performance.now();
const out = (line: string) => process.stdout.write(`${line}\n`);

async function probe(config: HttpLoadConfig): Promise<void> {
  let autocannon: typeof autocannonFunction;
  try {
    autocannon = (await import('autocannon')).default;
  } catch (error) {
    out(`fatal autocannon the npm package autocannon cannot be loaded (${error instanceof Error ? error.message.split('\n')[0] : String(error)}); run npm ci`);
    process.exit(3);
  }
  try {
    const result = await autocannon({ url: config.url, connections: 2, duration: config.probeSeconds });
    out(`probe ${result.requests.average} ${result.errors} ${result.non2xx} ${result.latency.p50} ${result.latency.p99}`);
  } catch (error) {
    out(`fatal autocannon probe failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(3);
  }
}

function openLoop(config: HttpLoadConfig): void {
  const agent = new Agent({ keepAlive: true, maxSockets: config.maxConnections });
  const intervalMs = 1000 / config.rate;
  const t0 = epochNow();
  let sent = 0;
  let inFlight = 0;
  let stopping = false;
  let timer: NodeJS.Timeout | undefined;

  const send = (intendedMs: number) => {
    inFlight++;
    const lagMs = epochNow() - intendedMs;
    let done = false;
    const finish = (ok: boolean) => {
      if (done) return;
      done = true;
      inFlight--;
      out(`r ${intendedMs.toFixed(3)} ${(epochNow() - intendedMs).toFixed(3)} ${lagMs.toFixed(3)} ${ok ? 1 : 0}`);
      if (stopping && inFlight === 0) process.exit(0);
    };
    const req = request(config.url, { agent, timeout: config.timeoutMs }, (res) => {
      res.resume();
      res.on('end', () => finish(res.statusCode === 200));
      res.on('error', () => finish(false));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => finish(false));
    req.end();
  };

  const tick = () => {
    const now = epochNow();
    // Everything already due goes out now: a late timer must not thin the schedule.
    while (t0 + sent * intervalMs <= now) send(t0 + sent++ * intervalMs);
    timer = setTimeout(tick, Math.max(0, t0 + sent * intervalMs - epochNow()));
  };
  tick();

  process.on('SIGTERM', () => {
    stopping = true;
    clearTimeout(timer);
    if (inFlight === 0) process.exit(0);
    setTimeout(() => process.exit(0), config.timeoutMs).unref();
  });
}

const config = JSON.parse(process.argv[2] ?? '{}') as HttpLoadConfig;
await probe(config);
openLoop(config);
