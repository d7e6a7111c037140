import { hostCommand } from './host-command.ts';

/** Ethernet frame size on the bridge: tbf needs a bucket of at least one full frame or it drops them all. */
const MTU_FRAME_BYTES = 1514;

/**
 * tbf parameters for a rate. The kernel here has no netem, so shaping is rate only (no latency emulation).
 * The bucket holds 10 ms of traffic (at least two frames): small enough that the measured rate converges on
 * the configured one within a fraction of a second, large enough for the timer resolution (HZ 250 = 4 ms).
 */
export function tbfArgs(bitsPerSecond: number): string[] {
  const bytesPerSecond = bitsPerSecond / 8;
  const burstBytes = Math.max(2 * MTU_FRAME_BYTES, Math.ceil(bytesPerSecond / 100));
  return ['tbf', 'rate', `${Math.floor(bitsPerSecond)}bit`, 'burst', String(burstBytes), 'latency', '100ms'];
}

/** Shapes what leaves `device` (in namespace `netns`, or the host's when undefined). */
export async function shapeEgress(device: string, netns: string | undefined, bitsPerSecond: number): Promise<void> {
  const where = netns === undefined ? [] : ['-n', netns];
  await hostCommand('tc', [...where, 'qdisc', 'replace', 'dev', device, 'root', ...tbfArgs(bitsPerSecond)]);
}
