import type { UserMessage } from '../../lib/describe-error';

export type Zoom = 'fit' | number;

export interface UiState {
  zoom: Zoom;
  message: UserMessage | null;
  /** A file is being dragged over the page. */
  dragging: boolean;
}

export const ZOOM_STEPS: readonly number[] = [0.25, 0.5, 1, 2, 4];

export const initialUiState = (): UiState => ({ zoom: 'fit', message: null, dragging: false });
