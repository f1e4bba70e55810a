import type { BackendInfo, LoadProgress } from '../../../runtime/api';
import type { TaskKind } from '../../../runtime/config';
import { patch } from '../store';
import type { CachedModel } from '../../../runtime/package/package-cache';
import type { BackendPreference, ModelChoice } from './state';

export function loadStarted(choice: ModelChoice): void {
  patch('model', { status: 'loading', choice, files: {}, phase: null });
}

/** Folds one load progress event into the per-file table (the worker client's callback). */
export function loadProgress(event: LoadProgress): void {
  patch('model', (m) => {
    switch (event.status) {
      case 'initiate':
        return { files: { ...m.files, [event.file]: { loaded: 0, total: event.total, done: false, cached: false } } };
      case 'progress':
        return { files: { ...m.files, [event.file]: { loaded: event.loaded, total: event.total, done: false, cached: false } } };
      case 'done':
        return { files: { ...m.files, [event.file]: { loaded: event.total, total: event.total, done: true, cached: event.cached } } };
      case 'phase':
        return { phase: event.message };
      case 'ready':
        return { phase: null };
    }
  });
}

export function loadSucceeded(info: { name: string; backend: BackendInfo; tasks: Readonly<Record<string, TaskKind>> }): void {
  patch('model', { status: 'ready', phase: null, ...info });
}

export function loadFailed(): void {
  patch('model', { status: 'failed', phase: null, name: null, backend: null, tasks: {} });
}

export function setBackendPreference(backendPreference: BackendPreference): void {
  patch('model', { backendPreference });
}

export function setCache(cache: CachedModel[]): void {
  patch('model', { cache });
}
