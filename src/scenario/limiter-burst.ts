/**
 * The burst of a token-bucket rate limiter as shipbench's virtual nodes build it (nodes/token-bucket.ts):
 * 1/20 s of traffic, at least 64 KiB. One definition, so `simulate --calibrate` charges a virtual node's
 * first bytes of a step as the measured run let them through: at once, from a bucket that filled while idle.
 */
export function limiterBurstBytes(bytesPerSecond: number): number {
  return Math.max(64 * 1024, bytesPerSecond / 20);
}
