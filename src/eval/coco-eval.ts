// COCO-style detection and instance-segmentation evaluation, reproducing pycocotools' COCOeval
// (evaluate, accumulate, summarize) for iouType 'bbox' and 'segm'.

import { checkXywhBox, cocoBoxIou, type XywhBox } from './box-iou';
import { checkFinite } from './check';
import {
  AREA_RANGE_NAMES,
  AREA_RANGES,
  evaluateImage,
  type ImageEval,
  IOU_THRESHOLDS,
  MAX_DETS,
  type MatchDt,
  type MatchGt,
  orderByScore,
  RECALL_THRESHOLDS,
} from './coco-match';
import * as rle from './rle';

/** Which geometry the IoU is computed on. */
export type IouType = 'bbox' | 'segm';

/** A COCO polygon list; accepted by the types so COCO JSON loads as-is, but rejected for 'segm'. */
export type CocoPolygons = readonly (readonly number[])[];

export interface CocoImage {
  readonly id: number;
  readonly width?: number;
  readonly height?: number;
}

export interface CocoCategory {
  readonly id: number;
  readonly name?: string;
}

/** A ground-truth object. `bbox` is needed for 'bbox', an RLE `segmentation` for 'segm'. */
export interface CocoAnnotation {
  readonly id: number;
  readonly image_id: number;
  readonly category_id: number;
  readonly bbox?: XywhBox;
  readonly segmentation?: rle.CocoRle | CocoPolygons;
  /** Object area in pixels; it decides the small/medium/large range in both modes, as in COCO. */
  readonly area: number;
  readonly iscrowd?: number | boolean;
}

export interface CocoDataset {
  readonly images: readonly CocoImage[];
  readonly annotations: readonly CocoAnnotation[];
  readonly categories: readonly CocoCategory[];
}

/** A detection. `bbox` is needed for 'bbox', an RLE `segmentation` for 'segm'. */
export interface CocoResult {
  readonly image_id: number;
  readonly category_id: number;
  readonly score: number;
  readonly bbox?: XywhBox;
  readonly segmentation?: rle.CocoRle;
}

/** The 12 numbers of COCOeval.summarize(), -1 where undefined (no ground truth in that setting). */
export interface CocoStats {
  readonly AP: number;
  readonly AP50: number;
  readonly AP75: number;
  readonly APs: number;
  readonly APm: number;
  readonly APl: number;
  readonly AR1: number;
  readonly AR10: number;
  readonly AR100: number;
  readonly ARs: number;
  readonly ARm: number;
  readonly ARl: number;
}

/** Keys of CocoStats in pycocotools' `stats` order. */
export const COCO_STAT_NAMES: readonly (keyof CocoStats)[] = Object.freeze([
  'AP', 'AP50', 'AP75', 'APs', 'APm', 'APl', 'AR1', 'AR10', 'AR100', 'ARs', 'ARm', 'ARl',
]);

/** AP of one category (area 'all', 100 detections), -1 when it has no ground truth. */
export interface CocoCategoryAp {
  readonly categoryId: number;
  readonly name: string;
  readonly AP: number;
  readonly AP50: number;
  readonly AP75: number;
}

export interface CocoEvalResult {
  readonly stats: CocoStats;
  /** Per category, in ascending id order. */
  readonly perCategory: readonly CocoCategoryAp[];
  /** Sorted category ids: the K axis. */
  readonly categoryIds: readonly number[];
  /** pycocotools `eval['precision']`, shape [T, R, K, A, M] (row-major), -1 where a category has no ground truth. */
  readonly precision: Float64Array;
  /** pycocotools `eval['recall']`, shape [T, K, A, M] (row-major). */
  readonly recall: Float64Array;
}

interface PreparedGt extends MatchGt {
  readonly box: XywhBox | null;
  readonly mask: rle.Rle | null;
}

interface PreparedDt extends MatchDt {
  readonly box: XywhBox | null;
  readonly mask: rle.Rle | null;
}

function indexIds(name: string, items: readonly { id: number }[]): Map<number, number> {
  const ids = items.map((it) => it.id).sort((a, b) => a - b);
  const index = new Map<number, number>();
  for (const id of ids) {
    if (index.has(id)) throw new RangeError(`${name} id ${id} appears twice`);
    index.set(id, index.size);
  }
  return index;
}

function segmentationOf(name: string, seg: rle.CocoRle | CocoPolygons | undefined): rle.Rle {
  if (seg === undefined) throw new TypeError(`${name} has no segmentation, needed for iouType 'segm'`);
  if (Array.isArray(seg)) {
    throw new TypeError(`${name} has a polygon segmentation; convert it to RLE first (only RLE is supported)`);
  }
  return rle.fromCoco(seg as rle.CocoRle);
}

function boxOf(name: string, box: XywhBox | undefined): XywhBox {
  if (box === undefined) throw new TypeError(`${name} has no bbox, needed for iouType 'bbox'`);
  checkXywhBox(`${name}.bbox`, box);
  return box;
}

/** An empty [image][category] table of lists. */
function bucket<T>(nImages: number, nCats: number): T[][][] {
  return Array.from({ length: nImages }, () => Array.from({ length: nCats }, () => []));
}

