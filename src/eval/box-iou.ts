import { checkFinite, checkSameLength } from './check';

/**
 * An axis-aligned box `[x1, y1, x2, y2]` in pixels: (x1, y1) is the top-left corner and (x2, y2) the
 * bottom-right one, continuous coordinates, so the area is `(x2 - x1) * (y2 - y1)` with no +1
 * (the convention of torchvision's `box_iou` and of REC benchmarks, unlike the old Pascal VOC code).
 */
export type Box = readonly [x1: number, y1: number, x2: number, y2: number];

/** Throws unless `box` has four finite coordinates with x1 <= x2 and y1 <= y2. */
export function checkBox(name: string, box: Box): void {
  if (box.length !== 4) throw new TypeError(`${name} must have 4 numbers [x1, y1, x2, y2], got ${box.length}`);
  const [x1, y1, x2, y2] = box;
  checkFinite(`${name}[0] (x1)`, x1);
  checkFinite(`${name}[1] (y1)`, y1);
  checkFinite(`${name}[2] (x2)`, x2);
  checkFinite(`${name}[3] (y2)`, y2);
  // An inverted box has a negative "area"; silently clamping it would hide a coordinate-order bug upstream.
  if (x2 < x1 || y2 < y1) {
    throw new RangeError(`${name} must have x1 <= x2 and y1 <= y2, got [${box.join(', ')}]`);
  }
}

/** Area of a box: `(x2 - x1) * (y2 - y1)`. */
export function boxArea(box: Box): number {
  checkBox('box', box);
  return (box[2] - box[0]) * (box[3] - box[1]);
}

/**
 * Intersection over union of two boxes, in [0, 1]. Boxes that only touch, and degenerate (zero-area)
 * boxes, give 0: there is no overlapping region to agree on.
 */
export function boxIou(a: Box, b: Box): number {
  checkBox('a', a);
  checkBox('b', b);
  const iw = Math.min(a[2], b[2]) - Math.max(a[0], b[0]);
  const ih = Math.min(a[3], b[3]) - Math.max(a[1], b[1]);
  if (iw <= 0 || ih <= 0) return 0;
  const inter = iw * ih;
  const union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter;
  return inter / union;
}

/** `[x, y, width, height]` in pixels, COCO's box format: (x, y) is the top-left corner. */
export type XywhBox = readonly [x: number, y: number, w: number, h: number];

/** Throws unless `box` has four finite numbers with a width and height >= 0. */
export function checkXywhBox(name: string, box: XywhBox): void {
  if (!Array.isArray(box) || box.length !== 4) {
    throw new TypeError(`${name} must be an array of 4 numbers [x, y, w, h]`);
  }
  box.forEach((v, i) => checkFinite(`${name}[${i}]`, v));
  if (box[2] < 0 || box[3] < 0) {
    throw new RangeError(`${name} must have width and height >= 0, got [${box.join(', ')}]`);
  }
}

/**
 * IoU of every detection box with every ground-truth box, `ious[d][g]`, both `[x, y, w, h]`
 * (pycocotools `iou` on boxes). For a crowd ground truth the union is the detection's area alone,
 * as for masks, so a detection inside a crowd region scores 1.
 */
export function cocoBoxIou(
  dt: readonly XywhBox[],
  gt: readonly XywhBox[],
  iscrowd: ReadonlyArray<boolean | number>,
): number[][] {
  checkSameLength('gt', gt, 'iscrowd', iscrowd);
  dt.forEach((d, i) => checkXywhBox(`dt[${i}]`, d));
  gt.forEach((g, i) => checkXywhBox(`gt[${i}]`, g));
  return dt.map(([dx, dy, dw, dh]) =>
    gt.map(([gx, gy, gw, gh], j) => {
      const iw = Math.min(dx + dw, gx + gw) - Math.max(dx, gx);
      const ih = Math.min(dy + dh, gy + gh) - Math.max(dy, gy);
      if (iw <= 0 || ih <= 0) return 0;
      const inter = iw * ih;
      return inter / (iscrowd[j] ? dw * dh : dw * dh + gw * gh - inter);
    }),
  );
}
