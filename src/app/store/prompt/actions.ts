import type { Mode } from '../../lib/modes';
import { patch } from '../store';
import { MAX_HISTORY } from './state';

export function setMode(mode: Mode): void {
  patch('prompt', { mode });
}

/** Keep the current mode if the model offers it, else switch to the first it offers. */
export function keepModeWithin(modes: readonly Mode[]): void {
  patch('prompt', (p) => (modes.length === 0 || modes.includes(p.mode) ? {} : { mode: modes[0]! }));
}

export function setExpression(expression: string): void {
  patch('prompt', { expression, historyIndex: -1 });
}

/** Put an asked expression at the front of the history (once). */
export function remember(expression: string): void {
  const text = expression.trim();
  if (!text) return;
  patch('prompt', (p) => ({ history: [text, ...p.history.filter((h) => h !== text)].slice(0, MAX_HISTORY), historyIndex: -1 }));
}

/** Arrow up: an older expression; the text typed so far is kept as a draft. */
export function historyBack(): void {
  patch('prompt', (p) => {
    if (p.historyIndex + 1 >= p.history.length) return {};
    const historyIndex = p.historyIndex + 1;
    return { historyIndex, expression: p.history[historyIndex]!, draft: p.historyIndex === -1 ? p.expression : p.draft };
  });
}

/** Arrow down: a newer expression, and finally the draft again. */
export function historyForward(): void {
  patch('prompt', (p) => {
    if (p.historyIndex < 0) return {};
    const historyIndex = p.historyIndex - 1;
    return { historyIndex, expression: historyIndex === -1 ? p.draft : p.history[historyIndex]! };
  });
}
