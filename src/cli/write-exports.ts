import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { writeFileAtomic } from '../core/atomic-file.ts';
import { redactText } from '../core/secret-redaction.ts';
import type { ExportedFile } from '../report/exporters.ts';

/** Puts exporters' files under `outDir`, each replaced atomically (a reader never sees half a report). */
export async function writeExports(outDir: string, files: readonly ExportedFile[]): Promise<string[]> {
  const written: string[] = [];
  for (const file of files) {
    const path = join(outDir, file.path);
    await mkdir(dirname(path), { recursive: true });
    await writeFileAtomic(path, typeof file.content === 'string' ? redactText(file.content) : file.content);
    written.push(path);
  }
  return written;
}
