import type { BackendInfo } from '../../../runtime/api';
import type { TaskKind } from '../../../runtime/config';
import type { CachedModel } from '../../../runtime/package/package-cache';

/** Where the user asked to load a model from (the panel's choices, before PackageSource). */
export type ModelChoice =
  | { kind: 'embedded' }
  | { kind: 'url'; url: string }
  | { kind: 'hf'; repo: string }
  | { kind: 'folder'; name: string; files: ReadonlyMap<string, File> };

/** auto: WebGPU when it works, else wasm (and the panel says why); webgpu: WebGPU or an error. */
export type BackendPreference = 'auto' | 'webgpu' | 'wasm';

export interface FileProgress {
  loaded: number;
  total: number;
  done: boolean;
  cached: boolean;
}

export interface ModelState {
  status: 'idle' | 'loading' | 'ready' | 'failed';
  choice: ModelChoice;
  backendPreference: BackendPreference;
  /** Per-file download progress of the load in flight (or the last one). */
  files: Record<string, FileProgress>;
  /** The named phase of the load in flight, e.g. the warm-up message. */
  phase: string | null;
  name: string | null;
  backend: BackendInfo | null;
  tasks: Readonly<Record<string, TaskKind>>;
  /** The persistent cache's models; null until listed. */
  cache: CachedModel[] | null;
}

export const EMBEDDED_MODEL_URL = '/models/ufo-tiny/';

export const initialModelState = (backendPreference: BackendPreference = 'auto'): ModelState => ({
  status: 'idle',
  choice: { kind: 'embedded' },
  backendPreference,
  files: {},
  phase: null,
  name: null,
  backend: null,
  tasks: {},
  cache: null,
});
