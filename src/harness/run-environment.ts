import { cpus, hostname, release, totalmem, type } from 'node:os';
import { blockDeviceFor } from '../metrics/block-device.ts';
import type { Environment } from '../report/results.ts';

/** The machine a run measured on, for results.json: readers must know what the numbers came from. */
export async function describeEnvironment(workDir: string, tools: Record<string, string>): Promise<{ environment: Environment; diskDevice: string | undefined }> {
  const device = await blockDeviceFor(workDir);
  const disk =
    device.device === undefined
      ? { ...(device.fsType === undefined ? {} : { fsType: device.fsType }), note: device.reason }
      : { device: device.device, ...(device.fsType === undefined ? {} : { fsType: device.fsType }) };
  return {
    environment: {
      hostname: hostname(),
      kernel: `${type()} ${release()}`,
      cpuModel: cpus()[0]?.model ?? 'unknown',
      cpus: cpus().length,
      memoryBytes: totalmem(),
      node: process.version,
      workDir,
      disk,
      tools,
    },
    diskDevice: device.device,
  };
}
