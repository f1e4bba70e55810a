/**
 * Runs a UfoModel over an evaluation set and scores it with src/eval's metrics. Two halves:
 * `predict` asks the model (through the public UfoModel API, so any backend works) and keeps its
 * answers in the dataset's terms (category ids, label values, COCO RLE); `score` turns them into
 * metrics with `recMetrics`, `resMetrics`, `cocoEvaluate` and `semanticMetrics`, nothing else.
 */
import type { StageTimings, UfoModel } from '../../runtime/api';
import type { TaskKind } from '../../runtime/config';
import type { Box } from '../box-iou';
import { cocoEvaluate } from '../coco-eval';
import type { CocoCategoryAp, CocoResult, CocoStats } from '../coco-types';
import { recMetrics, resMetrics } from '../refer-metrics';
import * as rle from '../rle';
import { ConfusionMatrix, semanticMetrics } from '../semantic-metrics';
import { categoryByName, type Dataset, type DatasetImage, readImageBytes, readLabelMap, type Ref } from './dataset';

/** Which sentences of a ref are asked: all of them (RefCOCO's protocol) or one per ref. */
export const SENTENCE_MODES = ['all', 'one'] as const;
export type SentenceMode = (typeof SENTENCE_MODES)[number];

export interface EvalOptions {
  /** Package task names to evaluate; all the package declares by default. */
  tasks?: readonly string[];
  /**
   * 'one' asks sentence `ref_id mod count` of each ref, so the set still covers every kind of
   * expression at a quarter of the cost; default 'all'.
   */
  sentences?: SentenceMode;
  /** How many captions the report quotes. */
  captionExamples?: number;
  onProgress?: (p: EvalProgress) => void;
}

export interface EvalProgress {
  done: number;
  total: number;
  image: string;
  elapsedMs: number;
}

/** One referring expression and the model's answer. */
export interface ReferPrediction {
  refId: number;
  imageId: number;
  annId: number;
  sentence: string;
  box: Box | null;
  /** The predicted mask (refer-mask tasks), null when the model gave none. */
  mask: rle.CocoRle | null;
  text: string;
}

/** The model's answers, by task name, in the dataset's terms. */
export interface Predictions {
  refer: Map<string, ReferPrediction[]>;
  /** COCO results: boxes for grid-box tasks, RLE masks for grid-mask tasks. */
  coco: Map<string, CocoResult[]>;
  /** Label maps with the dataset's label values (0 background, else category id), by image id. */
  semantic: Map<string, Map<number, Uint8Array>>;
  captions: Map<string, { imageId: number; text: string }[]>;
}

export type TaskMetrics =
  | { kind: 'refer-box'; metric: 'REC'; accuracy: number; meanIou: number; count: number }
  | { kind: 'refer-mask'; metric: 'RES'; cIoU: number; gIoU: number; count: number }
  | { kind: 'grid-box' | 'grid-mask'; metric: 'box AP' | 'mask AP'; stats: CocoStats; perCategory: readonly CocoCategoryAp[]; detections: number }
  | { kind: 'grid-semantic'; metric: 'mIoU'; mIoU: number; mAcc: number; aAcc: number; perClass: { name: string; iou: number; accuracy: number }[] }
  | { kind: 'caption'; metric: 'examples'; count: number; examples: { image: string; prediction: string; references: readonly string[] }[] };

export interface TaskTimings {
  calls: number;
  /** Mean wall time of one call, and mean milliseconds per stage the engine reported. */
  meanMs: number;
  stagesMs: StageTimings;
}

export interface EvalResult {
  tasks: Record<string, TaskKind>;
  metrics: Record<string, TaskMetrics>;
  timings: Record<string, TaskTimings>;
  images: number;
  sentences: number;
  seconds: number;
}

/** The tasks to evaluate: `wanted` checked against the package's, or all of them. */
export function selectTasks(model: Pick<UfoModel, 'tasks'>, wanted?: readonly string[]): Record<string, TaskKind> {
  const all = model.tasks;
  if (!wanted || wanted.length === 0) return { ...all };
  const picked: Record<string, TaskKind> = {};
  for (const name of wanted) {
    const kind = all[name];
    if (!kind) throw new RangeError(`The package has no task "${name}". It declares: ${Object.keys(all).join(', ')}.`);
    picked[name] = kind;
  }
  return picked;
}

/**
 * The task the UfoModel API runs for a kind: the first task of that kind, as the engine picks
 * it. Only that one can be evaluated through the API, so a second task of a kind is refused.
 */
function checkOnePerKind(model: Pick<UfoModel, 'tasks'>, tasks: Record<string, TaskKind>): void {
  for (const [name, kind] of Object.entries(tasks)) {
    const first = Object.entries(model.tasks).find(([, k]) => k === kind)![0];
    if (first !== name) throw new RangeError(`Task "${name}" has the same kind (${kind}) as "${first}", and the API only runs the first.`);
  }
}

export function sentencesOf(ref: Ref, mode: SentenceMode): string[] {
  const all = ref.sentences.map((s) => s.sent);
  if (mode === 'all' || all.length === 0) return all;
  return [all[ref.ref_id % all.length]!];
}

