import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, test, vi } from 'vitest';
import type { LoadProgress, PackageSource } from '../api';
import { parseConfig, type Dtype, type PackageConfig } from '../config';
import { CancelledError, PackageError } from '../errors';
import { chooseDtype, loadPackage, type LoadOptions } from './load-package';
import { CacheStoragePackageCache, type CachedModel, type PackageCache } from './package-cache';

const PACKAGE = fileURLToPath(new URL('../../../public/models/ufo-tiny', import.meta.url));
const config = parseConfig(JSON.parse(await readFile(join(PACKAGE, 'config.json'), 'utf8')));

const temps: string[] = [];
afterAll(() => Promise.all(temps.map((d) => rm(d, { recursive: true, force: true }))));

/** A writable copy of ufo-tiny to damage. */
async function copyPackage(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'ufo-package-'));
  temps.push(dir);
  await cp(PACKAGE, dir, { recursive: true });
  return dir;
}

async function filesOf(dir: string, prefix = ''): Promise<Map<string, Blob>> {
  const out = new Map<string, Blob>();
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const full = join(entry.parentPath, entry.name);
    out.set(prefix + relative(dir, full), new Blob([await readFile(full)]));
  }
  return out;
}

/** A fetch that serves `dir` under `base`, records every URL, and answers 404 for absent files. */
function diskFetch(dir: string, base: string, log: string[] = []): typeof fetch {
  return async (input, init) => {
    const url = String(input);
    log.push(url);
    if (init?.signal?.aborted) throw new DOMException('aborted', 'AbortError');
    if (!url.startsWith(base)) return new Response('not here', { status: 404 });
    try {
      return new Response(await readFile(join(dir, decodeURIComponent(url.slice(base.length)))));
    } catch {
      return new Response('not found', { status: 404 });
    }
  };
}

class MemoryCache implements PackageCache {
  readonly files = new Map<string, Uint8Array<ArrayBuffer>>();
  readonly models = new Map<string, CachedModel>();
  async get(key: string, path: string) {
    return this.files.get(`${key}|${path}`) ?? null;
  }
  async put(key: string, path: string, data: Uint8Array) {
    this.files.set(`${key}|${path}`, new Uint8Array(data));
  }
  async putModel(m: { key: string; name: string; sourceLabel: string; dtype: Dtype }) {
    this.models.set(m.key, { ...m, dtypes: [m.dtype], bytes: 0, date: new Date().toISOString() });
  }
  async list() {
    return [...this.models.values()];
  }
  async delete(key: string) {
    this.models.delete(key);
  }
}

async function load(source: PackageSource, options: LoadOptions = {}) {
  const events: LoadProgress[] = [];
  const pkg = await loadPackage(source, { ...options, onProgress: (p) => events.push(p) });
  return { pkg, events };
}

async function failure(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected the load to fail');
}

/** Loaded never decreases, total is stable, every file starts with initiate and ends with done. */
function checkProgress(events: LoadProgress[]): Map<string, LoadProgress[]> {
  const byFile = new Map<string, LoadProgress[]>();
  for (const e of events) {
    expect(e.status === 'initiate' || e.status === 'progress' || e.status === 'done').toBe(true);
    if (!('file' in e)) continue;
    byFile.set(e.file, [...(byFile.get(e.file) ?? []), e]);
  }
  for (const [file, list] of byFile) {
    expect(list[0]!.status, file).toBe('initiate');
    expect(list.at(-1)!.status, file).toBe('done');
    expect(list.filter((e) => e.status === 'done'), file).toHaveLength(1);
    const total = config.files[file]!.bytes;
    let loaded = 0;
    for (const e of list) {
      expect('total' in e && e.total, file).toBe(total);
      if (e.status === 'progress') {
        expect(e.loaded, file).toBeGreaterThanOrEqual(loaded);
        expect(e.loaded, file).toBeLessThanOrEqual(total);
        loaded = e.loaded;
      }
    }
    expect(loaded, file).toBe(total);
  }
  return byFile;
}

