import { parseSeconds, parseShare } from '../core/units.ts';
import type { ModelInput } from './model-schema.ts';
import type { NodeCpu, ResolvedLazy } from './model-resolved.ts';
import { DEFAULT_CONTAINER_RUNTIME, type ContainerRuntime } from './runtime-pull-rules.ts';

const GiB = 1024 ** 3;

/**
 * Defaults of the runtime keys (model-runtime-schema.ts), each with where it comes from. CPU figures were
 * measured on the harness machine (AMD EPYC with SHA-NI, 2 cores shared, load 10 to 20: CPU time, not
 * wall time, lowest of two runs); they are starting points for --calibrate, not truths about a fleet.
 */
export const MODEL_RUNTIME_DEFAULTS = {
  runtime: DEFAULT_CONTAINER_RUNTIME,
  /** Docker container start-up on Azure Premium SSD, median of 50 (Khan 2026, arXiv:2602.15214: 568 ms). */
  start: '0.57s',
  /** A common data-centre node size (assumption; set it to your nodes'). */
  cores: 8,
  /** `openssl speed -seconds 2 -evp sha256`: 1.69 GB/s at 8 KiB blocks (Go's crypto/sha256 uses SHA-NI too). */
  sha256PerGiB: '0.64s',
  /** GNU tar -x of a tar holding one 132 MB file: 0.16 CPU-s (0.02 user, 0.14 sys). */
  unpackPerGiB: '1.3s',
  /** Counted as a wait by model.node.unpackPerFile unless moved to the CPU (tar -x of node_modules: ~0.05 ms CPU per file). */
  perFile: '0s',
  /**
   * Slacker (Harter et al., FAST'16): across HelloBench's 57 images, pulling is 76% of container start-up
   * time, yet only 6.4% of the image's data is read at start-up.
   */
  workingSet: '6.4%',
} as const;

/** A cross-key problem: the decompression rate given twice, once as a rate and once as CPU time. */
export function findRuntimeProblems(model: ModelInput): Array<{ path: string[]; message: string; hint: string }> {
  if (model.node?.decompress !== undefined && model.node.cpu?.decompressPerGiB !== undefined) {
    return [{ path: ['model', 'node', 'cpu', 'decompressPerGiB'], message: 'model.node.decompress and model.node.cpu.decompressPerGiB both set the decompression rate', hint: 'keep one: decompressPerGiB = 1 GiB / decompress' }];
  }
  return [];
}

export function resolveNodeCpu(model: ModelInput | undefined, decompressBytesPerSecond: number): NodeCpu {
  const cpu = model?.node?.cpu;
  const perByte = (v: string | number | undefined, fallback: string) => parseSeconds(v ?? fallback) / GiB;
  return {
    cores: cpu?.cores ?? MODEL_RUNTIME_DEFAULTS.cores,
    decompressSecondsPerByte: cpu?.decompressPerGiB === undefined ? 1 / decompressBytesPerSecond : parseSeconds(cpu.decompressPerGiB) / GiB,
    sha256SecondsPerByte: perByte(cpu?.sha256PerGiB, MODEL_RUNTIME_DEFAULTS.sha256PerGiB),
    unpackSecondsPerByte: perByte(cpu?.unpackPerGiB, MODEL_RUNTIME_DEFAULTS.unpackPerGiB),
    perFileSeconds: parseSeconds(cpu?.perFile ?? MODEL_RUNTIME_DEFAULTS.perFile),
  };
}

/** The model follows the runtime the fleet's virtual nodes emulate (fleet.node.runtime) unless model.node.runtime says otherwise. */
export function resolveNodeRuntime(model: ModelInput | undefined, fleetRuntime: ContainerRuntime | undefined): { runtime: ContainerRuntime; startSeconds: number } {
  return { runtime: model?.node?.runtime ?? fleetRuntime ?? MODEL_RUNTIME_DEFAULTS.runtime, startSeconds: parseSeconds(model?.node?.start ?? MODEL_RUNTIME_DEFAULTS.start) };
}

export function resolveLazy(model: ModelInput | undefined): ResolvedLazy {
  return { workingSetShare: parseShare(model?.lazy?.workingSet ?? MODEL_RUNTIME_DEFAULTS.workingSet) };
}

