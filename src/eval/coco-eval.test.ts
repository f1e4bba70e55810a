import { describe, expect, it } from 'vitest';
import type { XywhBox } from './box-iou';
import { cocoEvaluate } from './coco-eval';
import { COCO_STAT_NAMES, type CocoAnnotation, type CocoDataset, type CocoResult, type CocoStats } from './coco-types';
import * as rle from './rle';
import { randomInt, seededRandom } from './test-random';

// pycocotools computes precision as tp / (tp + fp + eps) with eps = 2.2e-16, so a perfect AP comes out
// as 0.9999999999999998: compare to 12 digits.
const DIGITS = 12;

interface GtSpec {
  image: number;
  cat?: number;
  bbox: XywhBox;
  area?: number;
  iscrowd?: 0 | 1;
}

/** A dataset of images 1..nImages and categories 1..nCats; gt area defaults to the box area. */
function dataset(nImages: number, nCats: number, gts: GtSpec[]): CocoDataset {
  const annotations: CocoAnnotation[] = gts.map((g, i) => ({
    id: i + 1,
    image_id: g.image,
    category_id: g.cat ?? 1,
    bbox: g.bbox,
    area: g.area ?? g.bbox[2] * g.bbox[3],
    iscrowd: g.iscrowd ?? 0,
  }));
  return {
    images: Array.from({ length: nImages }, (_, i) => ({ id: i + 1 })),
    categories: Array.from({ length: nCats }, (_, i) => ({ id: i + 1, name: `c${i + 1}` })),
    annotations,
  };
}

const det = (image: number, bbox: XywhBox, score: number, cat = 1): CocoResult => ({
  image_id: image,
  category_id: cat,
  bbox,
  score,
});

function expectStats(stats: CocoStats, expected: Partial<CocoStats>): void {
  for (const [k, v] of Object.entries(expected)) {
    expect(stats[k as keyof CocoStats], k).toBeCloseTo(v, DIGITS);
  }
}

