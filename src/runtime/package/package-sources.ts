/**
 * One reader per kind of `PackageSource`: each opens a package file by its relative path and hands
 * its bytes over as they arrive, so the loader can report progress, stop early and check sizes the
 * same way whatever the source.
 */
import type { PackageSource } from '../api';
import { CancelledError, PackageError } from '../errors';

export interface PackageFiles {
  /** Where the package is, for people and for `LoadedPackage.sourceLabel`. */
  label: string;
  /** The cache key of a remote package; null for local ones, which a cache would only copy. */
  cacheKey: string | null;
  /**
   * The file's bytes as they arrive, or null when the package has no such file. A network failure
   * throws a PackageError whose details have `unreachable: true`, so the loader can fall back to
   * a cached copy.
   */
  open(path: string, signal: AbortSignal): Promise<AsyncIterable<Uint8Array> | null>;
}

export const LOADING = 'Loading the model';

export function isUnreachable(err: unknown): boolean {
  return err instanceof PackageError && err.details.unreachable === true;
}

export function openSource(source: PackageSource, fetchFn: typeof fetch): PackageFiles {
  switch (source.kind) {
    case 'url':
      return urlFiles(source.url, fetchFn);
    case 'hf':
      return hubFiles(source.repo, source.revision ?? 'main', fetchFn);
    case 'files':
      return mapFiles(source.files);
    case 'path':
      return pathFiles(source.path);
  }
}

/** Chunks of a web stream; leaving the loop early cancels the stream (and so its download). */
async function* streamChunks(stream: ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array> {
  const reader = stream.getReader();
  let finished = false;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) {
        finished = true;
        return;
      }
      yield value;
    }
  } finally {
    if (!finished) await reader.cancel().catch(() => undefined);
  }
}

interface Remote {
  label: string;
  cacheKey: string;
  /** The folder URL, ending in "/". */
  base: string;
  /** The error for a failed request, with the reason the browser gave. */
  unreachable: (why: string) => PackageError;
  /** The source's own reading of an HTTP error status; without it, a generic message. */
  refused?: (status: number, path: string) => PackageError;
}

function remoteFiles({ label, cacheKey, base, unreachable, refused }: Remote, fetchFn: typeof fetch): PackageFiles {
  return {
    label,
    cacheKey,
    async open(path, signal) {
      if (globalThis.navigator?.onLine === false) throw unreachable('the browser is offline');
      let res: Response;
      try {
        res = await fetchFn(new URL(path, base).href, { signal });
      } catch (err) {
        if (signal.aborted) throw new CancelledError(LOADING);
        throw unreachable((err as Error).message);
      }
      if (res.status === 404) return null;
      if (!res.ok) {
        throw refused?.(res.status, path) ?? new PackageError(`${label} answered HTTP ${res.status} for ${path}.`, { file: path, status: res.status });
      }
      // Only null-body statuses (204, 205) lack a body: an empty file.
      return streamChunks(res.body ?? new Blob().stream());
    },
  };
}

function urlFiles(url: string, fetchFn: typeof fetch): PackageFiles {
  // A folder URL must end in "/" for relative paths to land inside it; a link to its config.json
  // is accepted too.
  const folder = url.replace(/config\.json$/, '').replace(/\/*$/, '/');
  let base: string;
  try {
    base = new URL(folder, globalThis.location?.href).href;
  } catch {
    throw new PackageError(`"${url}" is not a valid URL of a model package folder.`, { url });
  }
  return remoteFiles({
    label: base,
    cacheKey: base,
    base,
    unreachable: (why) => new PackageError(`Could not reach ${base} (${why}). Check the address and the connection.`, { url: base, unreachable: true }),
  }, fetchFn);
}

const HUB_REPO = /^[\w.-]+\/[\w.-]+$/;

function hubFiles(repo: string, revision: string, fetchFn: typeof fetch): PackageFiles {
  if (!HUB_REPO.test(repo)) {
    throw new PackageError(`"${repo}" is not a Hugging Face repo id; it looks like "owner/name".`, { repo });
  }
  const label = revision === 'main' ? `hf:${repo}` : `hf:${repo}@${revision}`;
  return remoteFiles({
    label,
    cacheKey: `hf:${repo}@${revision}`,
    base: `https://huggingface.co/${repo}/resolve/${encodeURIComponent(revision)}/`,
    unreachable: (why) => new PackageError(
      `Could not reach the Hugging Face hub for ${repo} (${why}). Check the connection, or download the package and load it from a local folder.`,
      { repo, unreachable: true },
    ),
    // The hub answers 401 for repos that do not exist as well as for private ones.
    refused: (status, path) => new PackageError(
      status === 401 || status === 403
        ? `The Hugging Face repo ${repo} does not exist or is private (HTTP ${status} for ${path}).`
        : `The Hugging Face hub answered HTTP ${status} for ${path} of ${repo}.`,
      { repo, file: path, status },
    ),
  }, fetchFn);
}

function mapFiles(files: ReadonlyMap<string, Blob>): PackageFiles {
  const byPath = new Map<string, Blob>();
  for (const [name, blob] of files) byPath.set(name.replace(/\\/g, '/').replace(/^(\.?\/)+/, ''), blob);
  // A dropped folder names its files "<folder>/config.json"; a file list names them "config.json".
  let prefix = '';
  if (!byPath.has('config.json')) {
    const roots = [...byPath.keys()].filter((p) => /^[^/]+\/config\.json$/.test(p)).map((p) => p.slice(0, -'config.json'.length));
    if (roots.length > 1) {
      throw new PackageError(`These files hold several packages (${roots.join(', ')}); choose one folder.`, { folders: roots });
    }
    prefix = roots[0] ?? '';
  }
  return {
    label: prefix ? `folder ${prefix.slice(0, -1)}` : 'chosen files',
    cacheKey: null,
    async open(path) {
      const blob = byPath.get(prefix + path);
      return blob ? streamChunks(blob.stream()) : null;
    },
  };
}

const CHUNK_BYTES = 1 << 20;

function pathFiles(root: string): PackageFiles {
  if (typeof process === 'undefined' || !process.versions?.node) {
    throw new PackageError('A file system path can be read only in Node; in the browser, choose the folder instead.', { path: root });
  }
  // Variable specifiers keep bundlers from pulling node:fs into the browser build.
  const fsName = 'node:fs/promises';
  const pathName = 'node:path';
  return {
    label: root,
    cacheKey: null,
    async open(path) {
      const fs = (await import(/* @vite-ignore */ fsName)) as typeof import('node:fs/promises');
      const { join } = (await import(/* @vite-ignore */ pathName)) as typeof import('node:path');
      let handle: import('node:fs/promises').FileHandle;
      try {
        handle = await fs.open(join(root, path), 'r');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw new PackageError(`Could not read ${join(root, path)}: ${(err as Error).message}`, { file: path });
      }
      return (async function* () {
        try {
          for (;;) {
            const chunk = new Uint8Array(CHUNK_BYTES);
            const { bytesRead } = await handle.read(chunk, 0, CHUNK_BYTES, null);
            if (bytesRead === 0) return;
            yield chunk.subarray(0, bytesRead);
          }
        } finally {
          await handle.close();
        }
      })();
    },
  };
}
