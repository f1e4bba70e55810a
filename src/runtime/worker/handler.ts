/**
 * The worker side of the protocol, with no dependency on the worker global: it takes a loader and
 * a `post` function, so Node tests drive it with a fake model and an in-memory channel, and
 * `worker.ts` only wires it to `self` and to the engine.
 */
import type { ImageHandle, LoadProgress, PackageSource, RunProgress, UfoModel } from '../api';
import { InferenceError, InputError, toErrorPayload } from '../errors';
import type { LoadOptions, Request, Response, RunResults, RunKind, RunTask } from './protocol';

export type Loader = (
  source: PackageSource,
  options: LoadOptions & { onProgress?: (p: LoadProgress) => void; signal?: AbortSignal },
) => Promise<UfoModel>;

export class WorkerHandler {
  /**
   * One model per worker, created lazily. Holding the promise (not the model) lets overlapping
   * load requests share one download; a failed or cancelled load clears it so a retry can start.
   */
  private model: Promise<UfoModel> | null = null;
  private readonly images = new Map<string, ImageHandle>();
  /** One controller per request in flight, so `cancel` can reach it. */
  private readonly controllers = new Map<number, AbortController>();

  constructor(
    private readonly load: Loader,
    private readonly post: (response: Response) => void,
  ) {}

  async handle(request: Request): Promise<void> {
    if (request.type === 'cancel') {
      this.controllers.get(request.target)?.abort();
      return;
    }
    const controller = new AbortController();
    this.controllers.set(request.id, controller);
    try {
      await this.dispatch(request, controller.signal);
    } catch (err) {
      this.post({ type: 'error', id: request.id, error: toErrorPayload(err) });
    } finally {
      this.controllers.delete(request.id);
    }
  }

  private async dispatch(request: Exclude<Request, { type: 'cancel' }>, signal: AbortSignal): Promise<void> {
    const { id } = request;
    switch (request.type) {
      case 'load': {
        const onProgress = (event: LoadProgress) => this.post({ type: 'progress', id, progress: { kind: 'load', event } });
        const model = await this.loadOnce(request.source, { ...request.options, onProgress, signal });
        this.post({ type: 'ready', id, info: { config: model.config, backend: model.backend, tasks: model.tasks } });
        return;
      }
      case 'addImage': {
        const handle = await (await this.loaded()).addImage(request.input, { signal });
        this.images.set(handle.id, handle);
        this.post({ type: 'result', id, value: { id: handle.id, width: handle.width, height: handle.height } });
        return;
      }
      case 'releaseImage': {
        const handle = this.images.get(request.imageId);
        if (handle) {
          this.images.delete(request.imageId);
          (await this.loaded()).releaseImage(handle);
        }
        this.post({ type: 'result', id, value: null });
        return;
      }
      case 'run': {
        const onProgress = (event: RunProgress) => this.post({ type: 'progress', id, progress: { kind: 'run', event } });
        const value = await this.run(await this.loaded(), request.task, { signal, onProgress });
        this.post({ type: 'result', id, value });
        return;
      }
      case 'dispose': {
        const model = this.model;
        this.model = null;
        this.images.clear();
        if (model) await (await model).dispose();
        this.post({ type: 'result', id, value: null });
        return;
      }
    }
  }

  private loadOnce(source: PackageSource, options: Parameters<Loader>[1]): Promise<UfoModel> {
    if (!this.model) {
      const pending = this.load(source, options);
      this.model = pending;
      pending.catch(() => {
        if (this.model === pending) this.model = null;
      });
    }
    return this.model;
  }

  private loaded(): Promise<UfoModel> {
    if (!this.model) return Promise.reject(new InferenceError('No model is loaded yet. Load a model first.'));
    return this.model;
  }

  private image(imageId: string): ImageHandle {
    const handle = this.images.get(imageId);
    if (!handle) throw new InputError(`Image "${imageId}" is not registered (or was released). Add the image again.`, { imageId });
    return handle;
  }

  private run(
    model: UfoModel,
    task: RunTask,
    options: { signal: AbortSignal; onProgress: (p: RunProgress) => void },
  ): Promise<RunResults[RunKind]> {
    const image = this.image(task.imageId);
    switch (task.kind) {
      case 'refer':
        return model.refer(image, task.expression, { ...options, ...(task.mask === undefined ? {} : { mask: task.mask }) });
      case 'detect':
        return model.detect(image, options);
      case 'instances':
        return model.segmentInstances(image, options);
      case 'semantic':
        return model.segmentSemantic(image, options);
      case 'caption':
        return model.caption(image, options);
    }
  }
}
