import { open, readFile, stat } from 'node:fs/promises';
import { ShipbenchError } from '../core/errors.ts';
import { formatBytes } from '../core/units.ts';
import { dockerArchiveSource } from '../image/docker-archive-source.ts';
import { type ImageSetFigures, measureImageSource } from '../image/image-figures.ts';
import type { ImageSource } from '../image/image-source.ts';
import { findLayouts } from '../image/layout-inspection.ts';
import { ociLayoutSource } from '../image/oci-layout-source.ts';
import { isImageReference, registryImageSource, type RegistrySourceOptions } from '../registry/registry-image-source.ts';
import { type Measurement, measurementsFromResults } from '../report/check-measurements.ts';
import { checkReportSchema, CHECK_SCHEMA_VERSION } from '../report/check-report.ts';
import { RESULTS_SCHEMA_VERSION } from '../report/results.ts';
import { resultsFromJson } from '../report/read-results.ts';
import type { ResolvedBudget } from '../scenario/budgets-resolve.ts';
import { loadResolvedScenario } from '../scenario/load.ts';
import { defaultImagesDir } from './default-paths.ts';
import { generateProgressPrinter } from './generate-progress.ts';
import { runGenerate } from './run-generate.ts';

/** What `check` compares: figures of one source, wherever they came from. */
export interface CheckedSource {
  readonly kind: string;
  readonly location: string;
  readonly measurements: Measurement[];
  readonly compressedEstimatedAtGzipLevel: number | undefined;
  /** A scenario's own `budgets:` section. */
  readonly budgets: readonly ResolvedBudget[];
}

export interface SourceOptions {
  readonly out: string | undefined;
  /** `--force`: a scenario's images may go into a non-empty directory shipbench did not create. */
  readonly force: boolean;
  readonly registry: RegistrySourceOptions;
  readonly estimateGzipLevel: number | undefined;
  /** May a check report stand for the source (a baseline may; the checked source may not). */
  readonly acceptReport: boolean;
}

const SOURCE_HINT = 'give a scenario (.yaml), an OCI layout dir, a docker-archive tarball, a results.json, or a registry image (http://HOST:PORT/REPO:TAG, docker://HOST/REPO:TAG)';

/** Reads SOURCE (or a baseline) by its kind, and turns it into measurements. */
export async function readCheckSource(source: string, options: SourceOptions): Promise<CheckedSource> {
  if (isImageReference(source)) return fromImages([{ strategy: '', source: registryImageSource(source, options.registry) }], options, 'registry', source);
  const info = await stat(source).catch((error: NodeJS.ErrnoException) => {
    throw new ShipbenchError('source-not-found', `cannot read ${source} (${error.code ?? 'error'})`, { hint: SOURCE_HINT });
  });
  // A FIFO or a device would be read forever (or block the open): only files and directories are sources.
  if (!info.isDirectory() && !info.isFile()) {
    throw new ShipbenchError('source-not-regular', `${source} is neither a regular file nor a directory`, { hint: SOURCE_HINT });
  }
  if (info.isDirectory()) {
    const layouts = await findLayouts(source);
    const single = layouts.length === 1 && layouts[0]?.dir === source;
    return fromImages(layouts.map((l) => ({ strategy: single ? '' : l.name, source: ociLayoutSource(l.dir) })), options, 'oci-layout', source);
  }
  if (/\.ya?ml$/i.test(source)) {
    const { scenario } = await loadResolvedScenario(source);
    const generated = await runGenerate(scenario, { outDir: options.out ?? defaultImagesDir(scenario.name), owner: { command: 'check', force: options.force }, trees: false, workers: undefined, onEvent: generateProgressPrinter() });
    const checked = await fromImages(generated.strategies.map((s) => ({ strategy: s.name, source: ociLayoutSource(s.layoutDir) })), options, 'scenario', source);
    return { ...checked, budgets: scenario.budgets };
  }
  const json = await readJsonIfAny(source);
  if (json !== undefined) {
    const schema = (json as { schema?: unknown }).schema;
    if (schema === RESULTS_SCHEMA_VERSION) {
      const results = resultsFromJson(json, source);
      if (results.status !== 'completed') process.stderr.write(`warning: ${source} is a ${results.status} run; checking the steps it finished\n`);
      return { kind: `results (${results.source})`, location: source, measurements: measurementsFromResults(results), compressedEstimatedAtGzipLevel: undefined, budgets: [] };
    }
    if (schema === CHECK_SCHEMA_VERSION && options.acceptReport) {
      const parsed = checkReportSchema.safeParse(json);
      if (!parsed.success) throw new ShipbenchError('check-report-invalid', `${source} is not a valid ${CHECK_SCHEMA_VERSION} file`, { hint: 'give a file written by `shipbench check --json FILE`' });
      return { kind: `check report of ${parsed.data.source.kind}`, location: source, measurements: parsed.data.measurements, compressedEstimatedAtGzipLevel: parsed.data.compressedEstimatedAtGzipLevel, budgets: [] };
    }
    throw new ShipbenchError('source-unknown', `${source} is JSON but neither a results.json (${RESULTS_SCHEMA_VERSION})${options.acceptReport ? ` nor a check report (${CHECK_SCHEMA_VERSION})` : ''}`, { hint: SOURCE_HINT });
  }
  return fromImages([{ strategy: '', source: dockerArchiveSource(source) }], options, 'docker-archive', source);
}