describe('cocoEvaluate (bbox), hand-derived', () => {
  it('perfect detections score 1, and area ranges without ground truth give -1', () => {
    // Every gt is 40x40 = 1600 px, in the medium range [32^2, 96^2] = [1024, 9216].
    const gt = dataset(2, 2, [
      { image: 1, cat: 1, bbox: [0, 0, 40, 40] },
      { image: 1, cat: 2, bbox: [50, 50, 40, 40] },
      { image: 2, cat: 1, bbox: [10, 10, 40, 40] },
    ]);
    const dts = [det(1, [0, 0, 40, 40], 0.9, 1), det(1, [50, 50, 40, 40], 0.8, 2), det(2, [10, 10, 40, 40], 0.7, 1)];
    const { stats, perCategory } = cocoEvaluate(gt, dts, 'bbox');
    expectStats(stats, { AP: 1, AP50: 1, AP75: 1, APs: -1, APm: 1, APl: -1 });
    expectStats(stats, { AR1: 1, AR10: 1, AR100: 1, ARs: -1, ARm: 1, ARl: -1 });
    expect(perCategory.map((c) => [c.categoryId, c.name])).toEqual([[1, 'c1'], [2, 'c2']]);
    // pycocotools' stats order: AP, AP50, AP75, APs, APm, APl, AR1, AR10, AR100, ARs, ARm, ARl.
    expect(COCO_STAT_NAMES.map((k) => Math.round(stats[k]))).toEqual([1, 1, 1, -1, 1, -1, 1, 1, 1, -1, 1, -1]);
    expect(perCategory[1]!.AP).toBeCloseTo(1, DIGITS);
  });

  it('a false positive scored above the only true positive halves AP', () => {
    // Sorted: FP (.9), TP (.8). tp = [0, 1], fp = [1, 1] -> recall [0, 1], precision [0, 1/2].
    // Made monotone from the right: [1/2, 1/2]. Every recall threshold 0..1 reads 1/2 -> AP = 0.5.
    // With maxDets = 1 only the FP is kept, so AR1 = 0.
    const gt = dataset(1, 1, [{ image: 1, bbox: [0, 0, 40, 40] }]);
    const { stats } = cocoEvaluate(gt, [det(1, [100, 100, 40, 40], 0.9), det(1, [0, 0, 40, 40], 0.8)], 'bbox');
    expectStats(stats, { AP: 0.5, AP50: 0.5, AP75: 0.5, AR1: 0, AR10: 1, AR100: 1 });
  });

  it('interpolates precision over 101 recall points', () => {
    // Two gts; detections TP (.9), FP (.8), TP (.7): recall [.5, .5, 1], precision [1, 1/2, 2/3],
    // monotone [1, 2/3, 2/3]. Thresholds 0, .01, ..., .50 (51 of them) first reach recall at index 0
    // -> 1; thresholds .51 ... 1 (50) reach it at index 2 -> 2/3. AP = (51 + 50 * 2/3) / 101 = 253/303.
    const gt = dataset(1, 1, [
      { image: 1, bbox: [0, 0, 40, 40] },
      { image: 1, bbox: [100, 0, 40, 40] },
    ]);
    const dts = [det(1, [0, 0, 40, 40], 0.9), det(1, [200, 200, 40, 40], 0.8), det(1, [100, 0, 40, 40], 0.7)];
    const { stats } = cocoEvaluate(gt, dts, 'bbox');
    expectStats(stats, { AP: 253 / 303, AP50: 253 / 303, AR100: 1 });
  });

  it('counts a detection only at the IoU thresholds it reaches', () => {
    // gt 100x50 = 5000 px, dt 100x31 inside it: IoU = 3100 / 5000 = 0.62, a TP at .50, .55, .60 only.
    // At those AP is 1, at the other 7 the lone FP gives precision 0: AP = 3/10, AR = 3/10.
    const gt = dataset(1, 1, [{ image: 1, bbox: [0, 0, 100, 50] }]);
    const { stats } = cocoEvaluate(gt, [det(1, [0, 0, 100, 31], 0.9)], 'bbox');
    expectStats(stats, { AP: 0.3, AP50: 1, AP75: 0, AR100: 0.3 });
  });

  it('lets a crowd region absorb detections instead of counting them as false positives', () => {
    // Three boxes inside a crowd region score above the only TP. Crowd IoU = inter / dt area = 1, so
    // they match the crowd and are ignored: AP = 1. Were they FPs, precision would be 1/4 -> AP 0.25.
    const gt = dataset(1, 1, [
      { image: 1, bbox: [0, 0, 200, 200], iscrowd: 1 },
      { image: 1, bbox: [300, 300, 50, 50] },
    ]);
    const dts = [
      det(1, [10, 10, 20, 20], 0.95),
      det(1, [50, 50, 30, 30], 0.9),
      det(1, [100, 100, 40, 40], 0.85),
      det(1, [300, 300, 50, 50], 0.5),
    ];
    expectStats(cocoEvaluate(gt, dts, 'bbox').stats, { AP: 1, AR100: 1 });
  });

  it('gives -1 everywhere when the only ground truth is a crowd', () => {
    const gt = dataset(1, 1, [{ image: 1, bbox: [0, 0, 200, 200], iscrowd: 1 }]);
    const { stats, perCategory } = cocoEvaluate(gt, [det(1, [0, 0, 20, 20], 0.9)], 'bbox');
    for (const v of Object.values(stats)) expect(v).toBe(-1);
    expect(perCategory[0]!.AP).toBe(-1);
  });

  it('splits by area: gt area for ground truth, box area for unmatched detections', () => {
    // gt A small (10x10 = 100), gt B large (100x100 = 10000), both found exactly. A large FP
    // (100x100 far away) scores highest.
    // small range: B and its TP are ignored; the FP is unmatched and outside [0, 1024] -> ignored;
    //   A's TP alone -> APs = 1.
    // large range: A ignored; the FP counts: FP then TP -> APl = 0.5 (as in the FP-first case).
    // medium range: no gt inside -> -1.
    // all: FP, TP, TP over 2 gts -> recall [0, .5, 1], precision [0, 1/2, 2/3] -> monotone 2/3 everywhere.
    const gt = dataset(1, 1, [
      { image: 1, bbox: [0, 0, 10, 10] },
      { image: 1, bbox: [200, 200, 100, 100] },
    ]);
    const dts = [det(1, [500, 500, 100, 100], 0.99), det(1, [0, 0, 10, 10], 0.9), det(1, [200, 200, 100, 100], 0.8)];
    const { stats } = cocoEvaluate(gt, dts, 'bbox');
    expectStats(stats, { AP: 2 / 3, APs: 1, APm: -1, APl: 0.5, ARs: 1, ARm: -1, ARl: 1, AR1: 0, AR10: 1 });
  });

  it('uses the annotation area, not the box, for the ground-truth range', () => {
    // A 40x40 box annotated with area 500 (a thin object in it) is "small".
    const gt = dataset(1, 1, [{ image: 1, bbox: [0, 0, 40, 40], area: 500 }]);
    const { stats } = cocoEvaluate(gt, [det(1, [0, 0, 40, 40], 0.9)], 'bbox');
    expectStats(stats, { APs: 1, APm: -1 });
  });

  it('recall at maxDets: two objects, one detection each', () => {
    // AR1 keeps the top detection per image: 1 of 2 found. AR10 finds both.
    const gt = dataset(1, 1, [
      { image: 1, bbox: [0, 0, 40, 40] },
      { image: 1, bbox: [100, 0, 40, 40] },
    ]);
    const { stats } = cocoEvaluate(gt, [det(1, [0, 0, 40, 40], 0.9), det(1, [100, 0, 40, 40], 0.8)], 'bbox');
    expectStats(stats, { AR1: 0.5, AR10: 1, AR100: 1, AP: 1 });
  });

  it('caps each image at 100 detections by score', () => {
    // 100 FPs outscore the only TP, which is the 101st detection and so is dropped: AP = AR100 = 0.
    const gt = dataset(1, 1, [{ image: 1, bbox: [0, 0, 40, 40] }]);
    const fps = Array.from({ length: 100 }, (_, i) => det(1, [1000 + 50 * i, 1000, 40, 40], 0.9));
    const { stats } = cocoEvaluate(gt, [...fps, det(1, [0, 0, 40, 40], 0.1)], 'bbox');
    expectStats(stats, { AP: 0, AR100: 0 });
  });

  it('averages AP over categories that have ground truth, and reports each', () => {
    // Category 1: perfect (1). Category 2: FP above TP (0.5). Category 3: detections but no gt (-1, left out).
    const gt = dataset(1, 3, [
      { image: 1, cat: 1, bbox: [0, 0, 40, 40] },
      { image: 1, cat: 2, bbox: [0, 0, 40, 40] },
    ]);
    const dts = [
      det(1, [0, 0, 40, 40], 0.9, 1),
      det(1, [300, 0, 40, 40], 0.9, 2),
      det(1, [0, 0, 40, 40], 0.8, 2),
      det(1, [0, 0, 40, 40], 0.8, 3),
    ];
    const { stats, perCategory } = cocoEvaluate(gt, dts, 'bbox');
    expectStats(stats, { AP: 0.75, AR100: 1 });
    expect(perCategory.map((c) => c.AP)).toEqual([
      expect.closeTo(1, DIGITS),
      expect.closeTo(0.5, DIGITS),
      -1,
    ]);
  });

  it('reproduces the searchsorted quirk of linspace recall thresholds', () => {
    // 100 images with one gt each. TPs on images 1..35 rank first, then one FP, then TPs on 36..100.
    // Precision is 1 up to recall .35 (index 34), then tp / (tp + 1) rising to 100/101, so the monotone
    // curve is 1 at indices 0..34 and 100/101 after. The 36th recall threshold is 35 * 0.01 =
    // 0.35000000000000003 > 0.35, so it reads index 36 (100/101), not index 34 (1):
    // AP@.5 = (35 * 1 + 66 * 100/101) / 101. Exact thresholds would give (36 + 65 * 100/101) / 101.
    const gts: GtSpec[] = Array.from({ length: 100 }, (_, i) => ({ image: i + 1, bbox: [0, 0, 40, 40] }));
    const dts: CocoResult[] = gts.map((_, i) => det(i + 1, [0, 0, 40, 40], i < 35 ? 0.9 - i * 1e-4 : 0.5 - i * 1e-4));
    dts.push(det(36, [200, 200, 40, 40], 0.6));
    const { stats } = cocoEvaluate(dataset(100, 1, gts), dts, 'bbox');
    expect(stats.AP50).toBeCloseTo((35 + (66 * 100) / 101) / 101, DIGITS);
  });
});

