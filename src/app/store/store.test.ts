/** The store's actions and selectors, without React: each test starts from a fresh store. */
import { beforeEach, describe, expect, it } from 'vitest';
import type { Mask } from '../../runtime/api';
import type { ResultView } from '../lib/result-view';
import { imageOpened } from './image/actions';
import { loadProgress, loadStarted, loadSucceeded } from './model/actions';
import { historyBack, historyForward, keepModeWithin, remember, setExpression, setMode } from './prompt/actions';
import { runStarted, runSucceeded, setThreshold, toggleItem } from './results/actions';
import { modelSelectors, resultsSelectors, runSelectors } from './selectors';
import { resetStore, useAppStore } from './store';
import { stepZoom } from './ui/actions';

const state = () => useAppStore.getState();
const bitmap = { width: 4, height: 2, close() {} } as ImageBitmap;
const openImage = () => imageOpened({ name: 'a.png', file: new Blob(), bitmap, width: 4, height: 2, suggestions: [] });
const mask: Mask = { width: 4, height: 2, data: new Uint8Array(8) };

function view(imageKey: number, scores: (number | null)[]): ResultView {
  return {
    mode: 'detect', imageKey, width: 4, height: 2, expression: null, text: null, timings: {},
    items: scores.map((score, i) => ({ id: `d${i}`, label: 'circle', score, box: null, mask, color: [0, 0, 0] })),
  };
}

beforeEach(() => resetStore());

describe('model slice', () => {
  it('folds load progress into per-file rows and a byte fraction', () => {
    loadStarted({ kind: 'embedded' });
    expect(modelSelectors.isLoading(state())).toBe(true);
    expect(modelSelectors.loadFraction(state())).toBeNull();
    loadProgress({ status: 'initiate', file: 'b.onnx', total: 300 });
    loadProgress({ status: 'initiate', file: 'a.json', total: 100 });
    loadProgress({ status: 'progress', file: 'b.onnx', loaded: 150, total: 300 });
    loadProgress({ status: 'done', file: 'a.json', total: 100, cached: true });
    expect(modelSelectors.fileNames(state())).toEqual(['a.json', 'b.onnx']);
    expect(modelSelectors.file('a.json')(state())).toEqual({ loaded: 100, total: 100, done: true, cached: true });
    expect(modelSelectors.loadFraction(state())).toBeCloseTo(250 / 400);
    loadProgress({ status: 'phase', phase: 'warmup', message: 'Compiling shaders and warming up…' });
    expect(state().model.phase).toBe('Compiling shaders and warming up…');
  });

  it('offers only the modes the model declares, and keeps the mode within them', () => {
    loadSucceeded({ name: 'm', backend: { backend: 'wasm' }, tasks: { cap: 'caption', det: 'grid-box' } });
    expect(modelSelectors.modes(state())).toEqual(['detect', 'caption']);
    keepModeWithin(modelSelectors.modes(state()));
    expect(state().prompt.mode).toBe('detect');
    setMode('caption');
    keepModeWithin(['detect', 'caption']);
    expect(state().prompt.mode).toBe('caption');
  });
});

describe('prompt slice', () => {
  it('keeps a history, most recent first and without repeats, walked with the arrow keys', () => {
    remember('the red circle');
    remember('the blue square');
    remember('the red circle');
    expect(state().prompt.history).toEqual(['the red circle', 'the blue square']);
    setExpression('the gr');
    historyBack();
    expect(state().prompt.expression).toBe('the red circle');
    historyBack();
    historyBack(); // stays at the oldest
    expect(state().prompt.expression).toBe('the blue square');
    historyForward();
    historyForward();
    expect(state().prompt.expression).toBe('the gr'); // the draft comes back
  });
});

describe('run blocker', () => {
  it('says what is missing before a run can start', () => {
    expect(runSelectors.blocker(state())).toBe('Load a model first.');
    loadSucceeded({ name: 'm', backend: { backend: 'wasm' }, tasks: { r: 'refer-mask' } });
    expect(runSelectors.blocker(state())).toBe('Open an image first.');
    openImage();
    expect(runSelectors.blocker(state())).toBe('Type what to look for.');
    setExpression('the circle');
    expect(runSelectors.blocker(state())).toBeNull();
    runStarted('refer');
    expect(runSelectors.blocker(state())).toBe('A run is in progress.');
  });
});

describe('results slice', () => {
  it('lists items above the threshold, draws those not switched off, and drops results of another image', () => {
    const key = openImage();
    runSucceeded(view(key, [0.9, 0.5, 0.1, null]));
    setThreshold(0.3);
    expect(resultsSelectors.listed(state()).map((i) => i.id)).toEqual(['d0', 'd1', 'd3']);
    toggleItem('d1');
    expect(resultsSelectors.visible(state()).map((i) => i.id)).toEqual(['d0', 'd3']);
    toggleItem('d1');
    expect(resultsSelectors.visible(state())).toHaveLength(3);
    expect(resultsSelectors.hasScores(state())).toBe(true);
    openImage();
    expect(resultsSelectors.view(state())).toBeNull();
    expect(resultsSelectors.visible(state())).toEqual([]);
  });

  it('clamps the threshold to 0..1', () => {
    setThreshold(3);
    expect(state().results.threshold).toBe(1);
  });
});

describe('ui slice', () => {
  it('zooms in steps from the fitted scale', () => {
    stepZoom(1, 0.6);
    expect(state().ui.zoom).toBe(1);
    stepZoom(1, 0.6);
    expect(state().ui.zoom).toBe(2);
    stepZoom(-1, 0.6);
    expect(state().ui.zoom).toBe(1);
  });
});
