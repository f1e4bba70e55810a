// Per-image, per-category matching of detections to ground truth, as pycocotools' COCOeval.evaluateImg.

import { checkFinite, checkInteger, checkSameLength } from './check';

/**
 * numpy.linspace(start, stop, num), reproduced to the bit: the thresholds are compared with IoUs and
 * recalls using >=, so 0.07 and 7 * 0.01 (= 0.07000000000000001) give different answers.
 */
function linspace(start: number, stop: number, num: number): number[] {
  const step = (stop - start) / (num - 1);
  const out = Array.from({ length: num }, (_, i) => i * step + start);
  out[num - 1] = stop;
  return out;
}

/** IoU thresholds .50:.05:.95 (10 values). */
export const IOU_THRESHOLDS: readonly number[] = Object.freeze(linspace(0.5, 0.95, 10));
/** Recall points 0:.01:1 (101 values) at which precision is sampled. */
export const RECALL_THRESHOLDS: readonly number[] = Object.freeze(linspace(0, 1, 101));
/** Maximum detections per image for the recall summaries; the last one also caps AP. */
export const MAX_DETS = Object.freeze([1, 10, 100] as const);

/** Object-size ranges on area in pixels, both ends inclusive. */
export const AREA_RANGES = Object.freeze({
  all: Object.freeze([0, 1e10] as const),
  small: Object.freeze([0, 32 ** 2] as const),
  medium: Object.freeze([32 ** 2, 96 ** 2] as const),
  large: Object.freeze([96 ** 2, 1e10] as const),
});
export type AreaRangeName = keyof typeof AREA_RANGES;
/** Area range names in pycocotools' order (the A axis of the precision and recall arrays). */
export const AREA_RANGE_NAMES: readonly AreaRangeName[] = Object.freeze(['all', 'small', 'medium', 'large']);

/** What matching needs of a ground-truth object. */
export interface MatchGt {
  readonly area: number;
  readonly iscrowd: boolean;
}

/** What matching needs of a detection. */
export interface MatchDt {
  readonly area: number;
  readonly score: number;
}

/** Matching of one image and category at every IoU threshold. */
export interface ImageEval {
  /** Indices into the detections, by descending score (ties keep input order), at most maxDet. */
  readonly dtOrder: readonly number[];
  /** Scores of the detections in `dtOrder`. */
  readonly dtScores: readonly number[];
  /** Per ground truth (input order): crowd, or area outside the range; such objects need not be found. */
  readonly gtIgnore: readonly boolean[];
  /** `dtMatch[t][i]`: index of the ground truth matched by detection `dtOrder[i]` at threshold t, or -1. */
  readonly dtMatch: readonly (readonly number[])[];
  /** `dtIgnore[t][i]`: the detection counts neither as true nor as false positive at threshold t. */
  readonly dtIgnore: readonly (readonly boolean[])[];
}

/** Stable descending order of scores, as numpy's argsort(-scores, kind='mergesort'). */
export function orderByScore(scores: readonly number[]): number[] {
  // Array.prototype.sort is stable (ES2019), so ties keep their input order.
  return scores.map((_, i) => i).sort((a, b) => (scores[b] ?? 0) - (scores[a] ?? 0));
}

/**
 * Greedy matching at each IoU threshold. Detections are visited by descending score (capped at
 * maxDet); each takes the still-unmatched ground truth with the highest IoU >= the threshold
 * (ties: the later one), trying non-ignored ground truths first and falling back to ignored ones only
 * if no regular one qualifies. A crowd ground truth can absorb any number of detections.
 * A detection matched to an ignored ground truth is ignored, and so is an unmatched one whose area is
 * outside `areaRange`. Returns null when the image has neither ground truths nor detections.
 *
 * @param ious `ious[d][g]` for detection d and ground truth g, in input order.
 */
export function evaluateImage(
  gts: readonly MatchGt[],
  dts: readonly MatchDt[],
  ious: readonly ArrayLike<number>[],
  areaRange: readonly [number, number],
  maxDet: number,
  iouThresholds: readonly number[] = IOU_THRESHOLDS,
): ImageEval | null {
  checkSameLength('ious', ious, 'dts', dts);
  ious.forEach((row, d) => checkSameLength(`ious[${d}]`, row, 'gts', gts));
  checkInteger('maxDet', maxDet);
  const [lo, hi] = areaRange;
  if (!(lo <= hi)) throw new RangeError(`areaRange must be [min, max] with min <= max, got [${lo}, ${hi}]`);
  dts.forEach((d, i) => checkFinite(`dts[${i}].score`, d.score));
  if (gts.length === 0 && dts.length === 0) return null;

  const outside = (a: number): boolean => a < lo || a > hi;
  const gtIgnore = gts.map((g) => g.iscrowd || outside(g.area));
  // Regular ground truths first (stable), so a match to a regular one is final before ignored ones are tried.
  const gtOrder = gts.map((_, i) => i).sort((a, b) => Number(gtIgnore[a]) - Number(gtIgnore[b]));
  const dtOrder = orderByScore(dts.map((d) => d.score)).slice(0, maxDet);

  const dtMatch: number[][] = [];
  const dtIgnore: boolean[][] = [];
  for (const t of iouThresholds) {
    const matchRow = new Array<number>(dtOrder.length).fill(-1);
    const ignoreRow = new Array<boolean>(dtOrder.length).fill(false);
    const gtTaken = new Array<boolean>(gts.length).fill(false);
    dtOrder.forEach((d, i) => {
      const row = ious[d] as ArrayLike<number>;
      // An IoU of exactly 1 must still match at a threshold of 1.
      let bestIou = Math.min(t, 1 - 1e-10);
      let best = -1;
      for (const g of gtOrder) {
        if (gtTaken[g] && !gts[g]?.iscrowd) continue;
        if (best >= 0 && !gtIgnore[best] && gtIgnore[g]) break;
        const v = row[g] ?? 0;
        if (v < bestIou) continue;
        bestIou = v;
        best = g;
      }
      if (best >= 0) {
        matchRow[i] = best;
        ignoreRow[i] = gtIgnore[best] ?? false;
        gtTaken[best] = true;
      } else {
        ignoreRow[i] = outside(dts[d]?.area ?? 0);
      }
    });
    dtMatch.push(matchRow);
    dtIgnore.push(ignoreRow);
  }
  return { dtOrder, dtScores: dtOrder.map((d) => dts[d]?.score ?? 0), gtIgnore, dtMatch, dtIgnore };
}
