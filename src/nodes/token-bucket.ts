import { setTimeout as sleep } from 'node:timers/promises';
import { limiterBurstBytes } from '../scenario/limiter-burst.ts';

/**
 * A node's NIC: a token bucket shared by all of the node's downloads, so three concurrent layer fetches
 * together stay under `node.nic`, as they would on a real link. The burst is small (1/20 s of traffic) so
 * the limit holds over short windows too.
 */
export class TokenBucket {
  private readonly bytesPerSecond: number;
  private readonly burstBytes: number;
  private tokens: number;
  private last: number;

  constructor(bitsPerSecond: number) {
    this.bytesPerSecond = bitsPerSecond / 8;
    this.burstBytes = limiterBurstBytes(this.bytesPerSecond);
    this.tokens = this.burstBytes;
    this.last = performance.now();
  }

  private refill(): void {
    const now = performance.now();
    this.tokens = Math.min(this.burstBytes, this.tokens + ((now - this.last) / 1000) * this.bytesPerSecond);
    this.last = now;
  }

  /** Resolves once `bytes` may pass; callers hand in chunk sizes as they arrive. */
  async take(bytes: number): Promise<void> {
    this.refill();
    this.tokens -= bytes;
    if (this.tokens >= 0) return;
    await sleep((-this.tokens / this.bytesPerSecond) * 1000);
  }
}
