/**
 * The worker protocol end to end in Node: WorkerModel (page) and WorkerHandler (worker) joined by
 * an in-memory channel that structured-clones every message, as postMessage does, in front of a
 * fake UfoModel (the only fake: it stands for the engine, as web-llm tests its handler).
 */
import { describe, expect, it, vi } from 'vitest';
import type { ImageHandle, LoadProgress, RunOptions, RunProgress, UfoModel } from '../api';
import type { PackageConfig } from '../config';
import { CancelledError, InferenceError, InputError, PackageError } from '../errors';
import { WorkerConnection, WorkerModel } from './client';
import { WorkerHandler, type Loader } from './handler';
import type { Endpoint, Request } from './protocol';

/** Two endpoints; a message posted on one arrives, cloned and asynchronously, at the other. */
function memoryChannel(): [Endpoint, Endpoint] {
  const listeners: [((e: MessageEvent) => void)[], ((e: MessageEvent) => void)[]] = [[], []];
  const endpoint = (self: 0 | 1): Endpoint => ({
    postMessage(message) {
      const data = structuredClone(message);
      setTimeout(() => listeners[1 - self]!.forEach((l) => l({ data } as MessageEvent)), 0);
    },
    addEventListener(_type, listener) {
      listeners[self].push(listener);
    },
  });
  return [endpoint(0), endpoint(1)];
}

const config = { name: 'fake-tiny' } as PackageConfig;

/** Resolves when the signal fires, then throws as the engine does. */
function untilAborted(signal: AbortSignal | undefined): Promise<never> {
  return new Promise((_, reject) => signal?.addEventListener('abort', () => reject(new CancelledError())));
}

function fakeModel(): UfoModel & { released: string[]; disposed: boolean; seen: AbortSignal[] } {
  let next = 0;
  const model = {
    config,
    backend: { backend: 'wasm' as const, fallbackReason: 'no adapter' },
    tasks: { referring_segmentation: 'refer-mask' as const, detection: 'grid-box' as const },
    released: [] as string[],
    disposed: false,
    seen: [] as AbortSignal[],
    async addImage(input: unknown) {
      if (input instanceof Uint8Array && input.length === 0) throw new InputError('empty image');
      return { id: `img-${next++}`, width: 4, height: 2, secret: 'stays in the worker' } as ImageHandle;
    },
    releaseImage(image: ImageHandle) {
      model.released.push(image.id);
    },
    async refer(image: ImageHandle, expression: string, options: RunOptions & { mask?: boolean } = {}) {
      if (!expression) throw new InputError('Type what to look for.', { field: 'expression' });
      options.onProgress?.({ phase: 'decode', fraction: 0.5 });
      return {
        expression, truncated: false, text: '<box>', tokens: [1, 2],
        box: { x1: 0, y1: 0, x2: 2, y2: 1 },
        mask: options.mask === false ? null : { width: image.width, height: image.height, data: Uint8Array.of(1, 1, 0, 0, 0, 0, 0, 0) },
        timings: { encoder: 3 },
      };
    },
    async detect(_image: ImageHandle, options: RunOptions = {}) {
      if (options.signal) model.seen.push(options.signal);
      return untilAborted(options.signal);
    },
    segmentInstances: async () => ({ detections: [], timings: {} }),
    segmentSemantic: async () => ({ width: 1, height: 1, labels: Uint32Array.of(0), classes: ['bg'], present: [], timings: {} }),
    caption: async () => ({ text: 'a red circle', tokens: [], timings: {} }),
    async dispose() {
      model.disposed = true;
    },
  };
  return model;
}

function setup(loader?: Loader) {
  const model = fakeModel();
  const load = vi.fn<Loader>(loader ?? (async (_source, options) => {
    options.onProgress?.({ status: 'initiate', file: 'config.json', total: 10 });
    options.onProgress?.({ status: 'done', file: 'config.json', total: 10, cached: false });
    options.onProgress?.({ status: 'phase', phase: 'warmup', message: 'Compiling shaders and warming up…' });
    return model;
  }));
  const [page, worker] = memoryChannel();
  const handler = new WorkerHandler(load, (r) => worker.postMessage(r));
  worker.addEventListener('message', (e) => void handler.handle(e.data as Request));
  const connection = new WorkerConnection(page);
  const close = vi.fn();
  const open = (options = {}) => WorkerModel.load(connection, { kind: 'url', url: '/models/fake/' }, options, close);
  return { model, load, connection, close, open };
}

