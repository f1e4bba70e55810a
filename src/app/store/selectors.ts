/**
 * Named pure selectors, grouped per slice (lobe-chat's `topicSelectors` pattern). Those that build
 * arrays are read in components through `useShallow`.
 */
import { modesOf, type Mode } from '../lib/modes';
import type { ResultItem } from '../lib/result-view';
import type { FileProgress } from './model/state';
import type { AppState } from './store';

export const modelSelectors = {
  modes: (s: AppState): Mode[] => modesOf(s.model.tasks),
  isReady: (s: AppState): boolean => s.model.status === 'ready',
  isLoading: (s: AppState): boolean => s.model.status === 'loading',
  /** Files of the load, by name (strings, so `useShallow` keeps the list stable between events). */
  fileNames: (s: AppState): string[] => Object.keys(s.model.files).sort(),
  file: (name: string) => (s: AppState): FileProgress | undefined => s.model.files[name],
  /** Bytes loaded over bytes expected, over every file announced so far; null before any. */
  loadFraction: (s: AppState): number | null => {
    const files = Object.values(s.model.files);
    const total = files.reduce((n, f) => n + f.total, 0);
    if (files.length === 0 || total === 0) return null;
    return files.reduce((n, f) => n + Math.min(f.loaded, f.total), 0) / total;
  },
};

export const resultsSelectors = {
  isRunning: (s: AppState): boolean => s.results.status === 'running',
  /** The result for the image on screen, if any (a result never outlives its image). */
  view: (s: AppState) => (s.results.view && s.results.view.imageKey === s.image.current?.key ? s.results.view : null),
  /** Items that pass the score threshold: what the list shows. */
  listed: (s: AppState): ResultItem[] => {
    const view = resultsSelectors.view(s);
    return view ? view.items.filter((i) => i.score === null || i.score >= s.results.threshold) : [];
  },
  /** Listed items not switched off: what the canvas draws and the exporter writes. */
  visible: (s: AppState): ResultItem[] => resultsSelectors.listed(s).filter((i) => !s.results.hidden[i.id]),
  /** Whether the current mode's result has a score to threshold. */
  hasScores: (s: AppState): boolean => resultsSelectors.view(s)?.items.some((i) => i.score !== null) ?? false,
};

export const runSelectors = {
  /** Why the Run button is disabled, in words for its tooltip; null when a run can start. */
  blocker: (s: AppState): string | null => {
    if (s.model.status === 'loading') return 'The model is still loading.';
    if (s.model.status !== 'ready') return 'Load a model first.';
    if (!s.image.current) return 'Open an image first.';
    if (s.results.status === 'running') return 'A run is in progress.';
    if (!modesOf(s.model.tasks).includes(s.prompt.mode)) return 'This model does not offer this mode.';
    if (s.prompt.mode === 'refer' && !s.prompt.expression.trim()) return 'Type what to look for.';
    return null;
  },
};