// Every file a q4 load reads: the tokenizer, the graphs, the weights and the card when listed.
const q4Files = ['tokenizer.json', 'tokenizer_config.json', ...Object.values(config.dtypes.q4!.graphs), config.dtypes.q4!.weights,
  ...('README.md' in config.files ? ['README.md'] : [])];

describe('loading ufo-tiny', () => {
  test('from a path: q4 by default, every graph, the weights under their basename, a working tokenizer', async () => {
    const { pkg, events } = await load({ kind: 'path', path: PACKAGE });
    expect(pkg.dtype).toBe('q4');
    expect(pkg.config.name).toBe('ufo-tiny');
    expect(Object.keys(pkg.graphs).sort()).toEqual(Object.keys(config.graphs).sort());
    for (const [graph, path] of Object.entries(config.dtypes.q4!.graphs)) {
      expect(pkg.graphs[graph]!.byteLength, graph).toBe(config.files[path]!.bytes);
    }
    expect(pkg.weights.path).toBe('weights_q4.bin');
    expect(pkg.weights.data.byteLength).toBe(config.files['onnx/weights_q4.bin']!.bytes);
    expect(pkg.tokenizer.encode('the red circle')).toEqual([38, 30, 25]);
    expect(pkg.card).toMatch(/^# UFO-Tiny/);
    expect(pkg.sourceLabel).toBe(PACKAGE);
    const byFile = checkProgress(events);
    expect([...byFile.keys()].sort()).toEqual([...q4Files].sort());
    expect(events.filter((e) => e.status === 'done').every((e) => e.status === 'done' && !e.cached)).toBe(true);
    // The 1.3 MB weights arrive in more than one chunk, each reported.
    expect(byFile.get('onnx/weights_q4.bin')!.filter((e) => e.status === 'progress').length).toBeGreaterThan(1);
  });

  test('fp32 when asked; an absent dtype lists the ones the package has', async () => {
    const { pkg } = await load({ kind: 'path', path: PACKAGE }, { dtype: 'fp32' });
    expect(pkg.dtype).toBe('fp32');
    expect(pkg.weights.path).toBe('weights.bin');
    expect(pkg.graphs.text_encoder!.byteLength).toBe(config.files['onnx/text_encoder.onnx']!.bytes);

    const err = await failure(loadPackage({ kind: 'path', path: PACKAGE }, { dtype: 'fp16' }));
    expect(err).toBeInstanceOf(PackageError);
    expect(err.message).toMatch(/no "fp16" weights.*offers: fp32, q4/);
  });

  test.each([
    ['with its folder name', 'ufo-tiny/'],
    ['without a folder name', ''],
    ['with a leading ./', './'],
  ])('from a files Map %s', async (_, prefix) => {
    const { pkg, events } = await load({ kind: 'files', files: await filesOf(PACKAGE, prefix) });
    expect(pkg.dtype).toBe('q4');
    expect(pkg.weights.data.byteLength).toBe(config.files['onnx/weights_q4.bin']!.bytes);
    expect(pkg.sourceLabel).toBe(prefix === 'ufo-tiny/' ? 'folder ufo-tiny' : 'chosen files');
    checkProgress(events);
  });

  test('a files Map with two packages asks for one', async () => {
    const files = new Map([...(await filesOf(PACKAGE, 'a/')), ...(await filesOf(PACKAGE, 'b/'))]);
    expect((await failure(loadPackage({ kind: 'files', files }))).message).toMatch(/several packages \(a\/, b\/\)/);
  });

  test('README.md becomes the card when config.json lists it', async () => {
    const dir = await copyPackage();
    const card = '# ufo-tiny\n\nA tiny UFO.\n';
    await writeFile(join(dir, 'README.md'), card);
    const cfg = JSON.parse(await readFile(join(dir, 'config.json'), 'utf8'));
    const digest = Buffer.from(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(card))).toString('hex');
    cfg.files['README.md'] = { bytes: Buffer.byteLength(card), sha256: digest };
    await writeFile(join(dir, 'config.json'), JSON.stringify(cfg));
    expect((await loadPackage({ kind: 'path', path: dir })).card).toBe(card);
  });
});