/**
 * The model's classes (task.classes, by name) in the dataset's terms: category ids for detections,
 * and label values for semantic maps, where "background" is 0. A class the dataset lacks is an
 * error: its predictions could not be scored, and guessing would hide a mismatched package.
 */
export function classMapping(classes: readonly string[], data: Dataset, task: string): number[] {
  const byName = categoryByName(data.instances.categories);
  return classes.map((name) => {
    if (name === 'background') return 0;
    const id = byName.get(name);
    if (id === undefined) {
      throw new RangeError(`Task "${task}" predicts class "${name}", which the data lacks. Its categories: ${[...byName.keys()].join(', ')}.`);
    }
    return id;
  });
}

class TimingSum {
  calls = 0;
  total = 0;
  stages: StageTimings = {};
  add(ms: number, stages: StageTimings): void {
    this.calls++;
    this.total += ms;
    for (const [k, v] of Object.entries(stages)) this.stages[k] = (this.stages[k] ?? 0) + v;
  }
  mean(): TaskTimings {
    const n = Math.max(1, this.calls);
    return { calls: this.calls, meanMs: this.total / n, stagesMs: Object.fromEntries(Object.entries(this.stages).map(([k, v]) => [k, v / n])) };
  }
}

async function timed<T extends { timings: StageTimings }>(sum: TimingSum, run: () => Promise<T>): Promise<T> {
  const start = performance.now();
  const result = await run();
  sum.add(performance.now() - start, result.timings);
  return result;
}

function toXywh(b: { x1: number; y1: number; x2: number; y2: number }): [number, number, number, number] {
  return [b.x1, b.y1, b.x2 - b.x1, b.y2 - b.y1];
}

/** Asks the model every selected task on every image; returns its answers and per-task timings. */
export async function predict(
  model: UfoModel,
  data: Dataset,
  tasks: Record<string, TaskKind>,
  options: EvalOptions = {},
): Promise<{ predictions: Predictions; timings: Record<string, TaskTimings>; sentences: number }> {
  checkOnePerKind(model, tasks);
  const mode = options.sentences ?? 'all';
  const predictions: Predictions = { refer: new Map(), coco: new Map(), semantic: new Map(), captions: new Map() };
  const sums = new Map(Object.keys(tasks).map((name) => [name, new TimingSum()]));
  const classMaps = new Map<string, number[]>();
  for (const [name, kind] of Object.entries(tasks)) {
    if (kind.startsWith('refer')) predictions.refer.set(name, []);
    if (kind === 'grid-box' || kind === 'grid-mask') predictions.coco.set(name, []);
    if (kind === 'grid-semantic') predictions.semantic.set(name, new Map());
    if (kind === 'caption') predictions.captions.set(name, []);
    if (kind.startsWith('grid')) classMaps.set(name, classMapping(model.config.tasks[name]!.classes, data, name));
  }
  const refsByImage = new Map<number, Ref[]>();
  for (const r of data.refs) refsByImage.set(r.image_id, [...(refsByImage.get(r.image_id) ?? []), r]);
  const images = data.instances.images;
  const askRefs = Object.values(tasks).some((k) => k.startsWith('refer'));
  const sentences = askRefs ? data.refs.reduce((n, r) => n + sentencesOf(r, mode).length, 0) : 0;
  const start = performance.now();
  for (const [index, image] of images.entries()) {
    const handle = await model.addImage(await readImageBytes(data, image));
    try {
      if (handle.width !== image.width || handle.height !== image.height) {
        throw new Error(`${image.file_name} decodes to ${handle.width}x${handle.height}, but instances.json says ${image.width}x${image.height}`);
      }
      for (const [name, kind] of Object.entries(tasks)) {
        const sum = sums.get(name)!;
        const classes = classMaps.get(name) ?? [];
        switch (kind) {
          case 'grid-box': {
            const r = await timed(sum, () => model.detect(handle));
            for (const d of r.detections) {
              if (d.box) predictions.coco.get(name)!.push({ image_id: image.id, category_id: classes[d.labelIndex]!, score: d.score, bbox: toXywh(d.box) });
            }
            break;
          }
          case 'grid-mask': {
            const r = await timed(sum, () => model.segmentInstances(handle));
            for (const d of r.detections) {
              if (!d.mask) continue;
              const encoded = rle.encode(d.mask.data, d.mask.height, d.mask.width);
              predictions.coco.get(name)!.push({
                image_id: image.id, category_id: classes[d.labelIndex]!, score: d.score,
                segmentation: { size: encoded.size, counts: rle.toString(encoded) },
              });
            }
            break;
          }
          case 'grid-semantic': {
            const r = await timed(sum, () => model.segmentSemantic(handle));
            const map = new Uint8Array(r.labels.length);
            r.labels.forEach((l, i) => (map[i] = classes[l]!));
            predictions.semantic.get(name)!.set(image.id, map);
            break;
          }
          case 'caption': {
            const r = await timed(sum, () => model.caption(handle));
            predictions.captions.get(name)!.push({ imageId: image.id, text: r.text });
            break;
          }
          case 'refer-box':
          case 'refer-mask': {
            for (const ref of refsByImage.get(image.id) ?? []) {
              for (const sentence of sentencesOf(ref, mode)) {
                const r = await timed(sum, () => model.refer(handle, sentence, { mask: kind === 'refer-mask' }));
                const box: Box | null = r.box ? [r.box.x1, r.box.y1, r.box.x2, r.box.y2] : null;
                let mask: rle.CocoRle | null = null;
                if (r.mask) {
                  const encoded = rle.encode(r.mask.data, r.mask.height, r.mask.width);
                  mask = { size: encoded.size, counts: rle.toString(encoded) };
                }
                predictions.refer.get(name)!.push({ refId: ref.ref_id, imageId: image.id, annId: ref.ann_id, sentence, box, mask, text: r.text });
              }
            }
            break;
          }
        }
      }
    } finally {
      model.releaseImage(handle);
    }
    options.onProgress?.({ done: index + 1, total: images.length, image: image.file_name, elapsedMs: performance.now() - start });
  }
  const timings = Object.fromEntries([...sums].map(([name, s]) => [name, s.mean()]));
  return { predictions, timings, sentences };
}

