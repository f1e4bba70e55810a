// pycocotools COCOeval.accumulate and summarize: from per-image matches to precision/recall arrays
// and the 12 summary numbers.

import {
  AREA_RANGE_NAMES,
  type AreaRangeName,
  type ImageEval,
  IOU_THRESHOLDS,
  MAX_DETS,
  orderByScore,
  RECALL_THRESHOLDS,
} from './coco-match';
import type { CocoStats } from './coco-types';

const T = IOU_THRESHOLDS.length;
const R = RECALL_THRESHOLDS.length;
const A = AREA_RANGE_NAMES.length;
const M = MAX_DETS.length;

/** pycocotools `eval['precision']` [T, R, K, A, M] and `eval['recall']` [T, K, A, M], row-major, -1 = no data. */
export interface Accumulated {
  readonly numCategories: number;
  readonly precision: Float64Array;
  readonly recall: Float64Array;
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
 * Builds the precision and recall arrays from `evals[k][a][i]` (category, area range in
 * AREA_RANGE_NAMES order, image in ascending id order). For each category, area range and maxDet,
 * the detections of all images (each image cut to maxDet) are ranked by score together.
 */
export function accumulate(evals: readonly (readonly (readonly (ImageEval | null)[])[])[]): Accumulated {
  const K = evals.length;
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
        // Each image's top md detections, pooled and ranked once for all thresholds.
        const scores: number[] = [];
        const owner: ImageEval[] = [];
        const slot: number[] = [];
        for (const e of E) {
          e.dtScores.slice(0, md).forEach((score, i) => {
            scores.push(score);
            owner.push(e);
            slot.push(i);
          });
        }
        const order = orderByScore(scores);
        for (let t = 0; t < T; t++) {
          const curve = precisionCurve(
            order.map((j) => owner[j]!.dtMatch[t]![slot[j]!]! >= 0),
            order.map((j) => owner[j]!.dtIgnore[t]![slot[j]!]!),
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
  return { numCategories: K, precision, recall };
}

/** Summary numbers (pycocotools `stats`) and per-category AP from accumulated arrays. */
export function summarize(acc: Accumulated): { stats: CocoStats; perCategory: { AP: number; AP50: number; AP75: number }[] } {
  const { numCategories: K, precision, recall } = acc;
  const aIndex = (name: AreaRangeName): number => AREA_RANGE_NAMES.indexOf(name);
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

  const perCategory = allK.map((k) => ({
    AP: meanDefined(precisions(null, [k], aIndex('all'), m100)),
    AP50: meanDefined(precisions(t50, [k], aIndex('all'), m100)),
    AP75: meanDefined(precisions(t75, [k], aIndex('all'), m100)),
  }));
  return { stats, perCategory };
}
