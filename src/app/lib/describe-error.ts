/**
 * Errors in plain words: what happened and what to do, by error class. The runtime's messages
 * already say both; this adds a title per situation and covers errors that are not ours.
 */
import { CancelledError, DeviceLostError, ImageError, InputError, PackageError, UfoError, UnsupportedTaskError, WebGpuUnavailableError } from '../../runtime/errors';

export interface UserMessage {
  tone: 'error' | 'info';
  title: string;
  detail: string;
}

export type Activity = 'load' | 'image' | 'run' | 'export' | 'cache';

const TITLES: Readonly<Record<Activity, string>> = Object.freeze({
  load: 'The model did not load',
  image: 'That file could not be opened',
  run: 'The model could not answer',
  export: 'The export failed',
  cache: 'The model cache could not be read',
});

export function describeError(err: unknown, activity: Activity): UserMessage {
  if (err instanceof CancelledError) return { tone: 'info', title: 'Cancelled', detail: 'Nothing was changed. Run again when you are ready.' };
  if (err instanceof DeviceLostError) return { tone: 'error', title: 'The GPU stopped responding', detail: `${err.message} Choose the model again in the model panel.` };
  if (err instanceof WebGpuUnavailableError) return { tone: 'error', title: 'WebGPU is not available', detail: `${err.message} Load the model with the wasm backend instead.` };
  if (err instanceof PackageError) return { tone: 'error', title: TITLES.load, detail: `${err.message} Check the model's address or files, or load the built-in model.` };
  if (err instanceof ImageError) return { tone: 'error', title: TITLES.image, detail: err.message };
  if (err instanceof InputError || err instanceof UnsupportedTaskError) return { tone: 'error', title: TITLES[activity], detail: err.message };
  if (err instanceof UfoError) return { tone: 'error', title: TITLES[activity], detail: err.message };
  const text = err instanceof Error ? err.message : String(err);
  if (/fetch|network/i.test(text)) {
    return { tone: 'error', title: TITLES[activity], detail: `A download failed (${text}). Check the address and your connection, then try again.` };
  }
  return { tone: 'error', title: TITLES[activity], detail: `${text || 'An unexpected error occurred.'} Try again; if it keeps happening, reload the page.` };
}
