import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { extract as tarExtract, type Header } from 'tar-stream';
import { createContentSynthesizer } from '../../src/content/content-synthesizer.ts';
import { compareEntryPaths, type FileEntry } from '../../src/content/file-entry.ts';
import type { LayerSpec } from '../../src/image/layer-spec.ts';
import { LAYER_MTIME, layerTarItems, whiteoutPath, writeLayerTar } from '../../src/image/layer-tar.ts';

const synth = createContentSynthesizer(11);

function file(path: string, bytes: number, mode = 0o644): FileEntry {
  return { path, bytes, mode, kind: 'php', contentKey: `key:${path}:${bytes}`, component: 'core', version: undefined };
}

function spec(files: FileEntry[], whiteouts: string[] = [], role = 'test'): LayerSpec {
  return { role, files: [...files].sort(compareEntryPaths), whiteouts: [...whiteouts].sort() };
}

async function tarOf(layer: LayerSpec): Promise<Buffer> {
  const chunks: Buffer[] = [];
  const stats = await writeLayerTar(layer, synth, {
    write: (chunk) => {
      chunks.push(Buffer.from(chunk)); // the chunk may be a reused scratch buffer
      return true;
    },
    ready: async () => undefined,
  });
  const tar = Buffer.concat(chunks);
  assert.equal(stats.tarBytes, tar.length);
  return tar;
}

async function listTar(tar: Buffer): Promise<{ header: Header; content: Buffer }[]> {
  const out: { header: Header; content: Buffer }[] = [];
  const extract = tarExtract();
  const done = (async () => {
    for await (const entry of extract) {
      const parts: Buffer[] = [];
      for await (const c of entry) parts.push(c as Buffer);
      out.push({ header: entry.header, content: Buffer.concat(parts) });
    }
  })();
  extract.end(tar);
  await done;
  return out;
}

function expected(entry: FileEntry): Buffer {
  const b = Buffer.alloc(entry.bytes);
  synth.fill(entry, b);
  return b;
}

