// Linear soft-NMS against a torch implementation of mmcv's loop (spec §4.6 step 5). Same indices
// in the same order; scores rtol 1e-5 (torch runs in f32, the twin in f64).
import { describe, expect, test } from 'vitest';
import { loadFixture } from '../kernels/fixtures';
import { softNmsLinear } from './soft-nms';

interface Case {
  n: number;
  boxes: number[];
  scores: number[];
  labels: number[];
  kept: number[];
  keptScores: number[];
}

describe('softNmsLinear', () => {
  for (const f of loadFixture<Case>('soft-nms')) {
    test(`matches torch: n=${f.n}`, () => {
      const out = softNmsLinear(f.boxes, f.scores, f.labels);
      expect(out.indices).toEqual(f.kept);
      for (const [i, e] of f.keptScores.entries()) expect(Math.abs(out.scores[i]! - e)).toBeLessThanOrEqual(1e-5 * e);
    });
  }

  test('debug case: IoU 0.6 decays by 0.4, IoU 1/3 does not, other classes never', () => {
    const boxes = [
      0, 0, 10, 10, // 0: score 0.9
      0, 0, 10, 6, // 1: IoU 0.6 with box 0
      0, 0, 10, 5, // 2: IoU 0.5 with box 0 (>= threshold, mmcv), 5/6 with box 1
      5, 0, 15, 10, // 3: IoU 1/3 with box 0
      0, 0, 10, 10, // 4: identical to box 0, other class
    ];
    const out = softNmsLinear(boxes, [0.9, 0.8, 0.7, 0.6, 0.5], [0, 0, 0, 0, 1]);
    // After 0: box 1 -> 0.8 * 0.4 = 0.32, box 2 -> 0.7 * 0.5 = 0.35, box 3 unchanged.
    // Then 3 (0.6; IoU 0.3 with box 1 and 0.2 with box 2: no decay), then 4 (0.5, alone in its
    // class), then 2 (0.35; IoU 5/6 with box 1, which drops to 0.32 / 6), then 1.
    expect(out.indices).toEqual([0, 3, 4, 2, 1]);
    expect(out.scores[3]).toBeCloseTo(0.35, 12);
    expect(out.scores[4]).toBeCloseTo(0.32 * (1 - 5 / 6), 12);
  });

  test('a box below min_score is dropped, unless it is selected first', () => {
    expect(softNmsLinear([0, 0, 1, 1, 5, 5, 6, 6], [0.9, 5e-4], [0, 0]).indices).toEqual([0]);
    expect(softNmsLinear([0, 0, 1, 1], [5e-4], [0]).indices).toEqual([0]);
  });

  test('bad lengths throw RangeError naming the argument', () => {
    expect(() => softNmsLinear([0, 0, 1], [1], [0])).toThrow(/boxes/);
    expect(() => softNmsLinear([0, 0, 1, 1], [1], [])).toThrow(/labels/);
  });
});
