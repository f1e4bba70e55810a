// Matrix NMS against a torch implementation written from spec §5.1 step 10. Same indices; scores rtol 1e-5.
import { describe, expect, test } from 'vitest';
import { loadFixture } from '../kernels/fixtures';
import { matrixNms } from './matrix-nms';

interface Case {
  n: number;
  labels: number[];
  scores: number[];
  intersections: number[];
  kept: number[];
  keptScores: number[];
}

describe('matrixNms', () => {
  for (const f of loadFixture<Case>('matrix-nms')) {
    test(`matches torch: n=${f.n}`, () => {
      const out = matrixNms(f.intersections, f.labels, Float32Array.from(f.scores));
      expect(out.indices).toEqual(f.kept);
      for (const [i, e] of f.keptScores.entries()) expect(Math.abs(out.scores[i]! - e)).toBeLessThanOrEqual(1e-5 * e);
    });
  }

  test('only the upper triangle is read', () => {
    const f = loadFixture<Case>('matrix-nms').find((c) => c.n === 8)!;
    const upper = f.intersections.map((v, i) => (Math.floor(i / f.n) <= i % f.n ? v : 0));
    expect(matrixNms(upper, f.labels, f.scores)).toEqual(matrixNms(f.intersections, f.labels, f.scores));
  });

  test('debug case: a duplicate is decayed, another label is not', () => {
    // Masks 0 and 1: area 10, overlap 5 (IoU 1/3), same label; mask 2 identical to 0, other label.
    const inter = [10, 5, 10, 5, 10, 5, 10, 5, 10];
    const out = matrixNms(inter, [0, 0, 1], [0.9, 0.8, 0.7]);
    // decay_1 = exp(-2 (1/9 - 0)) = 0.80, so mask 1 (0.64) falls behind mask 2, alone in its label.
    expect(out.indices).toEqual([0, 2, 1]);
    expect(out.scores[1]).toBe(0.7);
    expect(out.scores[2]).toBeCloseTo(0.8 * Math.exp(-2 / 9), 12);
    // An exact duplicate of the same label: exp(-2) * 0.8 = 0.108 survives filterThr 0.05, not 0.2.
    const dup = [10, 10, 10, 10];
    expect(matrixNms(dup, [0, 0], [0.9, 0.8]).scores[1]).toBeCloseTo(0.8 * Math.exp(-2), 12);
    expect(matrixNms(dup, [0, 0], [0.9, 0.8], { filterThr: 0.2 }).indices).toEqual([0]);
    expect(matrixNms(dup, [0, 0], [0.9, 0.8], { maxNum: 1 }).indices).toEqual([0]);
  });

  test('empty input and bad lengths', () => {
    expect(matrixNms([], [], [])).toEqual({ indices: [], scores: [] });
    expect(() => matrixNms([1, 0, 0], [0], [1])).toThrow(/intersections/);
    expect(() => matrixNms([1], [0, 1], [1])).toThrow(/labels/);
  });
});
