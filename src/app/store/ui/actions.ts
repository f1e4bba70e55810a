import type { UserMessage } from '../../lib/describe-error';
import { patch } from '../store';
import { ZOOM_STEPS, type Zoom } from './state';

export function showMessage(message: UserMessage): void {
  patch('ui', { message });
}

export function dismissMessage(): void {
  patch('ui', { message: null });
}

export function setZoom(zoom: Zoom): void {
  patch('ui', { zoom });
}

/** The next zoom step up or down from `current`, where 'fit' counts as `fitScale`. */
export function stepZoom(direction: 1 | -1, fitScale: number): void {
  patch('ui', (u) => {
    const current = u.zoom === 'fit' ? fitScale : u.zoom;
    const steps = direction > 0 ? ZOOM_STEPS.filter((s) => s > current + 1e-6) : ZOOM_STEPS.filter((s) => s < current - 1e-6).reverse();
    return { zoom: steps[0] ?? u.zoom };
  });
}

export function setDragging(dragging: boolean): void {
  patch('ui', (u) => (u.dragging === dragging ? {} : { dragging }));
}
