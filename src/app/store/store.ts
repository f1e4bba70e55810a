/**
 * The app's one store, composed of five slices (model, image, prompt, results, ui). Each slice
 * keeps its state in `<slice>/state.ts` and changes it only through the module-level functions of
 * `<slice>/actions.ts`, which need no hook: the worker client's callbacks call them directly.
 */
import { create } from 'zustand';
import { initialImageState, type ImageState } from './image/state';
import { initialModelState, type BackendPreference, type ModelState } from './model/state';
import { initialPromptState, type PromptState } from './prompt/state';
import { initialResultsState, type ResultsState } from './results/state';
import { initialUiState, type UiState } from './ui/state';

export interface AppState {
  model: ModelState;
  image: ImageState;
  prompt: PromptState;
  results: ResultsState;
  ui: UiState;
}

export const getInitialState = (backend?: BackendPreference): AppState => ({
  model: initialModelState(backend),
  image: initialImageState(),
  prompt: initialPromptState(),
  results: initialResultsState(),
  ui: initialUiState(),
});

export const useAppStore = create<AppState>()(() => getInitialState());

/** Replace part of one slice. */
export function patch<K extends keyof AppState>(slice: K, change: Partial<AppState[K]> | ((s: AppState[K]) => Partial<AppState[K]>)): void {
  useAppStore.setState((state) => ({
    [slice]: { ...state[slice], ...(typeof change === 'function' ? change(state[slice]) : change) },
  }) as Pick<AppState, K>);
}

/** Back to a fresh state (tests, and the app's start with its URL options). */
export function resetStore(backend?: BackendPreference): void {
  useAppStore.setState(getInitialState(backend), true);
}
