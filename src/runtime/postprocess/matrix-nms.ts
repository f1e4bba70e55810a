/**
 * Matrix NMS for instance masks (spec §5.1 step 10; mmdet's mask_matrix_nms with
 * kernel='gaussian'), on the CPU: it needs only the (N, N) intersection matrix of the mask-iou
 * kernel, labels and scores, so the masks themselves never leave the GPU.
 *
 * In score order (descending; equal scores keep input order), with IoU_ij = 0 for different labels:
 *   comp_i  = max_{h < i} IoU_hi                   (how much mask i is itself suppressed)
 *   decay_j = min(1, min_{i < j} exp(-sigma * (IoU_ij^2 - comp_i^2)))
 *   score_j *= decay_j, keep score_j >= filterThr, sort descending, keep the first maxNum.
 * (min(1, ...) is mmdet's minimum over the whole column: its terms for i >= j are >= 1.)
 */
import type { NmsResult } from './nms-result';

export interface MatrixNmsOptions {
  /** Gaussian kernel width; the UFO config uses 2.0. */
  sigma?: number;
  /** Decayed scores below this are dropped; the UFO config uses 0.05. */
  filterThr?: number;
  /** At most this many results; COCO evaluation keeps 100 per image (spec §5.1 step 10). */
  maxNum?: number;
}

/** Input order sorted by score, descending; ties keep input order (Array.prototype.sort is stable). */
function byScoreDesc(scores: ArrayLike<number>, indices: number[]): number[] {
  return indices.sort((a, b) => scores[b]! - scores[a]!);
}

/**
 * @param intersections (N, N) row-major intersection counts; entry (i, j) with i <= j is read, so
 *   an upper-triangular matrix is enough. The diagonal holds the areas.
 * @param labels (N) class per mask.
 * @param scores (N) score per mask.
 */
export function matrixNms(
  intersections: ArrayLike<number>,
  labels: ArrayLike<number>,
  scores: ArrayLike<number>,
  { sigma = 2.0, filterThr = 0.05, maxNum = 100 }: MatrixNmsOptions = {},
): NmsResult {
  const n = scores.length;
  if (labels.length !== n) throw new RangeError(`labels has ${labels.length} elements, scores ${n}`);
  if (intersections.length !== n * n) {
    throw new RangeError(`intersections has ${intersections.length} elements, expected ${n * n}`);
  }
  const order = byScoreDesc(scores, Array.from({ length: n }, (_, i) => i));

  // IoU between the a-th and b-th masks in score order, 0 across labels. Two empty masks have
  // union 0: they are dropped before NMS (spec §5.1 step 7), and count as not overlapping here.
  const iou = (a: number, b: number): number => {
    const i = Math.min(order[a]!, order[b]!);
    const j = Math.max(order[a]!, order[b]!);
    if (labels[i] !== labels[j]) return 0;
    const inter = intersections[i * n + j]!;
    const union = intersections[i * n + i]! + intersections[j * n + j]! - inter;
    return union > 0 ? inter / union : 0;
  };

  const comp = new Float64Array(n);
  for (let b = 0; b < n; b++) {
    for (let a = 0; a < b; a++) comp[b] = Math.max(comp[b]!, iou(a, b));
  }
  const decayed: number[] = [];
  for (let b = 0; b < n; b++) {
    let decay = 1;
    for (let a = 0; a < b; a++) {
      const v = iou(a, b);
      decay = Math.min(decay, Math.exp(-sigma * (v * v - comp[a]! * comp[a]!)));
    }
    decayed.push(scores[order[b]!]! * decay);
  }

  const kept = byScoreDesc(
    decayed,
    decayed.flatMap((s, b) => (s >= filterThr ? [b] : [])),
  ).slice(0, maxNum);
  return { indices: kept.map((b) => order[b]!), scores: kept.map((b) => decayed[b]!) };
}
