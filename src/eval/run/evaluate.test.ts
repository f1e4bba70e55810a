/**
 * The command-line evaluation end to end on three generated scenes (UFO-Tiny in onnxruntime-node),
 * and its wiring: the numbers are src/eval's on the same predictions, and a model that answers with
 * the ground truth scores a perfect 1 on every metric (boxes, category ids, RLE masks and label
 * values all reach the metrics in the right terms).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Detection, ImageHandle, UfoModel } from '../../runtime/api';
import { parseConfig } from '../../runtime/config';
import { createModel } from '../../runtime/engine';
import { loadPackage } from '../../runtime/package';
import { cocoEvaluate } from '../coco-eval';
import { recMetrics, resMetrics } from '../refer-metrics';
import * as rle from '../rle';
import { ConfusionMatrix, semanticMetrics } from '../semantic-metrics';
import { type Dataset, readDataset, readLabelMap } from './dataset';
import { classMapping, type EvalResult, evaluate, type Predictions } from './evaluate';
import { ensureGeneratedDataset } from './generate';
import { type EvalReport, formatTable, reportJson } from './report';

const PACKAGE = 'public/models/ufo-tiny';
let cacheDir: string;
let data: Dataset;

beforeAll(async () => {
  cacheDir = mkdtempSync(join(tmpdir(), 'ufo-eval-'));
  data = await readDataset(ensureGeneratedDataset({ seed: 5, count: 3, cacheDir, root: resolve('.') }));
}, 120_000);
afterAll(() => rmSync(cacheDir, { recursive: true, force: true }));

function inUnitRange(v: number): boolean {
  return v >= 0 && v <= 1;
}

describe('UFO-Tiny on three generated scenes', () => {
  let model: UfoModel;
  let result: EvalResult & { predictions: Predictions };

  beforeAll(async () => {
    model = await createModel(await loadPackage({ kind: 'path', path: PACKAGE }, { dtype: 'fp32', cache: null }));
    result = await evaluate(model, data, { sentences: 'one' });
  }, 300_000);
  afterAll(() => model?.dispose());

  test('reports every task of the package with metrics in [0, 1]', () => {
    expect(Object.keys(result.metrics).sort()).toEqual(Object.keys(model.tasks).sort());
    expect(result.images).toBe(3);
    expect(result.sentences).toBe(data.refs.length);
    const m = result.metrics;
    expect(m.grounding).toMatchObject({ metric: 'REC', count: data.refs.length });
    expect(m.referring_segmentation).toMatchObject({ metric: 'RES', count: data.refs.length });
    for (const metrics of Object.values(m)) {
      switch (metrics.kind) {
        case 'refer-box':
          expect([metrics.accuracy, metrics.meanIou].every(inUnitRange)).toBe(true);
          break;
        case 'refer-mask':
          expect([metrics.cIoU, metrics.gIoU].every(inUnitRange)).toBe(true);
          break;
        case 'grid-box':
        case 'grid-mask':
          // -1 is COCO's mark for a setting without ground truth (no small objects, say).
          expect(Object.values(metrics.stats)).toHaveLength(12);
          for (const v of Object.values(metrics.stats)) expect(v === -1 || inUnitRange(v)).toBe(true);
          break;
        case 'grid-semantic':
          expect([metrics.mIoU, metrics.mAcc, metrics.aAcc].every(inUnitRange)).toBe(true);
          expect(metrics.perClass.map((c) => c.name)).toEqual(['background', 'circle', 'square', 'triangle', 'star', 'hexagon']);
          break;
        case 'caption':
          expect(metrics.examples).toHaveLength(3);
          for (const e of metrics.examples) expect(e.prediction.length).toBeGreaterThan(0);
          break;
      }
    }
    for (const t of Object.values(result.timings)) expect(t.calls).toBeGreaterThan(0);
  });

  test('the JSON report and the table', () => {
    const { predictions: _, ...rest } = result;
    const report: EvalReport = {
      ...rest,
      model: { name: 'ufo-tiny', source: PACKAGE, dtype: 'fp32', backend: 'cpu' },
      data: { name: data.name, dir: data.dir, images: 3, refs: data.refs.length, sentences: result.sentences, mode: 'one' },
      date: new Date(0).toISOString(),
    };
    const parsed = JSON.parse(reportJson(report));
    expect(Object.keys(parsed.metrics)).toEqual(Object.keys(result.metrics));
    expect(parsed.metrics.detection.stats).toEqual((result.metrics.detection as { stats: unknown }).stats);
    const table = formatTable(report);
    for (const name of Object.keys(result.metrics)) expect(table).toContain(name);
    expect(table).toContain('AP50');
  });

  test('its numbers are src/eval\'s on the same predictions', async () => {
    const p = result.predictions;
    const box = (id: number) => {
      const [x, y, w, h] = data.annotations.get(id)!.bbox!;
      return [x, y, x + w, y + h] as const;
    };
    const mask = (seg: unknown) => rle.decode(rle.fromCoco(seg as rle.CocoRle));
    expect(result.metrics.grounding).toMatchObject(recMetrics(p.refer.get('grounding')!.map((r) => ({ prediction: r.box, target: box(r.annId) }))));
    const res = p.refer.get('referring_segmentation')!.map((r) => {
      const target = mask(data.annotations.get(r.annId)!.segmentation);
      return { prediction: r.mask ? mask(r.mask) : new Uint8Array(target.length), target };
    });
    expect(result.metrics.referring_segmentation).toMatchObject(resMetrics(res));
    expect(result.metrics.detection).toMatchObject({ stats: cocoEvaluate(data.instances, p.coco.get('detection')!, 'bbox').stats });
    expect(result.metrics.instance_segmentation).toMatchObject({ stats: cocoEvaluate(data.instances, p.coco.get('instance_segmentation')!, 'segm').stats });
    const matrix = new ConfusionMatrix(6);
    for (const image of data.instances.images) matrix.add(p.semantic.get('semantic_segmentation')!.get(image.id)!, await readLabelMap(data, image));
    expect(result.metrics.semantic_segmentation).toMatchObject({ mIoU: semanticMetrics(matrix).mIoU });
  });
});

/**
 * A UfoModel that answers with the ground truth. Images are identified by the order the evaluator
 * adds them in, and a sentence asked again on one image (two refs can share "red shape") gets the
 * next ref that has it, as the evaluator asks refs in data order.
 */
