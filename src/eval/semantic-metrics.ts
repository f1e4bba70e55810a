// Semantic segmentation metrics from a confusion matrix, with mmsegmentation's conventions:
// pixels whose ground truth is the ignore index are skipped, and a class absent from both prediction
// and ground truth has IoU NaN and is left out of the mean.

import { checkInteger, checkSameLength } from './check';

/** A per-pixel class map, any layout, as long as prediction and ground truth share it. */
export type LabelMap = Uint8Array | Uint16Array | Int32Array;

/** Pixel counts `counts[gt * numClasses + pred]` accumulated over any number of label maps. */
export class ConfusionMatrix {
  readonly numClasses: number;
  readonly ignoreIndex: number;
  /** Row = ground-truth class, column = predicted class. Float64 stays exact to 2^53 pixels. */
  readonly counts: Float64Array;

  /** @param ignoreIndex ground-truth value whose pixels are not counted (255 as in mmseg). */
  constructor(numClasses: number, ignoreIndex = 255) {
    checkInteger('numClasses', numClasses, 1);
    if (!Number.isInteger(ignoreIndex)) throw new RangeError(`ignoreIndex must be an integer, got ${ignoreIndex}`);
    this.numClasses = numClasses;
    this.ignoreIndex = ignoreIndex;
    this.counts = new Float64Array(numClasses * numClasses);
  }

  /**
   * Adds one image. Throws a RangeError when the maps differ in length or a label (other than an
   * ignored ground truth) is outside [0, numClasses): such a pixel would otherwise vanish from the
   * union unnoticed.
   */
  add(prediction: LabelMap, groundTruth: LabelMap): void {
    checkSameLength('prediction', prediction, 'groundTruth', groundTruth);
    const n = this.numClasses;
    for (let i = 0; i < groundTruth.length; i++) {
      const g = groundTruth[i] as number;
      if (g === this.ignoreIndex) continue;
      const p = prediction[i] as number;
      if (g < 0 || g >= n) throw new RangeError(`groundTruth[${i}] = ${g} is not a class in [0, ${n}) nor ignoreIndex`);
      if (p < 0 || p >= n) throw new RangeError(`prediction[${i}] = ${p} is not a class in [0, ${n})`);
      this.counts[g * n + p]! += 1;
    }
  }
}

export interface SemanticMetrics {
  /** Per-class intersection over union; NaN for a class in neither prediction nor ground truth. */
  readonly iou: Float64Array;
  /** Per-class accuracy (recall): correct pixels over ground-truth pixels; NaN for a class absent from the ground truth. */
  readonly accuracy: Float64Array;
  /** Mean of the defined per-class IoUs (NaN if none). */
  readonly mIoU: number;
  /** Mean of the defined per-class accuracies (NaN if none). */
  readonly mAcc: number;
  /** Correct pixels over all counted pixels (NaN if none). */
  readonly aAcc: number;
}

function nanMean(values: Float64Array): number {
  let sum = 0;
  let count = 0;
  for (const v of values) {
    if (!Number.isNaN(v)) {
      sum += v;
      count++;
    }
  }
  return count > 0 ? sum / count : NaN;
}

/** IoU, accuracy and their means from an accumulated confusion matrix (mmseg `mIoU`, `mAcc`, `aAcc`). */
export function semanticMetrics(matrix: ConfusionMatrix): SemanticMetrics {
  const n = matrix.numClasses;
  const c = matrix.counts;
  const iou = new Float64Array(n);
  const accuracy = new Float64Array(n);
  let correct = 0;
  let total = 0;
  for (let k = 0; k < n; k++) {
    let gtArea = 0;
    let predArea = 0;
    for (let j = 0; j < n; j++) {
      gtArea += c[k * n + j]!;
      predArea += c[j * n + k]!;
    }
    const inter = c[k * n + k]!;
    // 0 / 0 is NaN, which marks the class as absent.
    iou[k] = inter / (gtArea + predArea - inter);
    accuracy[k] = inter / gtArea;
    correct += inter;
    total += gtArea;
  }
  return { iou, accuracy, mIoU: nanMean(iou), mAcc: nanMean(accuracy), aAcc: correct / total };
}
