// Input and output types of the COCO evaluation, shaped like COCO JSON so files load as-is.

import type { XywhBox } from './box-iou';
import type { CocoRle } from './rle';

/** Which geometry the IoU is computed on. */
export type IouType = 'bbox' | 'segm';

/** A COCO polygon list; accepted by the types so COCO JSON loads as-is, but rejected for 'segm'. */
export type CocoPolygons = readonly (readonly number[])[];

/** An image of the ground truth; only `id` is used. */
export interface CocoImage {
  readonly id: number;
  readonly width?: number;
  readonly height?: number;
}

/** A category; `name` labels the per-category table. */
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
  readonly segmentation?: CocoRle | CocoPolygons;
  /** Object area in pixels; it decides the small/medium/large range in both modes, as in COCO. */
  readonly area: number;
  readonly iscrowd?: number | boolean;
}

/** A COCO ground-truth file: every image and category evaluated, and the objects in them. */
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
  readonly segmentation?: CocoRle;
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

/** What `cocoEvaluate` returns. */
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