function oracle(data: Dataset): UfoModel {
  const config = parseConfig(JSON.parse(readFileSync(`${PACKAGE}/config.json`, 'utf8')));
  const names = new Map(data.instances.categories.map((c) => [c.id, c.name!]));
  let added = 0;
  const asked = new Map<string, number>();
  const image = (h: ImageHandle) => data.instances.images[Number(h.id)]!;
  const instances = (h: ImageHandle, classes: string[], withMask: boolean): Detection[] =>
    data.instances.annotations.filter((a) => a.image_id === image(h).id).map((a) => {
      const [x, y, w, hh] = a.bbox!;
      const labelIndex = classes.indexOf(names.get(a.category_id)!);
      const m = rle.decode(rle.fromCoco(a.segmentation as rle.CocoRle));
      return {
        label: classes[labelIndex]!, labelIndex, score: 1,
        box: withMask ? null : { x1: x, y1: y, x2: x + w, y2: y + hh },
        mask: withMask ? { width: h.width, height: h.height, data: m } : null,
      };
    });
  return {
    config,
    backend: { backend: 'cpu' },
    tasks: Object.fromEntries(Object.values(config.tasks).map((t) => [t.name, t.kind])),
    async addImage() {
      const i = data.instances.images[added]!;
      return { id: String(added++), width: i.width, height: i.height };
    },
    releaseImage() {},
    async refer(h, expression, o) {
      const key = `${h.id}|${o?.mask}|${expression}`;
      const k = asked.get(key) ?? 0;
      asked.set(key, k + 1);
      const ref = data.refs.filter((r) => r.image_id === image(h).id && r.sentences.some((s) => s.sent === expression))[k]!;
      const a = data.annotations.get(ref.ann_id)!;
      const [x, y, w, hh] = a.bbox!;
      const mask = o?.mask ? { width: h.width, height: h.height, data: rle.decode(rle.fromCoco(a.segmentation as rle.CocoRle)) } : null;
      return { expression, truncated: false, box: { x1: x, y1: y, x2: x + w, y2: y + hh }, mask, text: '', tokens: [], timings: {} };
    },
    async detect(h) {
      return { detections: instances(h, config.tasks.detection!.classes, false), timings: {} };
    },
    async segmentInstances(h) {
      return { detections: instances(h, config.tasks.instance_segmentation!.classes, true), timings: {} };
    },
    async segmentSemantic(h) {
      const classes = config.tasks.semantic_segmentation!.classes;
      const gt = await readLabelMap(data, image(h));
      const labels = Uint32Array.from(gt, (v) => classes.indexOf(v === 0 ? 'background' : names.get(v)!));
      return { width: h.width, height: h.height, labels, classes, present: [], timings: {} };
    },
    async caption(h) {
      return { text: data.captions.get(image(h).id)![0]!, tokens: [], timings: {} };
    },
    async dispose() {},
  };
}

describe('wiring', () => {
  test('the ground truth as predictions scores 1 everywhere', async () => {
    const { metrics } = await evaluate(oracle(data), data, { sentences: 'all' });
    expect(metrics.grounding).toMatchObject({ accuracy: 1, meanIou: 1 });
    expect(metrics.referring_segmentation).toMatchObject({ cIoU: 1, gIoU: 1 });
    for (const name of ['detection', 'instance_segmentation']) {
      const m = metrics[name]!;
      if (m.kind !== 'grid-box' && m.kind !== 'grid-mask') throw new Error(`${name} is ${m.kind}`);
      expect(m.stats.AP).toBeCloseTo(1, 12);
      expect(m.stats.AR100).toBeCloseTo(1, 12);
    }
    expect(metrics.semantic_segmentation).toMatchObject({ mIoU: 1, aAcc: 1 });
    expect(metrics.caption).toMatchObject({ count: 3 });
  });

  test('a class the data lacks is refused by name', () => {
    expect(() => classMapping(['background', 'circle', 'ellipse'], data, 'detection')).toThrow(/"ellipse".*circle, square/);
  });
});
