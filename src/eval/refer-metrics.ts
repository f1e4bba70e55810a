// Referring-expression metrics: REC (one box per expression) and RES (one mask per expression).

import { type Box, boxIou, checkBox } from './box-iou';
import { checkSameLength } from './check';

/** One REC sample: the predicted box (null when the model gave no parsable box) and the target. */
export interface RecSample {
  readonly prediction: Box | null;
  readonly target: Box;
}

export interface RecMetrics {
  /** Fraction of samples whose prediction has IoU >= the threshold with the target (Acc@0.5 by default). */
  readonly accuracy: number;
  /** Mean box IoU over samples; a missing prediction counts 0. */
  readonly meanIou: number;
  readonly count: number;
}

/** Acc@threshold and mean IoU of REC predictions. Throws a RangeError when there are no samples. */
export function recMetrics(samples: Iterable<RecSample>, threshold = 0.5): RecMetrics {
  if (!(threshold >= 0 && threshold <= 1)) throw new RangeError(`threshold must be in [0, 1], got ${threshold}`);
  let hits = 0;
  let iouSum = 0;
  let count = 0;
  for (const { prediction, target } of samples) {
    checkBox(`target of sample ${count}`, target);
    if (prediction !== null) checkBox(`prediction of sample ${count}`, prediction);
    const iou = prediction === null ? 0 : boxIou(prediction, target);
    if (iou >= threshold) hits++;
    iouSum += iou;
    count++;
  }
  if (count === 0) throw new RangeError('recMetrics needs at least one sample');
  return { accuracy: hits / count, meanIou: iouSum / count, count };
}

/** One RES sample: predicted and target binary masks of the same pixels (nonzero = foreground). */
export interface ResSample {
  readonly prediction: Uint8Array;
  readonly target: Uint8Array;
}

export interface ResMetrics {
  /** Cumulative IoU: total intersection over total union of the whole set (large objects weigh more). */
  readonly cIoU: number;
  /** Mean per-sample IoU; an empty prediction of an empty target counts 1. */
  readonly gIoU: number;
  readonly count: number;
}

/** Foreground pixels in both masks, and in either. */
export function maskIntersectionUnion(prediction: Uint8Array, target: Uint8Array): {
  intersection: number;
  union: number;
} {
  checkSameLength('prediction', prediction, 'target', target);
  let intersection = 0;
  let union = 0;
  for (let i = 0; i < prediction.length; i++) {
    const p = prediction[i] !== 0;
    const t = target[i] !== 0;
    if (p && t) intersection++;
    if (p || t) union++;
  }
  return { intersection, union };
}

/**
 * cIoU and gIoU of RES predictions. cIoU is NaN when every mask of the set is empty (no union to
 * divide by). Throws a RangeError when there are no samples or a pair differs in length.
 */
export function resMetrics(samples: Iterable<ResSample>): ResMetrics {
  let totalIntersection = 0;
  let totalUnion = 0;
  let iouSum = 0;
  let count = 0;
  for (const { prediction, target } of samples) {
    if (prediction.length !== target.length) {
      throw new RangeError(`sample ${count}: prediction has ${prediction.length} pixels, target ${target.length}`);
    }
    const { intersection, union } = maskIntersectionUnion(prediction, target);
    totalIntersection += intersection;
    totalUnion += union;
    // Both empty: the model rightly found nothing, which is a perfect answer.
    iouSum += union === 0 ? 1 : intersection / union;
    count++;
  }
  if (count === 0) throw new RangeError('resMetrics needs at least one sample');
  return { cIoU: totalUnion === 0 ? NaN : totalIntersection / totalUnion, gIoU: iouSum / count, count };
}