function lookup(map: Map<number, number>, id: number, what: string, where: string): number {
  const i = map.get(id);
  if (i === undefined) throw new RangeError(`${where} refers to ${what} ${id}, which the ground truth lacks`);
  return i;
}

/** Precision at each recall threshold and final recall for one (category, area, maxDet, threshold). */
function precisionCurve(
  matched: readonly boolean[],
  ignored: readonly boolean[],
  numGt: number,
): { precision: number[]; recall: number } {
  const n = matched.length;
  const rc = new Float64Array(n);
  const pr = new Array<number>(n);
  let tp = 0;
  let fp = 0;
  // Ignored detections stay in the curve as repeated points, as in pycocotools' cumsum.
  for (let i = 0; i < n; i++) {
    if (!ignored[i]) {
      if (matched[i]) tp++;
      else fp++;
    }
    rc[i] = tp / numGt;
    // Number.EPSILON is numpy.spacing(1); it turns 0/0 into 0 and keeps the rounding pycocotools has.
    pr[i] = tp / (fp + tp + Number.EPSILON);
  }
  // Interpolated precision: the best precision at any recall at least as high.
  for (let i = n - 1; i > 0; i--) pr[i - 1] = Math.max(pr[i - 1] ?? 0, pr[i] ?? 0);
  // For each threshold, the first point whose recall reaches it (numpy searchsorted, side='left').
  // Thresholds past the final recall keep precision 0.
  const precision = RECALL_THRESHOLDS.map(() => 0);
  let i = 0;
  RECALL_THRESHOLDS.forEach((thr, r) => {
    while (i < n && (rc[i] ?? 0) < thr) i++;
    if (i < n) precision[r] = pr[i] ?? 0;
  });
  return { precision, recall: n > 0 ? (rc[n - 1] ?? 0) : 0 };
}

/** Mean of the entries > -1, or -1 when there are none (pycocotools `_summarize`). */
function meanDefined(values: Iterable<number>): number {
  let sum = 0;
  let count = 0;
  for (const v of values) {
    if (v > -1) {
      sum += v;
      count++;
    }
  }
  return count > 0 ? sum / count : -1;
}

/**
 * Evaluates detections against a COCO ground truth as pycocotools' COCOeval does, with the default
 * parameters (IoU .50:.95, 101 recall points, maxDets 1/10/100, areas all/small/medium/large).
 *
 * Differences from pycocotools, all on inputs it would mishandle rather than on results: results
 * for unknown images or categories, duplicate ids and polygon segmentations throw instead of being
 * asserted, dropped or converted. A detection's area is its box's w * h for 'bbox' and its mask's
 * pixel count for 'segm' (pycocotools uses the box area whenever a result carries a bbox, which is
 * why detectron2 strips boxes before mask evaluation).
 */