describe('chooseDtype', () => {
  const only = (...dtypes: Dtype[]): PackageConfig => ({
    ...config,
    dtypes: Object.fromEntries(dtypes.map((d) => [d, config.dtypes.fp32!])),
  });
  test.each([
    [['fp32', 'fp16', 'q4'], 'q4'],
    [['fp32', 'fp16'], 'fp16'],
    [['fp32'], 'fp32'],
  ] as [Dtype[], Dtype][])('%j -> %s', (dtypes, want) => {
    expect(chooseDtype(only(...dtypes))).toBe(want);
  });
});

describe('broken packages', () => {
  test('a flipped byte in the weights: PackageError naming the file as corrupt', async () => {
    const dir = await copyPackage();
    const path = join(dir, 'onnx/weights_q4.bin');
    const bytes = await readFile(path);
    bytes[1234]! ^= 0x01;
    await writeFile(path, bytes);
    const err = await failure(loadPackage({ kind: 'path', path: dir }));
    expect(err).toBeInstanceOf(PackageError);
    expect(err.message).toMatch(/onnx\/weights_q4\.bin is corrupt/);
    expect((err as PackageError).details.file).toBe('onnx/weights_q4.bin');
  });

  test('a truncated or a grown graph file is corrupt too', async () => {
    const dir = await copyPackage();
    const path = join(dir, 'onnx/decoder_full_q4.onnx');
    const bytes = await readFile(path);
    await writeFile(path, bytes.subarray(0, bytes.length - 10));
    expect((await failure(loadPackage({ kind: 'path', path: dir }))).message).toMatch(/decoder_full_q4\.onnx is corrupt: it has \d+ bytes/);
    await writeFile(path, Buffer.concat([bytes, Buffer.from('extra')]));
    expect((await failure(loadPackage({ kind: 'path', path: dir }))).message).toMatch(/decoder_full_q4\.onnx is corrupt: it is larger/);
  });

  test('a missing file: PackageError naming it', async () => {
    const dir = await copyPackage();
    await rm(join(dir, 'onnx/text_encoder_q4.onnx'));
    const err = await failure(loadPackage({ kind: 'path', path: dir }));
    expect(err).toBeInstanceOf(PackageError);
    expect(err.message).toMatch(/incomplete: onnx\/text_encoder_q4\.onnx is missing/);
    // The other dtype does not need it.
    expect((await loadPackage({ kind: 'path', path: dir }, { dtype: 'fp32' })).dtype).toBe('fp32');
  });

  test('a missing file in a files Map', async () => {
    const files = await filesOf(PACKAGE, 'ufo-tiny/');
    files.delete('ufo-tiny/tokenizer.json');
    expect((await failure(loadPackage({ kind: 'files', files }))).message).toMatch(/tokenizer\.json is missing/);
  });

  test('no config.json: not a model package', async () => {
    const dir = await copyPackage();
    await rm(join(dir, 'config.json'));
    const err = await failure(loadPackage({ kind: 'path', path: dir }));
    expect(err).toBeInstanceOf(PackageError);
    expect(err.message).toBe(`${dir} is not a UFO Web model package: it has no config.json.`);
  });

  test('config.json without a required field names the field', async () => {
    const dir = await copyPackage();
    const cfg = JSON.parse(await readFile(join(dir, 'config.json'), 'utf8'));
    delete cfg.model.embed_dim;
    await writeFile(join(dir, 'config.json'), JSON.stringify(cfg));
    const err = await failure(loadPackage({ kind: 'path', path: dir }));
    expect(err).toBeInstanceOf(PackageError);
    expect(err.message).toMatch(/"model\.embed_dim"/);
  });

  test('config.json that is not JSON (an HTML page, say)', async () => {
    const dir = await copyPackage();
    await writeFile(join(dir, 'config.json'), '<!doctype html><title>Home</title>');
    expect((await failure(loadPackage({ kind: 'path', path: dir }))).message).toMatch(/config\.json is not valid JSON/);
  });

  test('a tokenizer that contradicts config.json fails before the weights are read', async () => {
    const dir = await copyPackage();
    const cfg = JSON.parse(await readFile(join(dir, 'config.json'), 'utf8'));
    const maskId: number = cfg.tokens.mask;
    cfg.tokens.mask = 4;
    await writeFile(join(dir, 'config.json'), JSON.stringify(cfg));
    const events: LoadProgress[] = [];
    const err = await failure(loadPackage({ kind: 'path', path: dir }, { onProgress: (e) => events.push(e) }));
    expect(err).toBeInstanceOf(PackageError);
    expect(err.message).toContain(`tokens.mask is 4, but tokenizer.json gives "<MASK>" the id ${maskId}`);
    expect(events.filter((e) => e.status === 'initiate').map((e) => 'file' in e && e.file).sort()).toEqual(['tokenizer.json', 'tokenizer_config.json']);
  });

  test('a needed file that config.json does not list cannot be checked', async () => {
    const dir = await copyPackage();
    const cfg = JSON.parse(await readFile(join(dir, 'config.json'), 'utf8'));
    delete cfg.files['onnx/weights_q4.bin'];
    await writeFile(join(dir, 'config.json'), JSON.stringify(cfg));
    expect((await failure(loadPackage({ kind: 'path', path: dir }))).message).toMatch(/does not list onnx\/weights_q4\.bin under "files"/);
  });
});

