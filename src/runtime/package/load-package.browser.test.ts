// The loader in Chromium against the real ufo-tiny files, which the test server serves from
// public/ at the site root, with the real Cache Storage (a secure context: 127.0.0.1).
import { env } from '@huggingface/transformers';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { LoadProgress } from '../api';
import { parseConfig } from '../config';
import { PackageError } from '../errors';
import { loadPackage } from './load-package';
import { CacheStoragePackageCache } from './package-cache';

const FOLDER = new URL('/models/ufo-tiny/', location.href).href;
// A cache of its own, so the test neither sees nor spoils the app's.
const CACHE = 'ufo-web-models-test';

let config: ReturnType<typeof parseConfig>;
beforeAll(async () => {
  await caches.delete(CACHE);
  config = parseConfig(await (await fetch(`${FOLDER}config.json`)).json());
});
afterAll(() => caches.delete(CACHE));

function countingFetch(log: string[]): typeof fetch {
  return (input, init) => {
    log.push(String(input));
    return fetch(input, init);
  };
}

// Every file a q4 load reads: the tokenizer, the graphs, the weights and the card when listed.
const q4Files = () => ['tokenizer.json', 'tokenizer_config.json', ...Object.values(config.dtypes.q4!.graphs), config.dtypes.q4!.weights,
  ...('README.md' in config.files ? ['README.md'] : [])];
const bytesOf = (files: string[]) => files.reduce((n, f) => n + config.files[f]!.bytes, 0);

describe('loading ufo-tiny from a URL in the browser', () => {
  test('a streamed body is reported as it arrives, not once at the end', async () => {
    // The fp32 weights (6 MB): large enough that Chromium hands the body over in several chunks;
    // the 1.3 MB q4 weights may arrive whole from a local server.
    const events: LoadProgress[] = [];
    await loadPackage({ kind: 'url', url: '/models/ufo-tiny' }, { dtype: 'fp32', cache: null, onProgress: (e) => events.push(e) });
    const weights = config.dtypes.fp32!.weights;
    expect(events.filter((e) => e.status === 'progress' && e.file === weights).length).toBeGreaterThan(1);
  });

  test('streams every file with progress, then the Cache Storage round trip', async () => {
    const cache = new CacheStoragePackageCache(CACHE);
    const first: string[] = [];
    const events: LoadProgress[] = [];
    const pkg = await loadPackage({ kind: 'url', url: '/models/ufo-tiny' }, { cache, fetch: countingFetch(first), onProgress: (e) => events.push(e) });
    expect(pkg.dtype).toBe('q4');
    expect(pkg.sourceLabel).toBe(FOLDER);
    expect(pkg.weights).toMatchObject({ path: 'weights_q4.bin' });
    expect(pkg.weights.data.byteLength).toBe(config.files['onnx/weights_q4.bin']!.bytes);
    expect(pkg.tokenizer.decode(pkg.tokenizer.encode('The Red Circle.'))).toBe('the red circle.');
    expect(first.sort()).toEqual(['config.json', ...q4Files()].map((f) => FOLDER + f).sort());

    // Per file: initiate, progress that never goes back and ends at the total, one done.
    for (const file of q4Files()) {
      const mine = events.filter((e) => 'file' in e && e.file === file);
      const total = config.files[file]!.bytes;
      expect(mine[0]).toEqual({ status: 'initiate', file, total });
      expect(mine.at(-1)).toEqual({ status: 'done', file, total, cached: false });
      const loaded = mine.flatMap((e) => (e.status === 'progress' ? [e.loaded] : []));
      expect(loaded.length, file).toBeGreaterThan(0);
      expect(loaded, file).toEqual([...loaded].sort((a, b) => a - b));
      expect(loaded.at(-1), file).toBe(total);
    }

    const listed = await cache.list();
    expect(listed).toEqual([expect.objectContaining({ key: FOLDER, name: 'ufo-tiny', sourceLabel: FOLDER, dtypes: ['q4'] })]);
    const configBytes = (await (await fetch(`${FOLDER}config.json`)).arrayBuffer()).byteLength;
    expect(listed[0]!.bytes).toBe(bytesOf(q4Files()) + configBytes);

    // Second load: only config.json is asked for (to notice an updated package); files come from the cache.
    const second: string[] = [];
    const again: LoadProgress[] = [];
    const cached = await loadPackage({ kind: 'url', url: FOLDER }, { cache, fetch: countingFetch(second), onProgress: (e) => again.push(e) });
    expect(second).toEqual([`${FOLDER}config.json`]);
    expect(again.filter((e) => e.status === 'done')).toHaveLength(q4Files().length);
    expect(again.every((e) => e.status !== 'done' || e.cached)).toBe(true);
    // (Not toEqual: a deep diff of 5 MB takes seconds.)
    expect(cached.weights.data.every((b, i) => b === pkg.weights.data[i])).toBe(true);

    // Offline: no request succeeds, and the package still loads from the cache.
    const offline: typeof fetch = async () => {
      throw new TypeError('Failed to fetch');
    };
    expect((await loadPackage({ kind: 'url', url: FOLDER }, { cache, fetch: offline })).graphs.decoder_full!.byteLength)
      .toBe(config.files['onnx/decoder_full_q4.onnx']!.bytes);

    // A second dtype joins the same entry.
    await loadPackage({ kind: 'url', url: FOLDER }, { cache, dtype: 'fp32' });
    const both = await cache.list();
    expect(both).toHaveLength(1);
    expect(both[0]!.dtypes).toEqual(['q4', 'fp32']);
    expect(both[0]!.bytes).toBe(bytesOf(Object.keys(config.files).filter((f) => f !== 'vocab.txt')) + configBytes);

    await cache.delete(FOLDER);
    expect(await cache.list()).toEqual([]);
    expect(await (await caches.open(CACHE)).keys()).toEqual([]);
    const third: string[] = [];
    await loadPackage({ kind: 'url', url: FOLDER }, { cache, fetch: countingFetch(third) });
    expect(third).toHaveLength(q4Files().length + 1);
  });

  test('a folder without config.json is not a model package (a 404, not index.html)', async () => {
    const err = await loadPackage({ kind: 'url', url: '/models/nothing-here/' }, { cache: null }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PackageError);
    expect((err as Error).message).toBe(`${new URL('/models/nothing-here/', location.href).href} is not a UFO Web model package: it has no config.json.`);
  });

  test('a folder of files chosen by the user (Blobs) loads the same way', async () => {
    const files = new Map<string, Blob>();
    for (const f of ['config.json', ...q4Files()]) files.set(`ufo-tiny/${f}`, await (await fetch(FOLDER + f)).blob());
    const pkg = await loadPackage({ kind: 'files', files });
    expect(pkg.sourceLabel).toBe('folder ufo-tiny');
    expect(pkg.weights.data.byteLength).toBe(config.files['onnx/weights_q4.bin']!.bytes);
  });

  test('a path source explains that it needs Node', async () => {
    await expect(loadPackage({ kind: 'path', path: '/tmp/ufo-tiny' })).rejects.toThrow(/only in Node/);
  });

  test('importing the tokenizer leaves onnxruntime-web off the CDN and fetches nothing', () => {
    const paths = env.backends.onnx.wasm?.wasmPaths;
    expect(JSON.stringify(paths ?? null)).not.toMatch(/cdn/);
    const remote = performance.getEntriesByType('resource').filter((e) => !e.name.startsWith(location.origin));
    expect(remote.map((e) => e.name)).toEqual([]);
  });
});