describe('cocoEvaluate (segm), hand-derived', () => {
  /** Row-major mask of an h x w image with the rectangle rows y0..y1-1, cols x0..x1-1 set. */
  function rect(h: number, w: number, y0: number, y1: number, x0: number, x1: number): Uint8Array {
    const m = new Uint8Array(h * w);
    for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) m[y * w + x] = 1;
    return m;
  }
  const json = (m: Uint8Array, h: number, w: number): rle.CocoRle => {
    const r = rle.encode(m, h, w);
    return { size: r.size, counts: rle.toString(r) };
  };

  it('scores mask IoU 0.8 as a TP at .50 ... .80 (7 of 10 thresholds)', () => {
    // gt: 5x5 = 25 px; dt: its left 5x4 = 20 px -> IoU 20/25 = 0.8, which equals threshold #6 exactly.
    const gt: CocoDataset = {
      images: [{ id: 7 }],
      categories: [{ id: 3 }],
      annotations: [
        { id: 1, image_id: 7, category_id: 3, area: 25, segmentation: json(rect(10, 10, 0, 5, 0, 5), 10, 10) },
      ],
    };
    const dt: CocoResult = { image_id: 7, category_id: 3, score: 0.9, segmentation: json(rect(10, 10, 0, 5, 0, 4), 10, 10) };
    const { stats, perCategory } = cocoEvaluate(gt, [dt], 'segm');
    expectStats(stats, { AP: 0.7, AP50: 1, AP75: 1, AR100: 0.7, APs: 0.7 });
    expect(perCategory[0]!.name).toBe('3');
  });

  it('reads crowd masks with list counts and ranges detections by mask area', () => {
    // 120x120 image. gt0: regular 100x100 = 10000 px (large). gt1: crowd, rows 110..119 (uncompressed counts).
    // dt0 (.99): 2x2 = 4 px far from gt0, unmatched: in the large range its *mask* area 4 is outside
    //   [9216, 1e10] -> ignored, though its bbox field (a 100x100 box) would be large.
    // dt1 (.95): inside the crowd strip -> absorbed. dt2 (.9): exactly gt0.
    // large: only dt2 counts -> APl = 1. all: dt0 is an FP above the TP -> AP = 0.5.
    const h = 120;
    const w = 120;
    const crowd = rle.encode(rect(h, w, 110, 120, 0, 120), h, w);
    const gt: CocoDataset = {
      images: [{ id: 1 }],
      categories: [{ id: 1 }],
      annotations: [
        { id: 1, image_id: 1, category_id: 1, area: 10000, segmentation: json(rect(h, w, 0, 100, 0, 100), h, w) },
        {
          id: 2, image_id: 1, category_id: 1, area: 1200, iscrowd: 1,
          segmentation: { size: [h, w], counts: Array.from(crowd.counts) },
        },
      ],
    };
    const dts: CocoResult[] = [
      { image_id: 1, category_id: 1, score: 0.99, bbox: [0, 0, 100, 100], segmentation: json(rect(h, w, 105, 107, 105, 107), h, w) },
      { image_id: 1, category_id: 1, score: 0.95, segmentation: json(rect(h, w, 112, 118, 10, 30), h, w) },
      { image_id: 1, category_id: 1, score: 0.9, segmentation: json(rect(h, w, 0, 100, 0, 100), h, w) },
    ];
    expectStats(cocoEvaluate(gt, dts, 'segm').stats, { APl: 1, AP: 0.5, ARl: 1, APs: -1, APm: -1 });
  });
});

