import type { RunProgress } from '../../../runtime/api';
import type { Mode } from '../../lib/modes';
import type { ResultView } from '../../lib/result-view';
import { patch } from '../store';

export function runStarted(mode: Mode): void {
  patch('results', { status: 'running', running: mode, progress: null });
}

export function runProgress(progress: RunProgress): void {
  patch('results', { progress });
}

export function runSucceeded(view: ResultView): void {
  patch('results', { status: 'idle', running: null, progress: null, view, hidden: {}, hovered: null });
}

/** Cancelled or failed: the previous result stays on screen. */
export function runStopped(): void {
  patch('results', { status: 'idle', running: null, progress: null });
}

export function clearResults(): void {
  patch('results', { view: null, hidden: {}, hovered: null });
}

export function toggleItem(id: string): void {
  patch('results', (r) => {
    const hidden = { ...r.hidden };
    if (hidden[id]) delete hidden[id];
    else hidden[id] = true;
    return { hidden };
  });
}

export function setHovered(hovered: string | null): void {
  patch('results', (r) => (r.hovered === hovered ? {} : { hovered }));
}

const clamp01 = (v: number) => Math.min(1, Math.max(0, v));

export function setThreshold(threshold: number): void {
  patch('results', { threshold: clamp01(threshold) });
}

export function setOpacity(opacity: number): void {
  patch('results', { opacity: clamp01(opacity) });
}
