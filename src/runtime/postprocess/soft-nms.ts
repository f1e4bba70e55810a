/**
 * Class-aware linear soft-NMS for detection boxes (spec §4.6 step 5): mmcv `batched_nms` with
 * `soft_nms`, method 'linear', iou_threshold 0.5, min_score 1e-3, offset 0.
 *
 * The loop is mmcv's: at step i, swap the highest remaining score into position i (the first
 * one on ties, in current array order); decay every later box j of the same class with
 * IoU >= threshold by (1 - IoU); a box whose score falls below min_score is replaced by the last
 * box and the array shrinks. Positions 0..kept-1 are the output, in selection order.
 * mmcv compares IoU with `>=` (the spec's prose says `>`; the code is the reference).
 * mmcv separates classes by offsetting boxes by label * (max coordinate + 1), so boxes of
 * different classes never overlap; comparing labels is the same rule without the f32 shift.
 */
import type { NmsResult } from './nms-result';

export interface SoftNmsOptions {
  iouThreshold?: number;
  minScore?: number;
}

/**
 * @param boxes (N, 4) row-major x1, y1, x2, y2.
 * @param scores (N).
 * @param labels (N) class per box.
 */
export function softNmsLinear(
  boxes: ArrayLike<number>,
  scores: ArrayLike<number>,
  labels: ArrayLike<number>,
  { iouThreshold = 0.5, minScore = 1e-3 }: SoftNmsOptions = {},
): NmsResult {
  const n = scores.length;
  if (boxes.length !== 4 * n) throw new RangeError(`boxes has ${boxes.length} elements, expected ${4 * n}`);
  if (labels.length !== n) throw new RangeError(`labels has ${labels.length} elements, expected ${n}`);

  const inds = Array.from({ length: n }, (_, i) => i);
  const sc = Array.from(scores);
  const area = (i: number): number => (boxes[4 * i + 2]! - boxes[4 * i]!) * (boxes[4 * i + 3]! - boxes[4 * i + 1]!);
  const swap = (a: number, b: number): void => {
    [inds[a], inds[b]] = [inds[b]!, inds[a]!];
    [sc[a], sc[b]] = [sc[b]!, sc[a]!];
  };

  let count = n;
  for (let i = 0; i < count; i++) {
    let maxPos = i;
    for (let pos = i + 1; pos < count; pos++) if (sc[maxPos]! < sc[pos]!) maxPos = pos;
    swap(i, maxPos);
    const top = inds[i]!;
    const topArea = area(top);
    for (let pos = i + 1; pos < count; pos++) {
      const other = inds[pos]!;
      if (labels[other] === labels[top]) {
        const w = Math.max(0, Math.min(boxes[4 * top + 2]!, boxes[4 * other + 2]!) - Math.max(boxes[4 * top]!, boxes[4 * other]!));
        const h = Math.max(0, Math.min(boxes[4 * top + 3]!, boxes[4 * other + 3]!) - Math.max(boxes[4 * top + 1]!, boxes[4 * other + 1]!));
        const inter = w * h;
        const iou = inter / (topArea + area(other) - inter);
        if (iou >= iouThreshold) sc[pos] = sc[pos]! * (1 - iou);
      }
      // Checked for every later box, decayed or not: mmcv also drops boxes that start below min_score.
      if (sc[pos]! < minScore) {
        // mmcv moves the last box here (not a swap; the dropped box is gone) and looks at pos again.
        inds[pos] = inds[count - 1]!;
        sc[pos] = sc[count - 1]!;
        count--;
        pos--;
      }
    }
  }
  return { indices: inds.slice(0, count), scores: sc.slice(0, count) };
}
