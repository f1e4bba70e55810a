/**
 * Loads a model package: config.json first (validated by `parseConfig`), then the files of one
 * dtype and the tokenizer, each checked against the size and SHA-256 config.json lists. Remote
 * packages go through a `PackageCache`, so a second visit needs no network.
 */
import type { LoadProgress, PackageSource } from '../api';
import { DTYPES, parseConfig, type Dtype, type PackageConfig } from '../config';
import { CancelledError, PackageError, throwIfAborted } from '../errors';
import { defaultPackageCache, type PackageCache } from './package-cache';
import { isUnreachable, LOADING, openSource, type PackageFiles } from './package-sources';
import { createTokenizer, type UfoTokenizer } from './tokenizer';

export interface LoadOptions {
  /** Which weights to load; by default the smallest the package has (see `chooseDtype`). */
  dtype?: Dtype;
  /** Per-file `initiate`, `progress` and `done` events; the caller reports the later phases. */
  onProgress?: (p: LoadProgress) => void;
  signal?: AbortSignal;
  /** Where remote packages are kept; the shared Cache Storage one by default, null for none. */
  cache?: PackageCache | null;
  fetch?: typeof fetch;
}

export interface LoadedPackage {
  config: PackageConfig;
  dtype: Dtype;
  /** Bytes of each graph's .onnx file, by graph name. */
  graphs: Record<string, Uint8Array>;
  /** The dtype's external-data file, under the name the .onnx files reference it by. */
  weights: { path: string; data: Uint8Array };
  tokenizer: UfoTokenizer;
  /** README.md, when the package has one. */
  card: string | null;
  sourceLabel: string;
}

const CONFIG = 'config.json';
const TOKENIZER = 'tokenizer.json';
const TOKENIZER_CONFIG = 'tokenizer_config.json';
const CARD = 'README.md';
/** Smallest first: q4 runs everywhere MatMulNBits does; fp16 needs shader-f16. */
const DEFAULT_DTYPES: readonly Dtype[] = ['q4', 'fp16', 'fp32'];

/** The dtype to load: `wanted` when the package has it, else the smallest it has. */
export function chooseDtype(config: PackageConfig, wanted?: Dtype): Dtype {
  const available = DTYPES.filter((d) => config.dtypes[d]);
  // `available[0]` covers a dtype added to DTYPES but not yet ranked in DEFAULT_DTYPES.
  if (wanted === undefined) return DEFAULT_DTYPES.find((d) => config.dtypes[d]) ?? available[0]!;
  if (!config.dtypes[wanted]) {
    throw new PackageError(
      `The package ${config.name} has no "${wanted}" weights. It offers: ${available.join(', ')}.`,
      { field: 'dtypes', dtype: wanted, available },
    );
  }
  return wanted;
}

export async function loadPackage(source: PackageSource, options: LoadOptions = {}): Promise<LoadedPackage> {
  const { signal } = options;
  throwIfAborted(signal, LOADING);
  const files = openSource(source, options.fetch ?? ((input, init) => globalThis.fetch(input, init)));
  const cache = files.cacheKey === null ? null : options.cache === undefined ? defaultPackageCache() : options.cache;
  // One controller for every download, so the first failure also stops the others.
  const stop = new AbortController();
  const onAbort = (): void => stop.abort();
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const loader = new FileLoader(files, cache, stop.signal, options.onProgress ?? (() => undefined));
    const config = await loader.config();
    const dtype = chooseDtype(config, options.dtype);
    const spec = config.dtypes[dtype]!;
    const loadAll = (paths: string[]): Promise<Uint8Array[]> => Promise.all(paths.map(async (path) => {
      try {
        return await loader.file(config, path);
      } catch (err) {
        stop.abort();
        throw err;
      }
    }));
    const text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);

    // The tokenizer first: it is small, and a package whose tokenizer contradicts config.json
    // should fail before its weights are downloaded.
    const [tokenizerJson, tokenizerConfig] = await loadAll([TOKENIZER, TOKENIZER_CONFIG]);
    const tokenizer = createTokenizer(
      parseJson(text(tokenizerJson!), TOKENIZER), parseJson(text(tokenizerConfig!), TOKENIZER_CONFIG),
      config.tokens, config.model.vocabSize,
    );
    const paths = [...new Set([...(config.files[CARD] ? [CARD] : []), ...Object.values(spec.graphs), spec.weights])];
    const loaded = await loadAll(paths);
    const data = new Map(paths.map((path, i) => [path, loaded[i]!]));
    if (cache && files.cacheKey !== null) {
      await cache.putModel({ key: files.cacheKey, name: config.name, sourceLabel: files.label, dtype });
    }
    throwIfAborted(signal, LOADING);

    return {
      config,
      dtype,
      graphs: Object.fromEntries(Object.entries(spec.graphs).map(([graph, path]) => [graph, data.get(path)!])),
      weights: { path: spec.weights.slice(spec.weights.lastIndexOf('/') + 1), data: data.get(spec.weights)! },
      tokenizer,
      card: data.has(CARD) ? text(data.get(CARD)!) : null,
      sourceLabel: files.label,
    };
  } catch (err) {
    // Downloads stopped by the caller fail in many ways (AbortError, a cancelled stream): one answer.
    if (signal?.aborted) throw new CancelledError(LOADING);
    throw err;
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
}