describe('layer tar', () => {
  const files = [
    file('srv/mediawiki/php-1.45.0-wmf.1/includes/Title.php', 5000),
    file('srv/mediawiki/php-1.45.0-wmf.1/includes-extra/Other.php', 700),
    file('srv/mediawiki/php-1.45.0-wmf.1/maintenance/run.sh', 120, 0o755),
    file('srv/mediawiki/wmf-config/Empty.php', 0),
    file('srv/README', 33),
  ];
  const whiteouts = ['srv/mediawiki/php-1.44.0-wmf.9', 'srv/mediawiki/wmf-config/Old.php', 'srv/gone/deep/file.php'];

  it('writes every parent directory once, sorted, parents first, whiteouts as .wh. files', async () => {
    const entries = await listTar(await tarOf(spec(files, whiteouts)));
    const names = entries.map((e) => e.header.name);
    assert.deepEqual(names, [
      'srv/',
      'srv/README',
      'srv/gone/',
      'srv/gone/deep/',
      'srv/gone/deep/.wh.file.php',
      'srv/mediawiki/',
      'srv/mediawiki/.wh.php-1.44.0-wmf.9',
      'srv/mediawiki/php-1.45.0-wmf.1/',
      'srv/mediawiki/php-1.45.0-wmf.1/includes/',
      // Bytewise order: '-' sorts before '/', so a sibling may come between a directory and its files.
      'srv/mediawiki/php-1.45.0-wmf.1/includes-extra/',
      'srv/mediawiki/php-1.45.0-wmf.1/includes-extra/Other.php',
      'srv/mediawiki/php-1.45.0-wmf.1/includes/Title.php',
      'srv/mediawiki/php-1.45.0-wmf.1/maintenance/',
      'srv/mediawiki/php-1.45.0-wmf.1/maintenance/run.sh',
      'srv/mediawiki/wmf-config/',
      'srv/mediawiki/wmf-config/.wh.Old.php',
      'srv/mediawiki/wmf-config/Empty.php',
    ]);
    for (const { header, content } of entries) {
      assert.equal(header.mtime.getTime(), LAYER_MTIME.getTime(), header.name);
      assert.equal(header.uid, 0);
      assert.equal(header.gid, 0);
      assert.equal(header.uname, '');
      assert.equal(header.gname, '');
      if (header.name.endsWith('/')) {
        assert.equal(header.type, 'directory');
        assert.equal(header.mode, 0o755);
      } else if (header.name.includes('/.wh.')) {
        assert.equal(header.type, 'file');
        assert.equal(content.length, 0);
      } else {
        const entry = files.find((f) => f.path === header.name);
        assert.ok(entry, header.name);
        assert.equal(header.mode, entry.mode);
        assert.ok(content.equals(expected(entry)), header.name);
      }
    }
  });

  it('is byte-identical for identical specs', async () => {
    const a = await tarOf(spec(files, whiteouts));
    const b = await tarOf(spec([...files].reverse(), whiteouts));
    assert.ok(a.equals(b));
  });

  it('keeps content right across arena reuse and for files larger than the arena', async () => {
    const many = Array.from({ length: 3000 }, (_, i) => file(`a/d${i % 7}/f${String(i).padStart(4, '0')}.php`, (i * 2654435761) % 9000));
    const big = [file('b/huge.cdb', 9 * 2 ** 20 + 3), file('b/large.bin', 5 * 2 ** 20), file('b/medium.json', 4 * 2 ** 20)];
    const all = [...many, ...big];
    const entries = await listTar(await tarOf(spec(all)));
    const byName = new Map(entries.map((e) => [e.header.name, e.content]));
    for (const f of all) assert.ok(byName.get(f.path)?.equals(expected(f)), f.path);
  });

  it('writes paths ustar cannot hold through PAX headers', async () => {
    const long = `srv/${'x'.repeat(120)}/${'y'.repeat(90)}/${'z'.repeat(110)}.php`;
    const entries = await listTar(await tarOf(spec([file(long, 10), file('srv/ünïcode.php', 5)])));
    assert.deepEqual(
      entries.filter((e) => e.header.type === 'file').map((e) => e.header.name),
      [long, 'srv/ünïcode.php'],
    );
  });

  it('accepts an empty layer and a whiteout-only layer', async () => {
    assert.equal((await tarOf(spec([]))).length, 1024);
    const entries = await listTar(await tarOf(spec([], ['top.php'])));
    assert.deepEqual(
      entries.map((e) => e.header.name),
      ['.wh.top.php'],
    );
  });

  it('rejects specs that cannot be a tree', () => {
    assert.throws(() => layerTarItems(spec([file('a/b', 1), file('a/b/c', 1)])), /both a file and a directory/);
    assert.throws(() => layerTarItems(spec([file('a/b', 1), file('a/b', 2)])), /twice/);
    assert.throws(() => layerTarItems(spec([file('/etc/passwd', 1)])), /invalid path/);
    assert.throws(() => layerTarItems(spec([file('a/../b', 1)])), /invalid path/);
  });

  it('names whiteouts per the OCI layer format', () => {
    assert.equal(whiteoutPath('a/b/c'), 'a/b/.wh.c');
    assert.equal(whiteoutPath('top'), '.wh.top');
  });
});

describe('writeLayerTar: files too large to synthesise', () => {
  const sink = { write: () => true, ready: async () => undefined };

  it('refuses a file above the largest Buffer with a ShipbenchError naming it, not a RangeError', async () => {
    // Node's Buffer maximum (4 GiB on Node 20); the refusal comes before any allocation, so this test is cheap.
    const huge = file('srv/mediawiki/huge.bin', 5 * 2 ** 30);
    await assert.rejects(writeLayerTar(spec([huge]), synth, sink), (error: Error & { code?: string; exitCode?: number }) => {
      assert.equal(error.name, 'ShipbenchError', error.stack);
      assert.equal(error.code, 'file-too-large');
      assert.equal(error.exitCode, 2);
      assert.match(error.message, /srv\/mediawiki\/huge\.bin \(component core\) would be 5(\.0+)? GiB/);
      return true;
    });
  });

  it('refuses a file above an injected limit, and builds one at the limit', async () => {
    const limit = 6 * 2 ** 20;
    await assert.rejects(writeLayerTar(spec([file('big', limit + 1)]), synth, sink, limit), /big \(component core\) would be .*at most 6(\.0+)? MiB per file/);
    const atLimit = await writeLayerTar(spec([file('big', limit)]), synth, sink, limit);
    assert.equal(atLimit.fileBytes, limit);
  });
});