describe('cocoEvaluate input checks', () => {
  const gt = dataset(1, 1, [{ image: 1, bbox: [0, 0, 4, 4] }]);
  it('throws on references to unknown images or categories', () => {
    expect(() => cocoEvaluate(gt, [det(9, [0, 0, 1, 1], 1)], 'bbox')).toThrow(/image 9/);
    expect(() => cocoEvaluate(gt, [det(1, [0, 0, 1, 1], 1, 5)], 'bbox')).toThrow(/category 5/);
  });
  it('throws on missing geometry, polygons, bad scores and bad iouType', () => {
    expect(() => cocoEvaluate(gt, [{ image_id: 1, category_id: 1, score: 1 }], 'bbox')).toThrow(/no bbox/);
    expect(() => cocoEvaluate(gt, [], 'segm')).toThrow(/no segmentation/);
    const poly: CocoDataset = { ...gt, annotations: [{ ...gt.annotations[0]!, segmentation: [[0, 0, 4, 0, 4, 4]] }] };
    expect(() => cocoEvaluate(poly, [], 'segm')).toThrow(/polygon/);
    expect(() => cocoEvaluate(gt, [det(1, [0, 0, 1, 1], NaN)], 'bbox')).toThrow(/score/);
    expect(() => cocoEvaluate(gt, [], 'keypoints' as 'bbox')).toThrow(TypeError);
    expect(() => cocoEvaluate({ ...gt, images: [{ id: 1 }, { id: 1 }] }, [], 'bbox')).toThrow(/twice/);
  });
});

