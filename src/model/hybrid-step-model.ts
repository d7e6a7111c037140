import type { ModelImageStep } from './fleet-plan.ts';
import type { FluidNetwork } from './fluid-network.ts';
import { loneUnpackSecondsPerByte } from './node-cpu.ts';
import type { StepOutcome } from './step-outcome.ts';
import { simulateVolumeStep, type VolumeStepInput } from './volume-step-model.ts';

export interface HybridStepInput extends Omit<VolumeStepInput, 'prep'> {
  /** The step's image under the strategy the master pulls. */
  readonly image: ModelImageStep;
  /** Layers the master holds from the previous step's image: not pulled again. */
  readonly held: ReadonlySet<string>;
}

const bytesPerSecond = (bitsPerSecond: number) => bitsPerSecond / 8;

/**
 * One deploy step on the hybrid side: the deployment master resolves the manifest, pulls the layers it does
 * not hold through a registry replica's egress and its own NIC (the rsync master's egress rate, a symmetric
 * link), unpacks the whole image (decompression, file writes, disk and a cost per file, at a node's CPU and disk
 * figures: the master is a server like them), then the volume side's step runs on that tree: proxies, then nodes.
 * Returns the outcome and the seconds the master's prep took (the `deploy.prep` part).
 */
export function simulateHybridStep(input: HybridStepInput): { outcome: StepOutcome; prepSeconds: number } {
  const { model, image, held } = input;
  const pulled = image.layers.filter((l) => !held.has(l.id)).reduce((n, l) => n + l.compressedBytes, 0);
  const unpackedBytes = image.layers.reduce((n, l) => n + l.uncompressedBytes, 0);
  const files = image.layers.reduce((n, l) => n + l.files, 0);
  // The master unpacks alone: each byte at its CPU's pace (node-cpu.ts), into page cache up to its dirty limit
  // (write-back.ts), the rest at its CPU's or its disk's pace, whichever is slower; each file its wait and its CPU.
  // Unpack costs fitted as the seconds nodes waited, sharing one machine's cores: alone, the master takes them
  // times the share of a core each of those unpacks had (model.harness.unpackShare, set by --calibrate).
  const { cpu } = model.node;
  const alone = model.harness.unpackShare ?? 1;
  const cpuPerByte = loneUnpackSecondsPerByte(cpu) * alone;
  const absorbed = Math.min(unpackedBytes, model.node.dirtyLimitBytes);
  const throughDisk = (unpackedBytes - absorbed) * Math.max(cpuPerByte, 1 / model.node.diskWriteBytesPerSecond);
  const unpackSeconds = absorbed * cpuPerByte + throughDisk + files * (model.node.unpackPerFileSeconds + cpu.perFileSeconds) * alone;
  let prepSeconds = 0;
  const prep = (net: FluidNetwork, ready: () => void) => {
    const registry = net.addMeter();
    const egress = net.addResource(bytesPerSecond(model.registry.egressBitsPerSecond), 'registry egress');
    const nic = net.addResource(bytesPerSecond(model.rsync.masterEgressBitsPerSecond), 'master nic');
    net.at(model.node.manifestSeconds, () =>
      net.startFlow({
        bytes: pulled,
        resources: [egress, nic],
        meters: [registry],
        onDone: () =>
          net.at(net.now + unpackSeconds, () => {
            prepSeconds = net.now;
            ready();
          }),
      }),
    );
    return [{ tier: 'registry', id: registry }];
  };
  const outcome = simulateVolumeStep({ ...input, prep });
  return { outcome, prepSeconds };
}