describe('worker protocol', () => {
  it('loads, forwards load progress in order and exposes config, backend and tasks', async () => {
    const { open, load } = setup();
    const events: LoadProgress[] = [];
    const remote = await open({ backend: 'wasm', onProgress: (p: LoadProgress) => events.push(p) });
    expect(events.map((e) => e.status)).toEqual(['initiate', 'done', 'phase']);
    expect(remote.config.name).toBe('fake-tiny');
    expect(remote.backend).toEqual({ backend: 'wasm', fallbackReason: 'no adapter' });
    expect(remote.tasks).toEqual({ referring_segmentation: 'refer-mask', detection: 'grid-box' });
    expect(load.mock.calls[0]![1]).toMatchObject({ backend: 'wasm' });
  });

  it('shares one model between overlapping loads', async () => {
    const { open, load } = setup();
    const [a, b] = await Promise.all([open(), open()]);
    expect(load).toHaveBeenCalledTimes(1);
    expect(a.config).toEqual(b.config);
  });

  it('registers an image once and answers several requests about it, masks intact', async () => {
    const { open } = setup();
    const remote = await open();
    const image = await remote.addImage(Uint8Array.of(1, 2, 3));
    expect(image).toEqual({ id: 'img-0', width: 4, height: 2 });
    const phases: RunProgress[] = [];
    const first = await remote.refer(image, 'the red circle', { onProgress: (p) => phases.push(p) });
    expect(first.mask?.data).toEqual(Uint8Array.of(1, 1, 0, 0, 0, 0, 0, 0));
    expect(first.box).toEqual({ x1: 0, y1: 0, x2: 2, y2: 1 });
    expect(phases).toEqual([{ phase: 'decode', fraction: 0.5 }]);
    const second = await remote.refer(image, 'the blue square', { mask: false });
    expect(second.mask).toBeNull();
    expect((await remote.caption(image)).text).toBe('a red circle');
    expect((await remote.segmentSemantic(image)).labels).toBeInstanceOf(Uint32Array);
  });

  it('rebuilds errors into their classes with their message and details', async () => {
    const { open } = setup();
    const remote = await open();
    const image = await remote.addImage(Uint8Array.of(1));
    const err = await remote.refer(image, '').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect(err).toMatchObject({ message: 'Type what to look for.', details: { field: 'expression' } });
    await expect(remote.detect({ id: 'nope', width: 1, height: 1 })).rejects.toThrow(/not registered/);
  });

  it('cancels a run: the caller gets CancelledError at once and the engine sees the abort', async () => {
    const { open, model } = setup();
    const remote = await open();
    const image = await remote.addImage(Uint8Array.of(1));
    const controller = new AbortController();
    const run = remote.detect(image, { signal: controller.signal });
    await vi.waitFor(() => expect(model.seen).toHaveLength(1));
    controller.abort();
    await expect(run).rejects.toBeInstanceOf(CancelledError);
    await vi.waitFor(() => expect(model.seen[0]!.aborted).toBe(true));
    // The worker stays usable after a cancel.
    expect((await remote.caption(image)).text).toBe('a red circle');
  });

  it('rejects a request whose signal already fired without sending it', async () => {
    const { open } = setup();
    const remote = await open();
    const controller = new AbortController();
    controller.abort();
    await expect(remote.addImage(Uint8Array.of(1), { signal: controller.signal })).rejects.toBeInstanceOf(CancelledError);
  });

  it('reports a failed load as its class, and a later load retries', async () => {
    let calls = 0;
    const model = fakeModel();
    const { open } = setup(async () => {
      if (calls++ === 0) throw new PackageError('config.json is missing. Check the URL.');
      return model;
    });
    await expect(open()).rejects.toBeInstanceOf(PackageError);
    expect((await open()).config.name).toBe('fake-tiny');
  });

  it('answers requests before any load with an error that says to load a model', async () => {
    const { connection } = setup();
    await expect(connection.request({ type: 'addImage', input: Uint8Array.of(1) })).rejects.toBeInstanceOf(InferenceError);
  });

  it('releases images and disposes the model, then closes the worker', async () => {
    const { open, model, close } = setup();
    const remote = await open();
    const image = await remote.addImage(Uint8Array.of(1));
    remote.releaseImage(image);
    await vi.waitFor(() => expect(model.released).toEqual(['img-0']));
    await remote.dispose();
    expect(model.disposed).toBe(true);
    expect(close).toHaveBeenCalledOnce();
  });

  it('fails everything in flight when the worker dies', async () => {
    const { open, connection, model } = setup();
    const remote = await open();
    const image = await remote.addImage(Uint8Array.of(1));
    const run = remote.detect(image);
    await vi.waitFor(() => expect(model.seen).toHaveLength(1));
    connection.failAll(new InferenceError('worker stopped'));
    await expect(run).rejects.toThrow('worker stopped');
  });
});
