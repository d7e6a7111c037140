import { pack as tarPack, type Header } from 'tar-stream';

/** One tar entry as tests write them: a header (name at least) and, for a regular file, its content. */
export type TarEntry = Partial<Header> & { name: string; content?: Buffer | string };

/**
 * An uncompressed tar of `entries`, in order, made by tar-stream. A regular file (untyped, `file` or
 * `contiguous-file`; whiteouts too) without content gets an empty one: without a buffer tar-stream would wait
 * for its content to be streamed in. Default modes: 0755 for directories, 0777 for symlinks, 0644 otherwise.
 */
export async function tarOf(entries: readonly TarEntry[]): Promise<Buffer> {
  const pack = tarPack();
  const chunks: Buffer[] = [];
  const collected = (async () => {
    for await (const chunk of pack) chunks.push(chunk as Buffer);
  })();
  for (const { content, ...header } of entries) {
    const isFile = header.type === undefined || header.type === 'file' || header.type === 'contiguous-file';
    const body = typeof content === 'string' ? Buffer.from(content) : (content ?? (isFile ? Buffer.alloc(0) : undefined));
    const mode = header.type === 'directory' ? 0o755 : header.type === 'symlink' ? 0o777 : 0o644;
    await new Promise<void>((resolve, reject) => {
      const done = (err?: Error | null) => (err ? reject(err) : resolve());
      if (body === undefined) pack.entry({ mode, ...header }, done);
      else pack.entry({ mode, ...header, size: body.length }, body, done);
    });
  }
  pack.finalize();
  await collected;
  return Buffer.concat(chunks);
}
