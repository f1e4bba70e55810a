/**
 * Every failure a user can meet, as a class with a stable `code`. Messages say what happened and
 * what to do. Errors cross the worker boundary as plain objects (`toErrorPayload`) and are rebuilt
 * into their class on the page (`fromErrorPayload`), so `instanceof` keeps working in the UI.
 */

export const ERROR_CODES = [
  'bad-package',
  'bad-image',
  'bad-input',
  'unsupported-task',
  'cancelled',
  'webgpu-unavailable',
  'device-lost',
  'inference-failed',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export class UfoError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, details: Record<string, unknown> = {}) {
    super(message);
    this.code = code;
    this.details = details;
  }
}

/** A model package is missing a file, has a corrupt file, or a config.json that does not validate. */
export class PackageError extends UfoError {
  override name = 'PackageError';
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('bad-package', message, details);
  }
}

/** The bytes are not a decodable image, or the image has no pixels. */
export class ImageError extends UfoError {
  override name = 'ImageError';
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('bad-image', message, details);
  }
}

/** A request argument is unusable (an empty expression, for example). */
export class InputError extends UfoError {
  override name = 'InputError';
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('bad-input', message, details);
  }
}

/** The loaded package does not declare the task that was asked for. */
export class UnsupportedTaskError extends UfoError {
  override name = 'UnsupportedTaskError';
  constructor(task: string, available: readonly string[]) {
    super(
      'unsupported-task',
      `This model cannot do "${task}". It offers: ${available.join(', ') || 'no tasks'}.`,
      { task, available: [...available] },
    );
  }
}

/** The caller aborted the request. The runtime stays usable. */
export class CancelledError extends UfoError {
  override name = 'CancelledError';
  constructor(what = 'The request') {
    super('cancelled', `${what} was cancelled.`);
  }
}

export class WebGpuUnavailableError extends UfoError {
  override name = 'WebGpuUnavailableError';
  constructor(reason: string) {
    super('webgpu-unavailable', `WebGPU is not available: ${reason}`, { reason });
  }
}

export class DeviceLostError extends UfoError {
  override name = 'DeviceLostError';
  constructor(reason: string) {
    super('device-lost', `The GPU device was lost (${reason}). Reload the model to continue.`, { reason });
  }
}

export class InferenceError extends UfoError {
  override name = 'InferenceError';
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('inference-failed', message, details);
  }
}

export interface ErrorPayload {
  name: string;
  code: ErrorCode | 'unknown';
  message: string;
  details: Record<string, unknown>;
}

export function toErrorPayload(err: unknown): ErrorPayload {
  if (err instanceof UfoError) return { name: err.name, code: err.code, message: err.message, details: err.details };
  if (err instanceof Error) return { name: err.name, code: 'unknown', message: err.message, details: {} };
  return { name: 'Error', code: 'unknown', message: String(err), details: {} };
}

export function fromErrorPayload(p: ErrorPayload): Error {
  const make = (): Error => {
    switch (p.code) {
      case 'bad-package':
        return new PackageError(p.message, p.details);
      case 'bad-image':
        return new ImageError(p.message, p.details);
      case 'bad-input':
        return new InputError(p.message, p.details);
      case 'unsupported-task':
        return new UnsupportedTaskError(String(p.details.task), (p.details.available as string[]) ?? []);
      case 'cancelled':
        return new CancelledError();
      case 'webgpu-unavailable':
        return new WebGpuUnavailableError(String(p.details.reason ?? p.message));
      case 'device-lost':
        return new DeviceLostError(String(p.details.reason ?? p.message));
      case 'inference-failed':
        return new InferenceError(p.message, p.details);
      case 'unknown':
        return Object.assign(new Error(p.message), { name: p.name });
    }
  };
  const err = make();
  err.message = p.message;
  return err;
}

/** Throw CancelledError if the signal has fired; call between stages of long work. */
export function throwIfAborted(signal: AbortSignal | undefined, what?: string): void {
  if (signal?.aborted) throw new CancelledError(what);
}
