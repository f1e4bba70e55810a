/**
 * The app's modes and how a model's declared tasks map onto them: the UI offers a mode only when
 * the loaded package declares a task of a matching kind.
 */
import type { TaskKind } from '../../runtime/config';

export const MODES = ['refer', 'detect', 'instances', 'semantic', 'caption'] as const;
export type Mode = (typeof MODES)[number];

export const MODE_LABELS: Readonly<Record<Mode, string>> = Object.freeze({
  refer: 'Refer',
  detect: 'Detect',
  instances: 'Instances',
  semantic: 'Semantic',
  caption: 'Caption',
});

export const MODE_HINTS: Readonly<Record<Mode, string>> = Object.freeze({
  refer: 'Describe one object; get its box and mask.',
  detect: 'Boxes around every object the model knows.',
  instances: 'A mask for every object.',
  semantic: 'A class for every pixel.',
  caption: 'A sentence about the image.',
});

export function modeOfTask(kind: TaskKind): Mode {
  switch (kind) {
    case 'refer-box':
    case 'refer-mask':
      return 'refer';
    case 'grid-box':
      return 'detect';
    case 'grid-mask':
      return 'instances';
    case 'grid-semantic':
      return 'semantic';
    case 'caption':
      return 'caption';
  }
}

/** The modes a model offers, in the app's order. */
export function modesOf(tasks: Readonly<Record<string, TaskKind>>): Mode[] {
  const offered = new Set(Object.values(tasks).map(modeOfTask));
  return MODES.filter((m) => offered.has(m));
}