export function cocoEvaluate(gt: CocoDataset, results: readonly CocoResult[], iouType: IouType): CocoEvalResult {
  if (iouType !== 'bbox' && iouType !== 'segm') {
    throw new TypeError(`iouType must be 'bbox' or 'segm', got ${JSON.stringify(iouType)}`);
  }
  const imageIndex = indexIds('image', gt.images);
  const catIndex = indexIds('category', gt.categories);
  const I = imageIndex.size;
  const K = catIndex.size;
  const gts = bucket<PreparedGt>(I, K);
  const dts = bucket<PreparedDt>(I, K);

  gt.annotations.forEach((a, n) => {
    const where = `annotations[${n}] (id ${a.id})`;
    const i = lookup(imageIndex, a.image_id, 'image', where);
    const k = lookup(catIndex, a.category_id, 'category', where);
    checkFinite(`${where}.area`, a.area);
    if (a.area < 0) throw new RangeError(`${where}.area must be >= 0, got ${a.area}`);
    gts[i]![k]!.push({
      area: a.area,
      iscrowd: Boolean(a.iscrowd),
      box: iouType === 'bbox' ? boxOf(where, a.bbox) : null,
      mask: iouType === 'segm' ? segmentationOf(where, a.segmentation) : null,
    });
  });
  results.forEach((d, n) => {
    const where = `results[${n}]`;
    const i = lookup(imageIndex, d.image_id, 'image', where);
    const k = lookup(catIndex, d.category_id, 'category', where);
    checkFinite(`${where}.score`, d.score);
    const box = iouType === 'bbox' ? boxOf(where, d.bbox) : null;
    const mask = iouType === 'segm' ? segmentationOf(where, d.segmentation) : null;
    const area = box ? box[2] * box[3] : rle.area(mask as rle.Rle);
    dts[i]![k]!.push({ area, score: d.score, box, mask });
  });

  const maxDet = MAX_DETS[MAX_DETS.length - 1] as number;
  const A = AREA_RANGE_NAMES.length;
  // evals[k][a][i], images in ascending id order as pycocotools concatenates them.
  const evals: (ImageEval | null)[][][] = Array.from({ length: K }, () =>
    Array.from({ length: A }, () => new Array<ImageEval | null>(I).fill(null)),
  );
  for (let i = 0; i < I; i++) {
    for (let k = 0; k < K; k++) {
      const g = gts[i]![k]!;
      // IoUs are computed once for the top maxDet detections by score, shared by all area ranges.
      const d = orderByScore(dts[i]![k]!.map((x) => x.score))
        .slice(0, maxDet)
        .map((j) => dts[i]![k]![j]!);
      const crowd = g.map((x) => x.iscrowd);
      const ious =
        iouType === 'bbox'
          ? cocoBoxIou(d.map((x) => x.box!), g.map((x) => x.box!), crowd)
          : rle.iou(d.map((x) => x.mask!), g.map((x) => x.mask!), crowd);
      AREA_RANGE_NAMES.forEach((name, a) => {
        evals[k]![a]![i] = evaluateImage(g, d, ious, AREA_RANGES[name], maxDet);
      });
    }
  }

  const T = IOU_THRESHOLDS.length;
  const R = RECALL_THRESHOLDS.length;
  const M = MAX_DETS.length;
  const precision = new Float64Array(T * R * K * A * M).fill(-1);
  const recall = new Float64Array(T * K * A * M).fill(-1);
  for (let k = 0; k < K; k++) {
    for (let a = 0; a < A; a++) {
      const E = evals[k]![a]!.filter((e): e is ImageEval => e !== null);
      if (E.length === 0) continue;
      const numGt = E.reduce((s, e) => s + e.gtIgnore.filter((ig) => !ig).length, 0);
      // Categories without regular ground truth in this range stay -1 and drop out of the means.
      if (numGt === 0) continue;
      MAX_DETS.forEach((md, m) => {
        const scores = E.flatMap((e) => e.dtScores.slice(0, md));
        const order = orderByScore(scores);
        for (let t = 0; t < T; t++) {
          const match = E.flatMap((e) => Array.from(e.dtMatch[t]!.subarray(0, md), (g) => g >= 0));
          const ignore = E.flatMap((e) => Array.from(e.dtIgnore[t]!.subarray(0, md), (v) => v !== 0));
          const curve = precisionCurve(
            order.map((j) => match[j]!),
            order.map((j) => ignore[j]!),
            numGt,
          );
          recall[((t * K + k) * A + a) * M + m] = curve.recall;
          curve.precision.forEach((p, r) => {
            precision[(((t * R + r) * K + k) * A + a) * M + m] = p;
          });
        }
      });
    }
  }

  const aIndex = (name: (typeof AREA_RANGE_NAMES)[number]): number => AREA_RANGE_NAMES.indexOf(name);
  const mIndex = (md: number): number => (MAX_DETS as readonly number[]).indexOf(md);
  /** Precision entries for the given IoU thresholds (all when null), categories, area and maxDet. */
  function* precisions(t: number | null, ks: readonly number[], a: number, m: number): Generator<number> {
    for (let tt = 0; tt < T; tt++) {
      if (t !== null && tt !== t) continue;
      for (let r = 0; r < R; r++) for (const k of ks) yield precision[(((tt * R + r) * K + k) * A + a) * M + m]!;
    }
  }
  function* recalls(a: number, m: number): Generator<number> {
    for (let t = 0; t < T; t++) for (let k = 0; k < K; k++) yield recall[((t * K + k) * A + a) * M + m]!;
  }
  const allK = Array.from({ length: K }, (_, k) => k);
  const t50 = IOU_THRESHOLDS.indexOf(0.5);
  const t75 = IOU_THRESHOLDS.indexOf(0.75);
  const m100 = mIndex(100);
  const stats: CocoStats = {
    AP: meanDefined(precisions(null, allK, aIndex('all'), m100)),
    AP50: meanDefined(precisions(t50, allK, aIndex('all'), m100)),
    AP75: meanDefined(precisions(t75, allK, aIndex('all'), m100)),
    APs: meanDefined(precisions(null, allK, aIndex('small'), m100)),
    APm: meanDefined(precisions(null, allK, aIndex('medium'), m100)),
    APl: meanDefined(precisions(null, allK, aIndex('large'), m100)),
    AR1: meanDefined(recalls(aIndex('all'), mIndex(1))),
    AR10: meanDefined(recalls(aIndex('all'), mIndex(10))),
    AR100: meanDefined(recalls(aIndex('all'), m100)),
    ARs: meanDefined(recalls(aIndex('small'), m100)),
    ARm: meanDefined(recalls(aIndex('medium'), m100)),
    ARl: meanDefined(recalls(aIndex('large'), m100)),
  };

  const categoryIds = [...catIndex.keys()];
  const names = new Map(gt.categories.map((c) => [c.id, c.name ?? String(c.id)]));
  const perCategory = categoryIds.map((id, k) => ({
    categoryId: id,
    name: names.get(id) ?? String(id),
    AP: meanDefined(precisions(null, [k], aIndex('all'), m100)),
    AP50: meanDefined(precisions(t50, [k], aIndex('all'), m100)),
    AP75: meanDefined(precisions(t75, [k], aIndex('all'), m100)),
  }));
  return { stats, perCategory, categoryIds, precision, recall };
}