describe('cocoEvaluate properties (seeded)', () => {
  const random = seededRandom(31);
  /** 1..4 images, 1..3 categories, 0..4 objects per image with random boxes, some crowds. */
  function randomCase(): { gt: CocoDataset; perfect: CocoResult[]; noisy: CocoResult[] } {
    const nImages = randomInt(random, 1, 4);
    const nCats = randomInt(random, 1, 3);
    const gts: GtSpec[] = [];
    for (let image = 1; image <= nImages; image++) {
      for (let n = randomInt(random, 0, 4); n > 0; n--) {
        const size = randomInt(random, 5, 150);
        gts.push({
          image,
          cat: randomInt(random, 1, nCats),
          bbox: [randomInt(random, 0, 400), randomInt(random, 0, 400), size, randomInt(random, 5, 150)],
          iscrowd: random() < 0.15 ? 1 : 0,
        });
      }
    }
    // Distinct scores, so any input order ranks the same way.
    const perfect = gts.map((g, i) => det(g.image, g.bbox, 0.5 + i * 1e-3, g.cat));
    const noisy = perfect.map((d) => {
      const [x, y, w, h] = d.bbox!;
      const jitter = (): number => randomInt(random, -8, 8);
      return { ...d, bbox: [x + jitter(), y + jitter(), w, h] as const, score: random() };
    });
    return { gt: dataset(nImages, nCats, gts), perfect, noisy };
  }
  const hasRegular = (gt: CocoDataset): boolean => gt.annotations.some((a) => !a.iscrowd);

  it('perfect detections give AP 1 whenever a regular object exists, else -1', () => {
    for (let n = 0; n < 50; n++) {
      const { gt, perfect } = randomCase();
      const { stats } = cocoEvaluate(gt, perfect, 'bbox');
      if (hasRegular(gt)) expect(stats.AP).toBeCloseTo(1, DIGITS);
      else expect(stats.AP).toBe(-1);
    }
  });

  it('stats lie in [0, 1] or are -1, ignore result order, and a last-ranked stray detection changes nothing', () => {
    for (let n = 0; n < 50; n++) {
      const { gt, noisy } = randomCase();
      const base = cocoEvaluate(gt, noisy, 'bbox').stats;
      for (const v of Object.values(base)) expect(v === -1 || (v >= 0 && v <= 1)).toBe(true);
      const shuffled = [...noisy].sort(() => random() - 0.5);
      expect(cocoEvaluate(gt, shuffled, 'bbox').stats).toEqual(base);
      // A detection far from every object, scored below all others, only appends a point after the
      // curve's last recall: precision at the recall thresholds and the final recall stay the same.
      const stray = det(1, [5000, 5000, 40, 40], -1, 1);
      expect(cocoEvaluate(gt, [...noisy, stray], 'bbox').stats).toEqual(base);
    }
  });
});