describe('cancelling', () => {
  test('an aborted signal before the load: CancelledError, nothing read', async () => {
    const ctl = new AbortController();
    ctl.abort();
    const events: LoadProgress[] = [];
    const err = await failure(loadPackage({ kind: 'path', path: PACKAGE }, { signal: ctl.signal, onProgress: (e) => events.push(e) }));
    expect(err).toBeInstanceOf(CancelledError);
    expect(events).toEqual([]);
  });

  // Node's blobs stream in one chunk and files in 1 MiB ones: abort at the first bytes of the weights.
  test.each(['path', 'files'] as const)('abort while the weights arrive (%s source): CancelledError', async (kind) => {
    const ctl = new AbortController();
    const events: LoadProgress[] = [];
    const source: PackageSource = kind === 'path' ? { kind, path: PACKAGE } : { kind, files: await filesOf(PACKAGE) };
    const err = await failure(loadPackage(source, {
      signal: ctl.signal,
      onProgress: (e) => {
        events.push(e);
        if (e.status === 'progress' && e.file === 'onnx/weights_q4.bin') ctl.abort();
      },
    }));
    expect(err).toBeInstanceOf(CancelledError);
    expect(err.message).toBe('Loading the model was cancelled.');
    expect(events.some((e) => e.status === 'done' && e.file === 'onnx/weights_q4.bin')).toBe(false);
  });

  test('abort while fetching: CancelledError', async () => {
    const ctl = new AbortController();
    const slow: typeof fetch = (_, init) => new Promise((_, reject) => {
      init?.signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')));
    });
    const pending = loadPackage({ kind: 'url', url: 'https://example.test/ufo-tiny' }, { signal: ctl.signal, fetch: slow, cache: null });
    ctl.abort();
    expect(await failure(pending)).toBeInstanceOf(CancelledError);
  });
});

