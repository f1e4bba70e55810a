// COCO-style detection and instance-segmentation evaluation, reproducing pycocotools' COCOeval
// (evaluate, accumulate, summarize) for iouType 'bbox' and 'segm'.

import { checkXywhBox, cocoBoxIou, type XywhBox } from './box-iou';
import { checkFinite } from './check';
import { accumulate, summarize } from './coco-accumulate';
import {
  AREA_RANGE_NAMES,
  AREA_RANGES,
  evaluateImage,
  type ImageEval,
  MAX_DETS,
  type MatchDt,
  type MatchGt,
  orderByScore,
} from './coco-match';
import type { CocoDataset, CocoEvalResult, CocoPolygons, CocoResult, IouType } from './coco-types';
import * as rle from './rle';

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
      // Nothing to match: pycocotools' evaluateImg returns None, which evals already holds.
      if (g.length === 0 && dts[i]![k]!.length === 0) continue;
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

  const accumulated = accumulate(evals);
  const { stats, perCategory: aps } = summarize(accumulated);
  const categoryIds = [...catIndex.keys()];
  const names = new Map(gt.categories.map((c) => [c.id, c.name ?? String(c.id)]));
  const perCategory = categoryIds.map((id, k) => ({
    categoryId: id,
    name: names.get(id) ?? String(id),
    ...aps[k]!,
  }));
  return { stats, perCategory, categoryIds, precision: accumulated.precision, recall: accumulated.recall };
}