function annotationBox(data: Dataset, annId: number): Box {
  const [x, y, w, h] = data.annotations.get(annId)!.bbox!;
  return [x, y, x + w, y + h];
}

function annotationMask(data: Dataset, annId: number): Uint8Array {
  return rle.decode(rle.fromCoco(data.annotations.get(annId)!.segmentation as rle.CocoRle));
}

/** Metrics of the predictions, task by task, from src/eval's functions alone. */
export async function score(
  data: Dataset,
  tasks: Record<string, TaskKind>,
  predictions: Predictions,
  captionExamples = 5,
): Promise<Record<string, TaskMetrics>> {
  const metrics: Record<string, TaskMetrics> = {};
  const images = new Map<number, DatasetImage>(data.instances.images.map((i) => [i.id, i]));
  for (const [name, kind] of Object.entries(tasks)) {
    switch (kind) {
      case 'refer-box': {
        const list = predictions.refer.get(name)!;
        if (list.length === 0) break; // no refs in the data: nothing to score
        const m = recMetrics(list.map((p) => ({ prediction: p.box, target: annotationBox(data, p.annId) })));
        metrics[name] = { kind, metric: 'REC', ...m };
        break;
      }
      case 'refer-mask': {
        const list = predictions.refer.get(name)!;
        if (list.length === 0) break;
        // A generator: one decoded pair at a time, not every mask of the set at once.
        const samples = function* () {
          for (const p of list) {
            const target = annotationMask(data, p.annId);
            yield { prediction: p.mask ? rle.decode(rle.fromCoco(p.mask)) : new Uint8Array(target.length), target };
          }
        };
        metrics[name] = { kind, metric: 'RES', ...resMetrics(samples()) };
        break;
      }
      case 'grid-box':
      case 'grid-mask': {
        const results = predictions.coco.get(name)!;
        const r = cocoEvaluate(data.instances, results, kind === 'grid-box' ? 'bbox' : 'segm');
        metrics[name] = { kind, metric: kind === 'grid-box' ? 'box AP' : 'mask AP', stats: r.stats, perCategory: r.perCategory, detections: results.length };
        break;
      }
      case 'grid-semantic': {
        const names = ['background', ...data.instances.categories.map((c) => c.name ?? String(c.id))];
        const labels = [0, ...data.instances.categories.map((c) => c.id)];
        const matrix = new ConfusionMatrix(Math.max(...labels) + 1);
        for (const [imageId, map] of predictions.semantic.get(name)!) matrix.add(map, await readLabelMap(data, images.get(imageId)!));
        const m = semanticMetrics(matrix);
        const perClass = labels.map((l, k) => ({ name: names[k]!, iou: m.iou[l]!, accuracy: m.accuracy[l]! }));
        metrics[name] = { kind, metric: 'mIoU', mIoU: m.mIoU, mAcc: m.mAcc, aAcc: m.aAcc, perClass };
        break;
      }
      case 'caption': {
        const list = predictions.captions.get(name)!;
        const examples = list.slice(0, captionExamples).map((c) => ({
          image: images.get(c.imageId)!.file_name, prediction: c.text, references: data.captions.get(c.imageId) ?? [],
        }));
        metrics[name] = { kind, metric: 'examples', count: list.length, examples };
        break;
      }
    }
  }
  return metrics;
}

/** predict, then score. */
export async function evaluate(model: UfoModel, data: Dataset, options: EvalOptions = {}): Promise<EvalResult & { predictions: Predictions }> {
  const tasks = selectTasks(model, options.tasks);
  const start = performance.now();
  const { predictions, timings, sentences } = await predict(model, data, tasks, options);
  const metrics = await score(data, tasks, predictions, options.captionExamples);
  return { tasks, metrics, timings, images: data.instances.images.length, sentences, seconds: (performance.now() - start) / 1000, predictions };
}
