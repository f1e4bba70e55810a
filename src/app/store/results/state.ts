import type { RunProgress } from '../../../runtime/api';
import type { Mode } from '../../lib/modes';
import type { ResultView } from '../../lib/result-view';

export interface ResultsState {
  status: 'idle' | 'running';
  /** The mode of the run in flight. */
  running: Mode | null;
  progress: RunProgress | null;
  view: ResultView | null;
  /** Results the user switched off, by item id. */
  hidden: Record<string, true>;
  hovered: string | null;
  /** Minimum score shown, 0..1. */
  threshold: number;
  /** Mask opacity, 0..1. */
  opacity: number;
}

export const DEFAULT_THRESHOLD = 0.3;
export const DEFAULT_OPACITY = 0.5;

export const initialResultsState = (): ResultsState => ({
  status: 'idle',
  running: null,
  progress: null,
  view: null,
  hidden: {},
  hovered: null,
  threshold: DEFAULT_THRESHOLD,
  opacity: DEFAULT_OPACITY,
});
