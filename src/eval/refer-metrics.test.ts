import { describe, expect, it } from 'vitest';
import { maskIntersectionUnion, recMetrics, resMetrics } from './refer-metrics';
import { randomInt, randomMask, seededRandom } from './test-random';

describe('recMetrics', () => {
  it('computes Acc@0.5 and mean IoU by hand', () => {
    // target [0,0,10,10] (area 100) against:
    //   itself                 -> IoU 1
    //   [5,0,15,10]: inter 50, union 150 -> 1/3 (a miss)
    //   [0,0,10,5]:  inter 50, union 100 -> 1/2 (a hit: IoU >= 0.5 counts)
    //   no box                 -> 0
    // accuracy = 2/4; mean IoU = (1 + 1/3 + 1/2 + 0) / 4 = (11/6) / 4 = 11/24.
    const target = [0, 0, 10, 10] as const;
    const m = recMetrics([
      { prediction: [0, 0, 10, 10], target },
      { prediction: [5, 0, 15, 10], target },
      { prediction: [0, 0, 10, 5], target },
      { prediction: null, target },
    ]);
    expect(m.accuracy).toBe(0.5);
    expect(m.meanIou).toBeCloseTo(11 / 24, 15);
    expect(m.count).toBe(4);
    // With a threshold of 0.3 the IoU-1/3 sample hits and the missing box does not: 1/2.
    expect(recMetrics([{ prediction: [5, 0, 15, 10], target }, { prediction: null, target }], 0.3).accuracy).toBe(0.5);
  });

  it('accepts any iterable and rejects empty input, bad boxes and bad thresholds', () => {
    function* one() {
      yield { prediction: [0, 0, 2, 2] as const, target: [0, 0, 2, 2] as const };
    }
    expect(recMetrics(one()).accuracy).toBe(1);
    expect(() => recMetrics([])).toThrow(/at least one sample/);
    expect(() => recMetrics([{ prediction: [3, 0, 1, 1], target: [0, 0, 1, 1] }])).toThrow(/prediction of sample 0/);
    expect(() => recMetrics([{ prediction: null, target: [0, 0, 1, 1] }], 1.5)).toThrow(RangeError);
  });
});

describe('resMetrics', () => {
  it('computes cIoU and gIoU by hand', () => {
    // sample   pred  target  I  U  IoU
    //   1      1100  1000    1  2  1/2
    //   2      0000  0000    0  0  1 (empty on empty)
    //   3      1111  0011    2  4  1/2
    //   4      0000  1110    0  3  0
    // cIoU = (1 + 0 + 2 + 0) / (2 + 0 + 4 + 3) = 3/9; gIoU = (1/2 + 1 + 1/2 + 0) / 4 = 1/2.
    const s = (p: number[], t: number[]) => ({ prediction: Uint8Array.from(p), target: Uint8Array.from(t) });
    const m = resMetrics([
      s([1, 1, 0, 0], [1, 0, 0, 0]),
      s([0, 0, 0, 0], [0, 0, 0, 0]),
      s([1, 1, 1, 1], [0, 0, 1, 1]),
      s([0, 0, 0, 0], [1, 1, 1, 0]),
    ]);
    expect(m.cIoU).toBeCloseTo(1 / 3, 15);
    expect(m.gIoU).toBe(0.5);
    expect(m.count).toBe(4);
  });

  it('gives NaN cIoU when every mask is empty, and checks its input', () => {
    const empty = { prediction: new Uint8Array(3), target: new Uint8Array(3) };
    const m = resMetrics([empty]);
    expect(m.cIoU).toBeNaN();
    expect(m.gIoU).toBe(1);
    expect(() => resMetrics([])).toThrow(RangeError);
    expect(() => resMetrics([{ prediction: new Uint8Array(3), target: new Uint8Array(4) }])).toThrow(/sample 0/);
  });

  it('per-sample IoU is symmetric and in [0, 1] (seeded)', () => {
    const random = seededRandom(11);
    for (let n = 0; n < 200; n++) {
      const len = randomInt(random, 1, 40);
      const a = randomMask(random, 1, len, random());
      const b = randomMask(random, 1, len, random());
      const ab = maskIntersectionUnion(a, b);
      expect(maskIntersectionUnion(b, a)).toEqual(ab);
      expect(ab.intersection).toBeLessThanOrEqual(ab.union);
      const g = resMetrics([{ prediction: a, target: b }]).gIoU;
      expect(g).toBeGreaterThanOrEqual(0);
      expect(g).toBeLessThanOrEqual(1);
    }
  });
});