function parseJson(text: string, file: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new PackageError(`${file} is not valid JSON (${(err as Error).message}).`, { file });
  }
}

async function sha256Hex(data: Uint8Array<ArrayBuffer>): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', data));
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
}

function corrupt(path: string, why: string): PackageError {
  return new PackageError(`The package file ${path} is corrupt: ${why}. Download or copy the package again.`, { file: path });
}

/** Reads files of one package, through the cache when there is one, reporting progress per file. */
class FileLoader {
  constructor(
    private readonly files: PackageFiles,
    private readonly cache: PackageCache | null,
    private readonly signal: AbortSignal,
    private readonly emit: (p: LoadProgress) => void,
  ) {}

  /**
   * config.json comes from the network whenever it can, so an updated package is noticed (files
   * whose hash changed miss the cache); offline, the cached copy lets a stored package load.
   */
  async config(): Promise<PackageConfig> {
    const { files, cache } = this;
    let bytes: Uint8Array | null;
    let fresh = true;
    try {
      bytes = await this.readWhole(CONFIG);
    } catch (err) {
      const cached = cache && isUnreachable(err) ? await cache.get(files.cacheKey!, CONFIG) : null;
      if (!cached) throw err;
      bytes = cached;
      fresh = false;
    }
    if (!bytes) {
      throw new PackageError(`${files.label} is not a UFO Web model package: it has no ${CONFIG}.`, { file: CONFIG });
    }
    const config = parseConfig(parseJson(new TextDecoder().decode(bytes), CONFIG), CONFIG);
    if (cache && fresh) await cache.put(files.cacheKey!, CONFIG, bytes);
    return config;
  }

  async file(config: PackageConfig, path: string): Promise<Uint8Array> {
    const { files, cache, signal } = this;
    const entry = config.files[path];
    if (!entry) {
      throw new PackageError(`config.json does not list ${path} under "files", so it cannot be checked. Export the package again.`, { file: CONFIG, field: `files.${path}` });
    }
    const total = entry.bytes;
    const sha256 = entry.sha256.toLowerCase();
    this.emit({ status: 'initiate', file: path, total });

    const cached = cache ? await cache.get(files.cacheKey!, path) : null;
    throwIfAborted(signal, LOADING);
    // A stale copy (the package was updated) or a damaged one is simply downloaded again.
    if (cached && cached.byteLength === total && (await sha256Hex(cached)) === sha256) {
      this.emit({ status: 'progress', file: path, loaded: total, total });
      this.emit({ status: 'done', file: path, total, cached: true });
      return cached;
    }

    const chunks = await files.open(path, signal);
    if (!chunks) {
      throw new PackageError(`The package ${files.label} is incomplete: ${path} is missing. Download or copy the whole folder again.`, { file: path });
    }
    // Filled in place: a model's weights are too large to hold twice while they arrive.
    const data = new Uint8Array(total);
    let loaded = 0;
    for await (const chunk of chunks) {
      throwIfAborted(signal, LOADING);
      if (loaded + chunk.byteLength > total) throw corrupt(path, `it is larger than the ${total} bytes config.json lists`);
      data.set(chunk, loaded);
      loaded += chunk.byteLength;
      this.emit({ status: 'progress', file: path, loaded, total });
    }
    if (loaded !== total) throw corrupt(path, `it has ${loaded} bytes, config.json lists ${total}`);
    if ((await sha256Hex(data)) !== sha256) throw corrupt(path, 'its SHA-256 differs from the one config.json lists');
    throwIfAborted(signal, LOADING);
    if (cache) await cache.put(files.cacheKey!, path, data);
    this.emit({ status: 'done', file: path, total, cached: false });
    return data;
  }

  /** A file of unknown size (config.json, which cannot list its own), or null when absent. */
  private async readWhole(path: string): Promise<Uint8Array<ArrayBuffer> | null> {
    const chunks = await this.files.open(path, this.signal);
    if (!chunks) return null;
    const parts: Uint8Array[] = [];
    for await (const chunk of chunks) {
      throwIfAborted(this.signal, LOADING);
      parts.push(chunk);
    }
    const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
    let at = 0;
    for (const p of parts) {
      out.set(p, at);
      at += p.byteLength;
    }
    return out;
  }
}
