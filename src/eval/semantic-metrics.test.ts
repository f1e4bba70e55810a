import { describe, expect, it } from 'vitest';
import { ConfusionMatrix, semanticMetrics } from './semantic-metrics';
import { randomInt, seededRandom } from './test-random';

describe('ConfusionMatrix + semanticMetrics', () => {
  // gt   0 0 1 1 2 255     the last pixel is ignored
  // pred 0 1 1 1 0 2
  // rows = gt, cols = pred: row0 [1 1 0], row1 [0 2 0], row2 [1 0 0]
  // IoU0 = 1 / (2 + 2 - 1) = 1/3; IoU1 = 2 / (2 + 3 - 2) = 2/3; IoU2 = 0 / (1 + 0 - 0) = 0
  // mIoU = (1/3 + 2/3 + 0) / 3 = 1/3. Acc = [1/2, 1, 0] -> mAcc 1/2. aAcc = 3/5.
  const gt = Uint8Array.from([0, 0, 1, 1, 2, 255]);
  const pred = Uint8Array.from([0, 1, 1, 1, 0, 2]);

  it('computes IoU, accuracy and their means by hand', () => {
    const cm = new ConfusionMatrix(3);
    cm.add(pred, gt);
    expect(Array.from(cm.counts)).toEqual([1, 1, 0, 0, 2, 0, 1, 0, 0]);
    const m = semanticMetrics(cm);
    expect(m.iou[0]).toBeCloseTo(1 / 3, 15);
    expect(m.iou[1]).toBeCloseTo(2 / 3, 15);
    expect(m.iou[2]).toBe(0);
    expect(m.mIoU).toBeCloseTo(1 / 3, 15);
    expect(Array.from(m.accuracy)).toEqual([0.5, 1, 0]);
    expect(m.mAcc).toBe(0.5);
    expect(m.aAcc).toBeCloseTo(0.6, 15);
  });

  it('leaves a class absent from both maps out of the mean (NaN), but counts a predicted-only class as 0', () => {
    // Class 3 never appears: NaN, same mIoU as above.
    const cm = new ConfusionMatrix(4);
    cm.add(pred, gt);
    const m = semanticMetrics(cm);
    expect(m.iou[3]).toBeNaN();
    expect(m.accuracy[3]).toBeNaN();
    expect(m.mIoU).toBeCloseTo(1 / 3, 15);
    // A class only predicted (gt 0, pred 3) has union 1 and IoU 0, and lowers IoU0 to 1/2 -> mean (1/2 + 0) / 2.
    const only = new ConfusionMatrix(4);
    only.add(Uint16Array.from([0, 3]), Uint16Array.from([0, 0]));
    const o = semanticMetrics(only);
    expect(o.iou[3]).toBe(0);
    expect(o.iou[0]).toBe(0.5);
    expect(o.mIoU).toBe(0.25);
  });

  it('accumulates images and honours a custom ignore index', () => {
    const cm = new ConfusionMatrix(2, 0xffff);
    cm.add(Int32Array.from([0, 1]), Int32Array.from([0, 0xffff]));
    cm.add(Int32Array.from([1]), Int32Array.from([1]));
    // Pixels kept: (gt0, pred0), (gt1, pred1): IoU [1, 1].
    expect(Array.from(semanticMetrics(cm).iou)).toEqual([1, 1]);
  });

  it('rejects mismatched lengths, out-of-range labels and bad class counts', () => {
    const cm = new ConfusionMatrix(3);
    expect(() => cm.add(new Uint8Array(2), new Uint8Array(3))).toThrow(/length 2.*length 3/);
    expect(() => cm.add(Uint8Array.from([0]), Uint8Array.from([3]))).toThrow(/groundTruth\[0\] = 3/);
    expect(() => cm.add(Uint8Array.from([7]), Uint8Array.from([0]))).toThrow(/prediction\[0\] = 7/);
    expect(() => new ConfusionMatrix(0)).toThrow(/numClasses/);
  });

  it('matches per-class IoU counted directly from pixel sets (seeded)', () => {
    const random = seededRandom(99);
    const n = 5;
    const cm = new ConfusionMatrix(n);
    const inter = new Array(n).fill(0);
    const union = new Array(n).fill(0);
    for (let img = 0; img < 20; img++) {
      const len = randomInt(random, 1, 64);
      // Class 4 is never drawn, so it must come out NaN.
      const g = Uint8Array.from({ length: len }, () => (random() < 0.1 ? 255 : randomInt(random, 0, 3)));
      const p = Uint8Array.from({ length: len }, () => randomInt(random, 0, 3));
      cm.add(p, g);
      for (let i = 0; i < len; i++) {
        if (g[i] === 255) continue;
        for (let c = 0; c < n; c++) {
          const inP = p[i] === c;
          const inG = g[i] === c;
          if (inP && inG) inter[c]++;
          if (inP || inG) union[c]++;
        }
      }
    }
    const m = semanticMetrics(cm);
    for (let c = 0; c < 4; c++) expect(m.iou[c]).toBeCloseTo(inter[c] / union[c], 14);
    expect(m.iou[4]).toBeNaN();
    const expectedMean = [0, 1, 2, 3].reduce((s, c) => s + inter[c] / union[c], 0) / 4;
    expect(m.mIoU).toBeCloseTo(expectedMean, 14);
  });
});