/** The file parsed as JSON when it starts with `{` (peeked first: a docker-archive may be gigabytes). */
async function readJsonIfAny(file: string): Promise<unknown> {
  const handle = await open(file, 'r');
  let first: string;
  try {
    const head = Buffer.alloc(64);
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    first = head.subarray(0, bytesRead).toString('utf8').trimStart().slice(0, 1);
  } finally {
    await handle.close();
  }
  if (first !== '{') return undefined;
  try {
    return JSON.parse(await readFile(file, 'utf8')) as unknown;
  } catch {
    throw new ShipbenchError('source-unknown', `${file} starts like JSON but does not parse`, { hint: SOURCE_HINT });
  }
}

async function fromImages(sources: ReadonlyArray<{ strategy: string; source: ImageSource }>, options: SourceOptions, kind: string, location: string): Promise<CheckedSource> {
  const measurements: Measurement[] = [];
  let estimated: number | undefined;
  for (const { strategy, source } of sources) {
    let figures: ImageSetFigures;
    try {
      figures = await measureImageSource(source, {
        ...(options.estimateGzipLevel === undefined ? {} : { estimateGzipLevel: options.estimateGzipLevel }),
        onLayer: (key, scan) => process.stderr.write(`read layer ${key.replace(/^sha256:/, '').slice(0, 12)}: ${formatBytes(scan.blobBytes)}, ${scan.files} files\n`),
      });
    } finally {
      await source.close();
    }
    estimated ??= figures.compressedEstimatedAtGzipLevel;
    measurements.push(...imageMeasurements(strategy, figures));
  }
  return { kind, location, measurements, compressedEstimatedAtGzipLevel: estimated, budgets: [] };
}

function imageMeasurements(strategy: string, figures: ImageSetFigures): Measurement[] {
  const est = figures.compressedEstimatedAtGzipLevel !== undefined ? { estimated: true } : {};
  const out: Measurement[] = [];
  for (const image of figures.images) {
    const at = { strategy, step: image.name };
    out.push(
      { metric: 'compressed-size', ...at, value: image.compressedBytes, ...est },
      { metric: 'uncompressed-size', ...at, value: image.uncompressedBytes },
      { metric: 'layers', ...at, value: image.layers },
      { metric: 'largest-layer', ...at, value: image.largestLayerBytes, ...est },
      { metric: 'wasted-bytes', ...at, value: image.wastedBytes },
      { metric: 'efficiency', ...at, value: image.efficiency },
    );
  }
  for (const cost of figures.deploy) {
    const at = { strategy, step: cost.step };
    out.push({ metric: 'deploy-download', ...at, value: cost.downloadBytes, ...est }, { metric: 'deploy-new-layers', ...at, value: cost.newLayers });
  }
  return out;
}
