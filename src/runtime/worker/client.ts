/**
 * The page side: `WorkerModel` implements `UfoModel` by posting requests to the inference worker,
 * so the app calls the same interface the in-thread engine offers while the page never blocks.
 */
import type {
  BackendInfo,
  CaptionResult,
  DetectionsResult,
  ImageHandle,
  LoadProgress,
  PackageSource,
  ReferOptions,
  ReferResult,
  RunOptions,
  RunProgress,
  SemanticResult,
  UfoModel,
} from '../api';
import type { PackageConfig, TaskKind } from '../config';
import { CancelledError, InferenceError, fromErrorPayload } from '../errors';
import type { Endpoint, ImageInfo, ImageInput, LoadOptions, ModelInfo, Request, Response, ResultValue, RunResults, RunTask } from './protocol';

/** Omit over each member of a union, so a request body keeps its discriminant. */
type Body<T> = T extends unknown ? Omit<T, 'id'> : never;

interface Pending {
  resolve: (value: ResultValue | ModelInfo) => void;
  reject: (error: Error) => void;
  onLoadProgress?: (p: LoadProgress) => void;
  onRunProgress?: (p: RunProgress) => void;
}

interface RequestOptions {
  signal?: AbortSignal;
  onLoadProgress?: (p: LoadProgress) => void;
  onRunProgress?: (p: RunProgress) => void;
}

/** Matches responses to requests by id. */
export class WorkerConnection {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();

  constructor(private readonly endpoint: Endpoint) {
    endpoint.addEventListener('message', (event) => this.receive(event.data as Response));
  }

  request(body: Body<Request>, options: RequestOptions = {}): Promise<ResultValue | ModelInfo> {
    const { signal } = options;
    if (signal?.aborted) return Promise.reject(new CancelledError());
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        // Answer at once: the worker may be inside a long synchronous kernel and see the cancel late.
        this.pending.delete(id);
        this.endpoint.postMessage({ type: 'cancel', id: this.nextId++, target: id } satisfies Request);
        reject(new CancelledError());
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      const settle = <A extends unknown[]>(f: (...a: A) => void) => (...a: A) => {
        signal?.removeEventListener('abort', onAbort);
        this.pending.delete(id);
        f(...a);
      };
      this.pending.set(id, { ...options, resolve: settle(resolve), reject: settle(reject) });
      this.endpoint.postMessage({ ...body, id } as Request);
    });
  }

  /** Reject everything in flight, e.g. when the worker itself died. */
  failAll(error: Error): void {
    for (const p of [...this.pending.values()]) p.reject(error);
  }

  private receive(message: Response): void {
    const p = this.pending.get(message.id);
    if (!p) return; // a request the caller already gave up on
    switch (message.type) {
      case 'progress':
        if (message.progress.kind === 'load') p.onLoadProgress?.(message.progress.event);
        else p.onRunProgress?.(message.progress.event);
        return;
      case 'ready':
        p.resolve(message.info);
        return;
      case 'result':
        p.resolve(message.value);
        return;
      case 'error':
        p.reject(fromErrorPayload(message.error));
        return;
    }
  }
}

export interface ClientLoadOptions extends LoadOptions {
  onProgress?: (p: LoadProgress) => void;
  signal?: AbortSignal;
}

export class WorkerModel implements UfoModel {
  readonly config: PackageConfig;
  readonly backend: BackendInfo;
  readonly tasks: Readonly<Record<string, TaskKind>>;

  private constructor(
    private readonly connection: WorkerConnection,
    info: ModelInfo,
    private readonly close: () => void,
  ) {
    this.config = info.config;
    this.backend = info.backend;
    this.tasks = info.tasks;
  }

  /** Ask the worker behind `connection` to load `source`; `close` ends the worker on dispose. */
  static async load(
    connection: WorkerConnection,
    source: PackageSource,
    { onProgress, signal, ...options }: ClientLoadOptions = {},
    close: () => void = () => {},
  ): Promise<WorkerModel> {
    const info = await connection.request(
      { type: 'load', source, options },
      { ...(signal ? { signal } : {}), ...(onProgress ? { onLoadProgress: onProgress } : {}) },
    );
    return new WorkerModel(connection, info as ModelInfo, close);
  }

  async addImage(input: ImageInput, options: { signal?: AbortSignal } = {}): Promise<ImageHandle> {
    return (await this.connection.request({ type: 'addImage', input }, options)) as ImageInfo;
  }

  releaseImage(image: ImageHandle): void {
    // Fire and forget, as the interface is synchronous; a failure only leaves memory in the worker.
    this.connection.request({ type: 'releaseImage', imageId: image.id }).catch(() => {});
  }

  refer(image: ImageHandle, expression: string, options: ReferOptions = {}): Promise<ReferResult> {
    const { mask, ...rest } = options;
    return this.run({ kind: 'refer', imageId: image.id, expression, ...(mask === undefined ? {} : { mask }) }, rest);
  }

  detect(image: ImageHandle, options?: RunOptions): Promise<DetectionsResult> {
    return this.run({ kind: 'detect', imageId: image.id }, options);
  }

  segmentInstances(image: ImageHandle, options?: RunOptions): Promise<DetectionsResult> {
    return this.run({ kind: 'instances', imageId: image.id }, options);
  }

  segmentSemantic(image: ImageHandle, options?: RunOptions): Promise<SemanticResult> {
    return this.run({ kind: 'semantic', imageId: image.id }, options);
  }

  caption(image: ImageHandle, options?: RunOptions): Promise<CaptionResult> {
    return this.run({ kind: 'caption', imageId: image.id }, options);
  }

  async dispose(): Promise<void> {
    try {
      await this.connection.request({ type: 'dispose' });
    } finally {
      this.close();
    }
  }

  private async run<T extends RunTask>(task: T, options: RunOptions = {}): Promise<RunResults[T['kind']]> {
    const { signal, onProgress } = options;
    const value = await this.connection.request(
      { type: 'run', task },
      { ...(signal ? { signal } : {}), ...(onProgress ? { onRunProgress: onProgress } : {}) },
    );
    return value as RunResults[T['kind']];
  }
}

/** Start a module worker, load `source` in it, and return the model; the worker ends on dispose. */
export async function loadInWorker(source: PackageSource, options: ClientLoadOptions = {}): Promise<WorkerModel> {
  const worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module', name: 'ufo-inference' });
  const connection = new WorkerConnection(worker);
  worker.addEventListener('error', (event) => {
    event.preventDefault();
    connection.failAll(new InferenceError(`The inference worker stopped (${event.message || 'it could not start'}). Reload the page to try again.`));
  });
  try {
    return await WorkerModel.load(connection, source, options, () => worker.terminate());
  } catch (err) {
    worker.terminate();
    throw err;
  }
}
