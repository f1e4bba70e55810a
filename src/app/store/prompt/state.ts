import type { Mode } from '../../lib/modes';

export interface PromptState {
  mode: Mode;
  expression: string;
  /** Expressions asked before, most recent first. */
  history: string[];
  /** Position while stepping through history with the arrow keys; -1 is the user's own text. */
  historyIndex: number;
  /** What the user had typed before stepping into history, restored on the way back. */
  draft: string;
}

export const MAX_HISTORY = 30;

export const initialPromptState = (): PromptState => ({ mode: 'refer', expression: '', history: [], historyIndex: -1, draft: '' });
