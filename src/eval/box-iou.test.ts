import { describe, expect, it } from 'vitest';
import { type Box, boxArea, boxIou, cocoBoxIou, type XywhBox } from './box-iou';
import { randomInt, seededRandom } from './test-random';

describe('boxArea', () => {
  it('is (x2 - x1) * (y2 - y1) with no +1', () => {
    // (12 - 2) * (7 - 3) = 10 * 4 = 40
    expect(boxArea([2, 3, 12, 7])).toBe(40);
    expect(boxArea([5, 5, 5, 9])).toBe(0);
  });
});

describe('boxIou', () => {
  it('matches hand-computed overlaps', () => {
    // Half overlap along x: inter 5*10 = 50, union 100 + 100 - 50 = 150 -> 1/3.
    expect(boxIou([0, 0, 10, 10], [5, 0, 15, 10])).toBeCloseTo(1 / 3, 15);
    // Nested: inter = area of the small box 4*4 = 16, union 100 -> 0.16.
    expect(boxIou([0, 0, 10, 10], [3, 3, 7, 7])).toBeCloseTo(0.16, 15);
    // Corner overlap: inter [1,1,2,2] = 1, union 4 + 4 - 1 = 7.
    expect(boxIou([0, 0, 2, 2], [1, 1, 3, 3])).toBeCloseTo(1 / 7, 15);
    expect(boxIou([0, 0, 10, 10], [0, 0, 10, 10])).toBe(1);
  });

  it('is 0 for touching, disjoint and degenerate boxes', () => {
    expect(boxIou([0, 0, 10, 10], [10, 0, 20, 10])).toBe(0);
    expect(boxIou([0, 0, 10, 10], [20, 20, 30, 30])).toBe(0);
    expect(boxIou([5, 5, 5, 5], [5, 5, 5, 5])).toBe(0);
  });

  it('rejects inverted, non-finite and short boxes', () => {
    expect(() => boxIou([10, 0, 0, 10], [0, 0, 1, 1])).toThrow(RangeError);
    expect(() => boxIou([0, 0, 1, 1], [0, 0, NaN, 1])).toThrow(/b\[2\] \(x2\)/);
    expect(() => boxIou([0, 0, 1] as unknown as Box, [0, 0, 1, 1])).toThrow(TypeError);
  });

  it('is symmetric, in [0, 1], and equals the unit-cell count on integer boxes (seeded)', () => {
    const random = seededRandom(7);
    const randomBox = (): Box => {
      const x1 = randomInt(random, 0, 12);
      const y1 = randomInt(random, 0, 12);
      return [x1, y1, x1 + randomInt(random, 0, 8), y1 + randomInt(random, 0, 8)];
    };
    // Independent reference: count the unit cells [x, x+1) x [y, y+1) each box covers.
    const cells = (b: Box): Set<number> => {
      const s = new Set<number>();
      for (let y = b[1]; y < b[3]; y++) for (let x = b[0]; x < b[2]; x++) s.add(y * 100 + x);
      return s;
    };
    for (let n = 0; n < 500; n++) {
      const a = randomBox();
      const b = randomBox();
      const v = boxIou(a, b);
      expect(v).toBe(boxIou(b, a));
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThanOrEqual(1);
      const ca = cells(a);
      const cb = cells(b);
      const inter = [...ca].filter((c) => cb.has(c)).length;
      const union = ca.size + cb.size - inter;
      expect(v).toBeCloseTo(union === 0 ? 0 : inter / union, 12);
    }
  });
});

describe('cocoBoxIou', () => {
  it('uses [x, y, w, h] boxes and the detection area as union for crowds', () => {
    const dt: XywhBox[] = [[0, 0, 10, 10], [20, 20, 5, 5]];
    const gt: XywhBox[] = [[5, 0, 10, 10], [0, 0, 100, 100]];
    const ious = cocoBoxIou(dt, gt, [0, 1]);
    // dt0 vs gt0: inter 5*10 = 50, union 150 -> 1/3. dt0 vs crowd gt1: inter 100 / dt area 100 = 1.
    expect(ious[0]![0]).toBeCloseTo(1 / 3, 15);
    expect(ious[0]![1]).toBe(1);
    // dt1 vs gt0: disjoint -> 0. dt1 vs crowd gt1: 25 / 25 = 1.
    expect(ious[1]![0]).toBe(0);
    expect(ious[1]![1]).toBe(1);
    // Without the crowd flag: 25 / (25 + 10000 - 25) = 0.0025.
    expect(cocoBoxIou([[20, 20, 5, 5]], [[0, 0, 100, 100]], [0])[0]![0]).toBeCloseTo(0.0025, 15);
  });

  it('returns a dt x gt matrix and checks its inputs', () => {
    expect(cocoBoxIou([], [[0, 0, 1, 1]], [0])).toEqual([]);
    expect(cocoBoxIou([[0, 0, 1, 1]], [], [])).toEqual([[]]);
    expect(() => cocoBoxIou([[0, 0, 1, 1]], [[0, 0, 1, 1]], [])).toThrow(/iscrowd/);
    expect(() => cocoBoxIou([[0, 0, -1, 1]], [], [])).toThrow(RangeError);
  });
});
