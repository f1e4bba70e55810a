/**
 * Where downloaded package files are kept between visits. The loader sees only `PackageCache`;
 * `CacheStoragePackageCache` keeps files in the browser's Cache Storage, and when that is missing
 * or refuses (Node, private mode, a full quota) it warns once and behaves as an empty cache, so a
 * load never fails because of the cache.
 *
 * Layout in the cache named `ufo-web-models-v1`, under a synthetic origin nothing serves:
 *   https://models.ufo-web.invalid/file/<key>/<path>   one entry per package file
 *   https://models.ufo-web.invalid/index/<key>          JSON `CachedModel`, one per package
 * where <key> is the URI-encoded source key (the loader's choice, e.g. the package folder URL).
 */
import type { Dtype } from '../config';

export interface CachedModel {
  /** The source key the files are stored under; pass it to `delete`. */
  key: string;
  /** The package's config name. */
  name: string;
  /** Where it came from, for people (a URL or a hub repo). */
  sourceLabel: string;
  /** Dtypes whose files are all stored. */
  dtypes: Dtype[];
  /** Bytes of every stored file of the package. */
  bytes: number;
  /** ISO date of the last load that stored files. */
  date: string;
}

export interface PackageCache {
  get(key: string, path: string): Promise<Uint8Array<ArrayBuffer> | null>;
  put(key: string, path: string, data: Uint8Array): Promise<void>;
  /** Records that every file of `dtype` is stored under `key`; `list` reports it from then on. */
  putModel(model: { key: string; name: string; sourceLabel: string; dtype: Dtype }): Promise<void>;
  list(): Promise<CachedModel[]>;
  delete(key: string): Promise<void>;
}

export const CACHE_NAME = 'ufo-web-models-v1';
const ORIGIN = 'https://models.ufo-web.invalid';
const fileUrl = (key: string, path: string): string => `${ORIGIN}/file/${encodeURIComponent(key)}/${path}`;
const indexUrl = (key: string): string => `${ORIGIN}/index/${encodeURIComponent(key)}`;
// Our own header: browsers may drop or rewrite Content-Length on constructed responses.
const SIZE_HEADER = 'X-Ufo-Bytes';

/** The bytes as a standalone ArrayBuffer, copying only when `data` views part of a larger or shared one. */
function wholeBuffer(data: Uint8Array): ArrayBuffer {
  const buf = data.buffer;
  if (buf instanceof ArrayBuffer && data.byteOffset === 0 && data.byteLength === buf.byteLength) return buf;
  return data.slice().buffer;
}

export class CacheStoragePackageCache implements PackageCache {
  private opened: Promise<Cache | null> | null = null;
  private warned = false;

  constructor(private readonly cacheName = CACHE_NAME) {}

  async get(key: string, path: string): Promise<Uint8Array<ArrayBuffer> | null> {
    return this.attempt(null, async (cache) => {
      const res = await cache.match(fileUrl(key, path));
      return res ? new Uint8Array(await res.arrayBuffer()) : null;
    });
  }

  async put(key: string, path: string, data: Uint8Array): Promise<void> {
    await this.attempt(undefined, async (cache) => {
      const res = new Response(wholeBuffer(data), { headers: { [SIZE_HEADER]: String(data.byteLength) } });
      await cache.put(fileUrl(key, path), res);
    });
  }

  async putModel(model: { key: string; name: string; sourceLabel: string; dtype: Dtype }): Promise<void> {
    await this.attempt(undefined, async (cache) => {
      const old = await this.readIndex(cache, indexUrl(model.key));
      const dtypes = [...new Set([...(old?.dtypes ?? []), model.dtype])];
      const entry: CachedModel = {
        key: model.key, name: model.name, sourceLabel: model.sourceLabel, dtypes,
        bytes: await this.storedBytes(cache, model.key), date: new Date().toISOString(),
      };
      await cache.put(indexUrl(model.key), new Response(JSON.stringify(entry), { headers: { 'Content-Type': 'application/json' } }));
    });
  }

  async list(): Promise<CachedModel[]> {
    return this.attempt([], async (cache) => {
      const out: CachedModel[] = [];
      for (const req of await cache.keys()) {
        if (!req.url.startsWith(`${ORIGIN}/index/`)) continue;
        const entry = await this.readIndex(cache, req.url);
        if (entry) out.push(entry);
      }
      return out.sort((a, b) => a.name.localeCompare(b.name) || a.key.localeCompare(b.key));
    });
  }

  async delete(key: string): Promise<void> {
    await this.attempt(undefined, async (cache) => {
      // The index goes first: a half-deleted package must not be listed as complete.
      await cache.delete(indexUrl(key));
      const prefix = fileUrl(key, '');
      for (const req of await cache.keys()) {
        if (req.url.startsWith(prefix)) await cache.delete(req);
      }
    });
  }

  private async readIndex(cache: Cache, url: string): Promise<CachedModel | null> {
    const res = await cache.match(url);
    return res ? ((await res.json()) as CachedModel) : null;
  }

  /** Sums the sizes recorded at `put`, so the index needs no bookkeeping of its own. */
  private async storedBytes(cache: Cache, key: string): Promise<number> {
    const prefix = fileUrl(key, '');
    let bytes = 0;
    for (const req of await cache.keys()) {
      if (!req.url.startsWith(prefix)) continue;
      const res = await cache.match(req);
      bytes += Number(res?.headers.get(SIZE_HEADER) ?? 0);
    }
    return bytes;
  }

  private open(): Promise<Cache | null> {
    this.opened ??= (async () => {
      if (typeof caches === 'undefined') {
        this.warn('Cache Storage is not available here');
        return null;
      }
      try {
        return await caches.open(this.cacheName);
      } catch (err) {
        this.warn(`Cache Storage refused to open (${(err as Error).message})`);
        return null;
      }
    })();
    return this.opened;
  }

  /** Runs `op` on the cache, or returns `fallback` when there is none or it throws. */
  private async attempt<T>(fallback: T, op: (cache: Cache) => Promise<T>): Promise<T> {
    const cache = await this.open();
    if (!cache) return fallback;
    try {
      return await op(cache);
    } catch (err) {
      this.warn(`Cache Storage failed (${(err as Error).message})`);
      return fallback;
    }
  }

  private warn(why: string): void {
    if (this.warned) return;
    this.warned = true;
    console.warn(`[ufo-web] ${why}; model files will not be kept between visits.`);
  }
}

let shared: PackageCache | null = null;

/** The cache `loadPackage` uses unless told otherwise: one per page or worker, so it warns once. */
export function defaultPackageCache(): PackageCache {
  shared ??= new CacheStoragePackageCache();
  return shared;
}
