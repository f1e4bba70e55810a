/**
 * The app's side effects: it owns the worker-backed model, the engine handles of opened images and
 * the AbortControllers of the load and run in flight, and reports to the store through its
 * module-level actions. Components call these functions; nothing here renders.
 */
import type { ImageHandle, PackageSource, RunOptions, RunProgress } from '../runtime/api';
import { CancelledError } from '../runtime/errors';
// The cache module alone: the package index also pulls in the loader and tokenizer, which only the
// worker needs.
import { defaultPackageCache } from '../runtime/package/package-cache';
import { loadInWorker, type WorkerModel } from '../runtime/worker/client';
import { describeError } from './lib/describe-error';
import { withDeviceRecovery } from './lib/device-recovery';
import { decodeImage } from './lib/image-file';
import { modesOf, type Mode } from './lib/modes';
import { captionView, detectionsView, referView, semanticView, type ResultView } from './lib/result-view';
import { imageOpened, openFailed, openingImage } from './store/image/actions';
import type { OpenImage } from './store/image/state';
import { loadFailed, loadProgress, loadStarted, loadSucceeded, setCache } from './store/model/actions';
import { EMBEDDED_MODEL_URL, type ModelChoice } from './store/model/state';
import { keepModeWithin, remember } from './store/prompt/actions';
import { clearResults, runProgress, runStarted, runStopped, runSucceeded } from './store/results/actions';
import { runSelectors } from './store/selectors';
import { useAppStore } from './store/store';
import { dismissMessage, setZoom, showMessage } from './store/ui/actions';

let model: WorkerModel | null = null;
/** What `model` was loaded from, to reload it after a lost GPU device. */
let modelChoice: ModelChoice | null = null;
let loading: AbortController | null = null;
let running: AbortController | null = null;
/** Engine handles of the current model, by image key: an image is added once, then reused. */
let handles = new Map<number, Promise<ImageHandle>>();

export function toPackageSource(choice: ModelChoice): PackageSource {
  switch (choice.kind) {
    case 'embedded':
      return { kind: 'url', url: EMBEDDED_MODEL_URL };
    case 'url':
      return { kind: 'url', url: choice.url };
    case 'hf':
      return { kind: 'hf', repo: choice.repo };
    case 'folder':
      return { kind: 'files', files: choice.files };
  }
}

/** Load a model in a fresh worker; the previous model (and any run on it) ends. */
export async function loadModel(choice: ModelChoice, abortRun = true): Promise<void> {
  loading?.abort();
  if (abortRun) running?.abort(); // a recovery reload keeps the request it will retry
  const previous = model;
  model = null;
  handles = new Map();
  void previous?.dispose().catch(() => {}); // its worker is terminated either way
  const controller = new AbortController();
  loading = controller;
  loadStarted(choice);
  try {
    const preference = useAppStore.getState().model.backendPreference;
    const next = await loadInWorker(toPackageSource(choice), {
      ...(preference === 'auto' ? {} : { backend: preference }),
      signal: controller.signal,
      onProgress: (p) => loading === controller && loadProgress(p),
    });
    if (loading !== controller) {
      void next.dispose();
      return;
    }
    loading = null;
    model = next;
    modelChoice = choice;
    loadSucceeded({ name: next.config.name, backend: next.backend, tasks: next.tasks });
    keepModeWithin(modesOf(next.tasks));
    void refreshCache();
  } catch (err) {
    if (loading !== controller) return; // a newer load took over
    loading = null;
    loadFailed();
    showMessage(describeError(err, 'load'));
  }
}

export function cancelLoad(): void {
  loading?.abort();
}

/** List the persistent cache (the worker's loads fill it; the page shares its Cache Storage). */
export async function refreshCache(): Promise<void> {
  try {
    setCache(await defaultPackageCache().list());
  } catch (err) {
    showMessage(describeError(err, 'cache'));
  }
}

export async function deleteCached(key: string): Promise<void> {
  try {
    await defaultPackageCache().delete(key);
  } catch (err) {
    showMessage(describeError(err, 'cache'));
  }
  await refreshCache();
}

export async function openImage(file: Blob, name: string, suggestions: string[] = []): Promise<void> {
  openingImage();
  try {
    const decoded = await decodeImage(file, name);
    const previous = useAppStore.getState().image.current;
    running?.abort();
    imageOpened({ name, file, suggestions, ...decoded });
    if (previous) release(previous.key);
    clearResults();
    setZoom('fit');
    dismissMessage();
  } catch (err) {
    openFailed();
    showMessage(describeError(err, 'image'));
  }
}

function release(key: number): void {
  const handle = handles.get(key);
  handles.delete(key);
  const owner = model;
  void handle?.then((h) => owner?.releaseImage(h), () => {});
}

function handleFor(m: WorkerModel, image: OpenImage): Promise<ImageHandle> {
  let handle = handles.get(image.key);
  if (!handle) {
    handle = m.addImage(image.file);
    handles.set(image.key, handle);
    const added = handle;
    added.catch(() => handles.get(image.key) === added && handles.delete(image.key));
  }
  return handle;
}

/** Settle with `promise`, or reject with CancelledError as soon as `signal` fires. */
function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise((resolve, reject) => {
    signal.addEventListener('abort', () => reject(new CancelledError()), { once: true });
    promise.then(resolve, reject);
  });
}

async function ask(m: WorkerModel, mode: Mode, image: ImageHandle, key: number, expression: string, options: RunOptions): Promise<ResultView> {
  const ref = { key, width: image.width, height: image.height };
  switch (mode) {
    case 'refer':
      return referView(await m.refer(image, expression, options), ref);
    case 'detect':
      return detectionsView('detect', await m.detect(image, options), ref);
    case 'instances':
      return detectionsView('instances', await m.segmentInstances(image, options), ref);
    case 'semantic':
      return semanticView(await m.segmentSemantic(image, options), ref);
    case 'caption':
      return captionView(await m.caption(image, options), ref);
  }
}

/**
 * Run the current mode on the current image; errors end up in the message banner. A lost GPU
 * device is recovered from once (lib/device-recovery.ts).
 */
export async function run(): Promise<void> {
  const state = useAppStore.getState();
  const image = state.image.current;
  if (runSelectors.blocker(state) !== null || !model || !image) return;
  const { mode } = state.prompt;
  const expression = state.prompt.expression.trim();
  if (mode === 'refer') remember(expression);
  const controller = new AbortController();
  running = controller;
  runStarted(mode);
  const options = { signal: controller.signal, onProgress: (p: RunProgress) => running === controller && runProgress(p) };
  const attempt = async (): Promise<ResultView> => {
    const current = model;
    if (!current) throw new CancelledError();
    return ask(current, mode, await abortable(handleFor(current, image), controller.signal), image.key, expression, options);
  };
  const reload = async (): Promise<boolean> => {
    if (!modelChoice) return false;
    await loadModel(modelChoice, false);
    return model !== null;
  };
  try {
    const view = await withDeviceRecovery(attempt, reload);
    if (running !== controller) return;
    runSucceeded(view);
    dismissMessage();
  } catch (err) {
    if (running !== controller) return;
    runStopped();
    showMessage(describeError(err, 'run'));
  } finally {
    if (running === controller) running = null;
  }
}

export function cancelRun(): void {
  running?.abort();
}
