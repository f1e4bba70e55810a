import { describe, expect, it } from 'vitest';
import { AREA_RANGES, evaluateImage, IOU_THRESHOLDS, type MatchDt, type MatchGt, RECALL_THRESHOLDS } from './coco-match';

const ALL = AREA_RANGES.all;
const gt = (iscrowd = false, area = 2500): MatchGt => ({ area, iscrowd });
const dt = (score: number, area = 2500): MatchDt => ({ area, score });
// Index of a threshold in IOU_THRESHOLDS (.50 .55 ... .95).
const T = (thr: number): number => Math.round((thr - 0.5) / 0.05);

describe('thresholds', () => {
  it('are numpy.linspace values, bit for bit', () => {
    expect(IOU_THRESHOLDS).toHaveLength(10);
    expect(IOU_THRESHOLDS[0]).toBe(0.5);
    expect(IOU_THRESHOLDS[5]).toBe(0.75);
    expect(IOU_THRESHOLDS[9]).toBe(0.95);
    // linspace(0.5, 0.95, 10)[8] = 8 * (0.45 / 9) + 0.5 rounds below 0.9.
    expect(IOU_THRESHOLDS[8]).toBe(0.8999999999999999);
    expect(RECALL_THRESHOLDS).toHaveLength(101);
    // linspace(0, 1, 101)[35] = 35 * 0.01, which is above 0.35 in binary floating point.
    expect(RECALL_THRESHOLDS[35]).toBe(0.35000000000000003);
    expect(RECALL_THRESHOLDS[100]).toBe(1);
  });
});

describe('evaluateImage', () => {
  it('returns null for an image with neither ground truth nor detections', () => {
    expect(evaluateImage([], [], [], ALL, 100)).toBeNull();
  });

  it('visits detections by score and lets each take the best unmatched ground truth', () => {
    // Scores put dt1 first; it takes gt0 (IoU .9 beats .6). dt0 then finds gt0 taken and gets gt1 (.7).
    const ious = [
      [0.8, 0.7],
      [0.9, 0.6],
    ];
    const e = evaluateImage([gt(), gt()], [dt(0.5), dt(0.9)], ious, ALL, 100)!;
    expect(e.dtOrder).toEqual([1, 0]);
    expect(e.dtScores).toEqual([0.9, 0.5]);
    expect(Array.from(e.dtMatch[T(0.5)]!)).toEqual([0, 1]);
    // At .75 only gt0 qualifies for either; dt1 gets it, dt0 is left unmatched.
    expect(Array.from(e.dtMatch[T(0.75)]!)).toEqual([0, -1]);
    // At .95 nothing matches.
    expect(Array.from(e.dtMatch[T(0.95)]!)).toEqual([-1, -1]);
    expect(Array.from(e.dtIgnore[T(0.5)]!)).toEqual([false, false]);
  });

  it('gives an exact tie in IoU to the later ground truth', () => {
    const e = evaluateImage([gt(), gt()], [dt(0.9), dt(0.8)], [[0.7, 0.7], [0.7, 0.7]], ALL, 100)!;
    expect(Array.from(e.dtMatch[0]!)).toEqual([1, 0]);
  });

  it('matches an IoU of exactly the threshold, and an IoU of 1 at every threshold', () => {
    const e = evaluateImage([gt(), gt()], [dt(0.9), dt(0.8)], [[0.75, 0], [0, 1]], ALL, 100)!;
    // dt0 (IoU .75): matched for .50 ... .75 (6 thresholds), not above.
    expect(Array.from(e.dtMatch, (row) => row[0])).toEqual([0, 0, 0, 0, 0, 0, -1, -1, -1, -1]);
    expect(Array.from(e.dtMatch, (row) => row[1])).toEqual(Array(10).fill(1));
  });

  it('prefers a regular ground truth to a crowd one, even with a lower IoU', () => {
    // gt0 is a crowd (IoU .9), gt1 regular (IoU .6). Regular ones are tried first and a match to one
    // stops the search, so at .50 ... .60 the detection takes gt1; above .60 it falls back to the crowd.
    const e = evaluateImage([gt(true), gt()], [dt(0.9)], [[0.9, 0.6]], ALL, 100)!;
    expect(Array.from(e.dtMatch, (row) => row[0])).toEqual([1, 1, 1, 0, 0, 0, 0, 0, 0, -1]);
    // Matching a crowd makes the detection ignored (neither TP nor FP).
    expect(Array.from(e.dtIgnore, (row) => Number(row[0]))).toEqual([0, 0, 0, 1, 1, 1, 1, 1, 1, 0]);
    expect(e.gtIgnore).toEqual([true, false]);
  });

  it('lets a crowd absorb several detections, while a regular ground truth takes only one', () => {
    const e = evaluateImage([gt(true)], [dt(0.9), dt(0.8), dt(0.7)], [[1], [1], [1]], ALL, 100)!;
    expect(Array.from(e.dtMatch[9]!)).toEqual([0, 0, 0]);
    expect(e.dtIgnore[9]).toEqual([true, true, true]);
    const r = evaluateImage([gt()], [dt(0.9), dt(0.8)], [[1], [1]], ALL, 100)!;
    expect(Array.from(r.dtMatch[0]!)).toEqual([0, -1]);
    expect(r.dtIgnore[0]).toEqual([false, false]);
  });

  it('ignores ground truth outside the area range and unmatched detections outside it too', () => {
    // Range small = [0, 1024]. gt0 area 2500 is ignored; dt0 (area 2500) matches it -> ignored.
    // dt1 (area 100, unmatched) stays a false positive; dt2 (area 5000, unmatched) is ignored.
    const small = AREA_RANGES.small;
    const e = evaluateImage([gt(false, 2500)], [dt(0.9, 2500), dt(0.8, 100), dt(0.7, 5000)], [[0.9], [0], [0]], small, 100)!;
    expect(e.gtIgnore).toEqual([true]);
    expect(Array.from(e.dtMatch[0]!)).toEqual([0, -1, -1]);
    expect(e.dtIgnore[0]).toEqual([true, false, true]);
  });

  it('keeps only the maxDet highest-scoring detections, ties in input order', () => {
    const e = evaluateImage([], [dt(0.2), dt(0.7), dt(0.7), dt(0.9)], [[], [], [], []], ALL, 2)!;
    expect(e.dtOrder).toEqual([3, 1]);
  });

  it('checks its inputs', () => {
    expect(() => evaluateImage([gt()], [dt(1)], [[0.5, 0.5]], ALL, 100)).toThrow(/ious\[0\]/);
    expect(() => evaluateImage([gt()], [dt(1)], [], ALL, 100)).toThrow(/ious/);
    expect(() => evaluateImage([gt()], [dt(NaN)], [[0]], ALL, 100)).toThrow(/score/);
    expect(() => evaluateImage([gt()], [], [], ALL, -1)).toThrow(/maxDet/);
    expect(() => evaluateImage([gt()], [], [], [5, 1], 10)).toThrow(/areaRange/);
  });
});
