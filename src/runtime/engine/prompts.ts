/** Prompts as UFO feeds them (spec §2-§3): [CLS] + word pieces, the trailing [SEP] dropped. */
import { InputError } from '../errors';
import type { TaskSpec, TokenIds } from '../config';
import type { UfoTokenizer } from '../package';

/**
 * Referring expressions longer than this many word pieces are cut (and the result says so). The
 * official grounding data rarely exceeds 20 pieces; UFO-Tiny was trained on fewer than 12.
 */
export const MAX_EXPRESSION_TOKENS = 40;

const ASCII_PUNCTUATION = /[!"#$%&'()*+,\-./:;<=>?@[\\\]^_`{|}~]/g;

/** CleanCaption: strip, delete ASCII punctuation, collapse whitespace, lower-case. */
export function cleanExpression(text: string): string {
  return text.trim().replace(ASCII_PUNCTUATION, '').split(/\s+/).filter(Boolean).join(' ').toLowerCase();
}

export interface Prompt {
  ids: number[];
  expression: string;
  truncated: boolean;
}

export function buildPrompt(task: TaskSpec, tok: UfoTokenizer, tokens: TokenIds, expression?: string): Prompt {
  if (!task.prompt.includes('{expression}')) {
    return { ids: [tokens.cls, ...tok.encode(task.prompt)], expression: '', truncated: false };
  }
  const cleaned = cleanExpression(expression ?? '');
  if (!cleaned) throw new InputError('Type what to look for, for example "the red circle on the left".');
  const [before, after] = task.prompt.split('{expression}') as [string, string];
  // WordPiece splits on whitespace first, so the template's parts tokenize on their own.
  let pieces = tok.encode(cleaned);
  const truncated = pieces.length > MAX_EXPRESSION_TOKENS;
  if (truncated) pieces = pieces.slice(0, MAX_EXPRESSION_TOKENS);
  const ids = [tokens.cls, ...tok.encode(before), ...pieces, ...(after ? tok.encode(after) : [])];
  return { ids, expression: truncated ? tok.decode(pieces) : cleaned, truncated };
}