describe('remote sources (a fetch stub serving the package)', () => {
  test('url: every file fetched under the folder URL, a 404 for config.json says it is not a package', async () => {
    const log: string[] = [];
    const base = 'https://example.test/models/ufo-tiny/';
    const { pkg, events } = await load({ kind: 'url', url: 'https://example.test/models/ufo-tiny' }, { fetch: diskFetch(PACKAGE, base, log), cache: null });
    expect(pkg.sourceLabel).toBe(base);
    expect(log.sort()).toEqual(['config.json', ...q4Files].map((f) => base + f).sort());
    checkProgress(events);

    const err = await failure(loadPackage({ kind: 'url', url: 'https://example.test/elsewhere/' }, { fetch: diskFetch(PACKAGE, base), cache: null }));
    expect(err.message).toBe('https://example.test/elsewhere/ is not a UFO Web model package: it has no config.json.');
  });

  test('hf: resolve URLs of the revision; no connection says the hub is unreachable and suggests a local folder', async () => {
    const log: string[] = [];
    const base = 'https://huggingface.co/someone/ufo-tiny/resolve/v1.0/';
    const pkg = await loadPackage({ kind: 'hf', repo: 'someone/ufo-tiny', revision: 'v1.0' }, { fetch: diskFetch(PACKAGE, base, log), cache: null });
    expect(pkg.sourceLabel).toBe('hf:someone/ufo-tiny@v1.0');
    expect(log).toContain(`${base}onnx/weights_q4.bin`);

    const offline: typeof fetch = async () => {
      throw new TypeError('fetch failed');
    };
    const err = await failure(loadPackage({ kind: 'hf', repo: 'someone/ufo-tiny' }, { fetch: offline, cache: null }));
    expect(err).toBeInstanceOf(PackageError);
    expect(err.message).toMatch(/Could not reach the Hugging Face hub for someone\/ufo-tiny \(fetch failed\).*local folder/);
  });

  test('hf: a repo that is private or absent, and a malformed repo id', async () => {
    const denied: typeof fetch = async () => new Response('', { status: 401 });
    expect((await failure(loadPackage({ kind: 'hf', repo: 'someone/nothing' }, { fetch: denied, cache: null }))).message).toMatch(/does not exist or is private/);
    expect((await failure(loadPackage({ kind: 'hf', repo: 'not a repo' }, { cache: null }))).message).toMatch(/not a Hugging Face repo id/);
  });

  test('a cache: the second load fetches only config.json, and offline it fetches nothing', async () => {
    const cache = new MemoryCache();
    const base = 'https://huggingface.co/someone/ufo-tiny/resolve/main/';
    const source: PackageSource = { kind: 'hf', repo: 'someone/ufo-tiny' };
    const first: string[] = [];
    await loadPackage(source, { fetch: diskFetch(PACKAGE, base, first), cache });
    expect(first).toHaveLength(q4Files.length + 1);
    expect(await cache.list()).toEqual([expect.objectContaining({ key: 'hf:someone/ufo-tiny@main', name: 'ufo-tiny', dtypes: ['q4'] })]);

    const second: string[] = [];
    const { pkg, events } = await load(source, { fetch: diskFetch(PACKAGE, base, second), cache });
    expect(second).toEqual([`${base}config.json`]);
    expect(events.filter((e) => e.status === 'done').every((e) => e.status === 'done' && e.cached)).toBe(true);
    checkProgress(events);
    expect(pkg.weights.data.byteLength).toBe(config.files['onnx/weights_q4.bin']!.bytes);

    const offline: typeof fetch = async () => {
      throw new TypeError('fetch failed');
    };
    expect((await loadPackage(source, { fetch: offline, cache })).dtype).toBe('q4');
  });

  test('a damaged cached file is downloaded again', async () => {
    const cache = new MemoryCache();
    const base = 'https://example.test/ufo-tiny/';
    await loadPackage({ kind: 'url', url: base }, { fetch: diskFetch(PACKAGE, base), cache });
    cache.files.get(`${base}|onnx/weights_q4.bin`)![99]! ^= 0xff;
    const log: string[] = [];
    const { events } = await load({ kind: 'url', url: base }, { fetch: diskFetch(PACKAGE, base, log), cache });
    expect(log.sort()).toEqual([`${base}config.json`, `${base}onnx/weights_q4.bin`]);
    expect(events).toContainEqual({ status: 'done', file: 'onnx/weights_q4.bin', total: config.files['onnx/weights_q4.bin']!.bytes, cached: false });
  });

  test('without Cache Storage (Node) the cache warns once and the load goes on', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      const cache = new CacheStoragePackageCache();
      const base = 'https://example.test/ufo-tiny/';
      for (let i = 0; i < 2; i++) {
        expect((await loadPackage({ kind: 'url', url: base }, { fetch: diskFetch(PACKAGE, base), cache })).dtype).toBe('q4');
      }
      expect(await cache.list()).toEqual([]);
      expect(warn).toHaveBeenCalledTimes(1);
      expect(String(warn.mock.calls[0]![0])).toMatch(/Cache Storage is not available/);
    } finally {
      warn.mockRestore();
    }
  });
});
