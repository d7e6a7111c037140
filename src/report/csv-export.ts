import type { RunResults } from './results.ts';
import { repeatKey } from '../metrics/step-key.ts';

const HEAD = ['source', 'strategy', 'step', 'repeat', 'warmup', 'node', 'startSeconds', 'manifestSeconds', 'totalSeconds', 'layers', 'layersDownloaded', 'bytesDownloaded', 'bytesWrittenToDisk', 'filesWritten', 'error'];

/** RFC 4180 quoting: only where needed, doubling quotes. */
export function csvCell(value: string | number | boolean): string {
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** samples.csv: one row per node and step and repeat, for spreadsheets and R. Warmups included, flagged. */
export function renderSamplesCsv(results: RunResults): string {
  const warm = new Set(results.steps.filter((s) => s.warmup).map((s) => repeatKey(s)));
  const rows = results.samples.map((s) => [
    results.source,
    s.strategy,
    s.step,
    s.repeat,
    warm.has(repeatKey(s)),
    s.node,
    s.startSeconds,
    s.manifestSeconds,
    s.totalSeconds,
    s.layers.length,
    s.layers.filter((l) => l.downloadSeconds > 0).length,
    s.bytesDownloaded,
    s.bytesWrittenToDisk,
    s.filesWritten,
    s.error ?? '',
  ]);
  return `${[HEAD, ...rows].map((r) => r.map(csvCell).join(',')).join('\r\n')}\r\n`;
}
