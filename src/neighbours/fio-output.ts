import { z } from 'zod';
import type { NeighbourOperation } from '../metrics/neighbour-operation.ts';

/**
 * The parts of `fio --output-format=json` shipbench reads, validated: a fio that changed its output (or
 * wrote something else) is a clear error rather than NaN in a report.
 */
const directionSchema = z.object({
  iops: z.number(),
  total_ios: z.number(),
  clat_ns: z.object({ mean: z.number(), percentile: z.record(z.string(), z.number()).optional() }),
});

export const fioOutputSchema = z.object({
  'fio version': z.string(),
  jobs: z
    .array(
      z.object({
        jobname: z.string(),
        error: z.number(),
        read: directionSchema,
        write: directionSchema,
      }),
    )
    .min(1),
});
export type FioOutput = z.infer<typeof fioOutputSchema>;

/** fio prints notices ("fio: terminating on signal 2") before the JSON document on the same stream. */
export function parseFioOutput(text: string): FioOutput {
  const start = text.indexOf('{');
  if (start < 0) throw new Error(`fio wrote no JSON output${text.trim() === '' ? '' : `: ${text.trim().slice(0, 300)}`}`);
  let data: unknown;
  try {
    data = JSON.parse(text.slice(start));
  } catch (error) {
    throw new Error(`fio's JSON output does not parse: ${error instanceof Error ? error.message : String(error)}`);
  }
  const parsed = fioOutputSchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`fio's JSON output lacks what shipbench reads: ${issue?.path.join('.') ?? ''} ${issue?.message ?? ''}`);
  }
  return parsed.data;
}

/**
 * A completion-latency log written with `--write_lat_log --log_unix_epoch=1` (fio 3.x): lines of
 * `epoch ms, clat ns, direction, block size, offset[, priority]`, one per I/O when log_avg_msec is 0.
 * An I/O's start is its completion minus its latency.
 */
export function parseFioLatencyLog(text: string): NeighbourOperation[] {
  const operations: NeighbourOperation[] = [];
  for (const line of text.split('\n')) {
    const fields = line.split(',');
    if (fields.length < 2) continue;
    const completedMs = Number(fields[0]);
    const latencyMs = Number(fields[1]) / 1e6;
    if (!Number.isFinite(completedMs) || !Number.isFinite(latencyMs)) continue;
    operations.push({ startEpochMs: completedMs - latencyMs, latencyMs, ok: true });
  }
  return operations;
}
