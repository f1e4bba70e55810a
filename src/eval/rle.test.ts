import { describe, expect, it } from 'vitest';
import * as rle from './rle';
import { randomInt, randomMask, seededRandom } from './test-random';

const counts = (r: rle.Rle): number[] => Array.from(r.counts);

// 2 rows x 3 columns, row-major:
//   1 0 0
//   1 1 0
// Column-major (pycocotools' order) reads col0 = 1,1  col1 = 0,1  col2 = 0,0 -> 1 1 0 1 0 0,
// so the runs are 0 zeros, 2 ones, 1 zero, 1 one, 2 zeros. (Row-major would give [0, 1, 2, 2, 1].)
const L_MASK = Uint8Array.from([1, 0, 0, 1, 1, 0]);

describe('rle.encode / decode', () => {
  it('runs column-major, starting with a (possibly empty) run of zeros', () => {
    expect(counts(rle.encode(L_MASK, 2, 3))).toEqual([0, 2, 1, 1, 2]);
    // 2x2 [[0,1],[1,1]]: column-major 0 1 1 1 -> one zero, three ones.
    expect(counts(rle.encode(Uint8Array.from([0, 1, 1, 1]), 2, 2))).toEqual([1, 3]);
    expect(counts(rle.encode(new Uint8Array(9), 3, 3))).toEqual([9]);
    expect(counts(rle.encode(new Uint8Array(4).fill(1), 2, 2))).toEqual([0, 4]);
  });

  it('treats any nonzero byte as foreground', () => {
    expect(counts(rle.encode(Uint8Array.from([0, 255, 7, 0]), 1, 4))).toEqual([1, 2, 1]);
  });

  it('decodes back to the row-major mask', () => {
    expect(Array.from(rle.decode({ size: [2, 3], counts: Uint32Array.from([0, 2, 1, 1, 2]) }))).toEqual(
      Array.from(L_MASK),
    );
  });

  it('rejects a mask of the wrong length, bad sizes and runs that do not cover the mask', () => {
    expect(() => rle.encode(new Uint8Array(5), 2, 3)).toThrow(/5 pixels but h \* w = 2 \* 3 = 6/);
    expect(() => rle.encode(new Uint8Array(0), -1, 0)).toThrow(RangeError);
    expect(() => rle.encode(new Uint8Array(3), 1.5, 2)).toThrow(/height/);
    expect(() => rle.decode({ size: [2, 3], counts: Uint32Array.from([1, 2]) })).toThrow(/cover 3 pixels/);
  });
});

describe('rle.area and rle.toBbox', () => {
  it('sums the odd runs and bounds the foreground', () => {
    const r = rle.encode(L_MASK, 2, 3);
    expect(rle.area(r)).toBe(3);
    // Foreground in columns 0..1 and rows 0..1 -> [x, y, w, h] = [0, 0, 2, 2].
    expect(rle.toBbox(r)).toEqual([0, 0, 2, 2]);
    // A single pixel at row 2, column 3 of a 4x5 mask: position 3 * 4 + 2 = 14 -> runs [14, 1, 5].
    const dot = { size: [4, 5] as const, counts: Uint32Array.from([14, 1, 5]) };
    expect(rle.toBbox(dot)).toEqual([3, 2, 1, 1]);
    expect(rle.toBbox(rle.encode(new Uint8Array(6), 2, 3))).toEqual([0, 0, 0, 0]);
    // One run from (row 2, col 0) to (row 0, col 1) in a 3-row mask wraps a column: rows 0..2, cols 0..1.
    expect(rle.toBbox({ size: [3, 2], counts: Uint32Array.from([2, 2, 2]) })).toEqual([0, 0, 2, 3]);
  });
});

describe('rle.toString / fromString', () => {
  // Hand-encoded with the rule: counts[0..2] as they are, from i = 3 on the delta counts[i] - counts[i-2];
  // 5 bits per char, low bits first, 0x20 = more, 0x10 = sign of the last char, + 48.
  const cases: [number[], string, number, number][] = [
    // 0 '0'; 2 '2'; 1 '1'; 1 - 2 = -1 -> low bits 31, rest -1, sign set: 31 + 48 = 'O'; 2 - 1 = 1 '1'.
    [[0, 2, 1, 1, 2], '021O1', 2, 3],
    [[9], '9', 3, 3],
    [[0, 4], '04', 2, 2],
    // 100 = 0b11_00100: low 4 (bit 4 clear) but 3 remains -> 4 | 0x20 = 36 -> 'T', then 3 -> '3'.
    [[100], 'T3', 10, 10],
    // 50 = 0b1_10010: low 18 has the sign bit, so a 0 high part still needs a char: 18|32 = 50 -> 'b', '1'.
    // Index 2 is not delta-coded: 10 -> ':'. 10 - 50 = -40: low 24 | 0x20 = 56 -> 'h', then -2 -> low 30
    // = 'N' (sign set and the rest is -1, so it stops).
    [[50, 50, 10, 10], 'b1b1:hN', 10, 12],
    // 4 -> '4'; 2 - 10 = -8: low 24, rest -1, sign set -> 24 + 48 = 'H'.
    [[1, 10, 4, 2], '1:4H', 1, 17],
  ];

  it.each(cases)('encodes %j as %s', (c, s, h, w) => {
    expect(rle.toString({ size: [h, w], counts: Uint32Array.from(c) })).toBe(s);
    expect(counts(rle.fromString(s, h, w))).toEqual(c);
  });

  it('rejects characters outside the alphabet, truncated numbers and wrong totals', () => {
    expect(() => rle.fromString('0p', 1, 1)).toThrow(/"p" at 1/);
    expect(() => rle.fromString('b', 1, 50)).toThrow(/ends inside a number/);
    expect(() => rle.fromString('9', 2, 2)).toThrow(/cover 9 pixels/);
    // 'H' at index 1 is not delta-coded, so it is a run of -8.
    expect(() => rle.fromString('0H', 1, 1)).toThrow(/negative run/);
  });

  it('reads COCO JSON RLE with list or string counts', () => {
    expect(counts(rle.fromCoco({ size: [2, 3], counts: [0, 2, 1, 1, 2] }))).toEqual([0, 2, 1, 1, 2]);
    expect(counts(rle.fromCoco({ size: [2, 3], counts: '021O1' }))).toEqual([0, 2, 1, 1, 2]);
    expect(() => rle.fromCoco({ size: [2, 3], counts: [0, -2, 8] })).toThrow(/counts\[1\]/);
    expect(() => rle.fromCoco({ size: [2] as unknown as [number, number], counts: [] })).toThrow(TypeError);
  });
});

describe('rle on a real pycocotools string', () => {
  // A 1080x1440 Mask R-CNN mask as pycocotools wrote it, quoted in facebookresearch/Detectron issue #424.
  const DETECTRON =
    'l]a?V3an02O001N101O0O10001O0000001O00001O00001O1O001O010O00001O00000000010O01O001O001O00001O00001O000000001O00000000000001O0001O0000000001O01O000000010O001O00001O00001O000000001O000000000000000010O00001O00001O000000001O00000001O0001O0001O00001O001O001O00001O0000001O00000000001O0001O01O01O01000O010O010O01O01O0001O0001O00000000001O0000001O00001O00001O001O000001O01O01O00001O10O01O001O001O0001O01O00000001O00001O001O1O001O00001O0000001O000000001O0000001O00001O001O1O01O01O001O00000001O00001O001O0010O0001O00001O000000001O000001O00001O00001O1O001O001O00001O0000001O000000001O0000010O00001O001O010O000010O00001O000010O0001O00000000001O0000000000010O00000001O01O01O010O1O010O010O01O00010O00000000000001O0001O0000000001O00000000001O01O01O0010O00010O1O0010O01O001O01O0001O00000000000001O000000000000001O00000000001O00001O010O00001O01O0000010O00001O00010O00001O00000000001O00000000000000001O00000000000000000000000000000000000000000000000000010O00001O010O00100O0010O0010O0001O01O0000000001O00000000000000000000000000001O01O0000001O001O001O001O001O00001O0000000000000O101O000O10000O100O100O1O10000O10000O10001N10001N101N2N6Fmkc=';

  it('parses to runs covering exactly 1080 * 1440 pixels and re-encodes to the same string', () => {
    // fromString throws unless the decoded runs sum to h * w, a check the string was not built to pass.
    const r = rle.fromString(DETECTRON, 1080, 1440);
    const mask = rle.decode(r);
    expect(rle.toString(rle.encode(mask, 1080, 1440))).toBe(DETECTRON);
    const [, , bw, bh] = rle.toBbox(r);
    expect(rle.area(r)).toBeGreaterThan(0);
    expect(rle.area(r)).toBeLessThanOrEqual(bw * bh);
  });
});

describe('rle.iou', () => {
  it('matches hand-computed overlaps, with the crowd union being the detection area', () => {
    // 1x4 masks: dt 1100, gt 0110 -> inter 1, union 3. Against crowd gt 0111: inter 1 / area(dt) 2.
    const dt = rle.encode(Uint8Array.from([1, 1, 0, 0]), 1, 4);
    const gt = rle.encode(Uint8Array.from([0, 1, 1, 0]), 1, 4);
    const crowd = rle.encode(Uint8Array.from([0, 1, 1, 1]), 1, 4);
    const empty = rle.encode(new Uint8Array(4), 1, 4);
    const ious = rle.iou([dt, empty], [gt, crowd, empty], [false, true, 0]);
    expect(ious[0]).toEqual([1 / 3, 1 / 2, 0]);
    // No common pixel -> 0, including empty against empty.
    expect(ious[1]).toEqual([0, 0, 0]);
  });

  it('rejects masks of different sizes and a wrong iscrowd length', () => {
    const a = rle.encode(new Uint8Array(6), 2, 3);
    const b = rle.encode(new Uint8Array(6), 3, 2);
    expect(() => rle.iou([a], [b], [0])).toThrow(/2x3 vs 3x2/);
    expect(() => rle.iou([a], [a], [])).toThrow(/iscrowd/);
  });
});

describe('rle properties (seeded)', () => {
  const random = seededRandom(2024);
  // Shapes include single rows and columns; densities include all-zero and all-one masks.
  const shapes: [number, number][] = [[1, 1], [1, 17], [23, 1], [5, 7], [16, 16], [31, 9]];
  const densities = [0, 0.05, 0.5, 0.95, 1];
  const masks = shapes.flatMap(([h, w]) =>
    densities.flatMap((d) => [0, 1, 2].map(() => ({ h, w, mask: randomMask(random, h, w, d) }))),
  );
  // Large runs, so the string form needs multi-character and negative deltas.
  masks.push({ h: 200, w: 300, mask: randomMask(random, 200, 300, 0.002) });

  it('decode(encode(m)) == m, fromString(toString(r)) == r, area == pixel count', () => {
    for (const { h, w, mask } of masks) {
      const r = rle.encode(mask, h, w);
      expect(rle.decode(r)).toEqual(mask);
      expect(rle.fromString(rle.toString(r), h, w)).toEqual(r);
      expect(rle.area(r)).toBe(mask.reduce((s, v) => s + v, 0));
    }
  });

  it('toBbox bounds exactly the foreground pixels', () => {
    for (const { h, w, mask } of masks) {
      let [x0, y0, x1, y1] = [Infinity, Infinity, -1, -1];
      mask.forEach((v, i) => {
        if (!v) return;
        const y = Math.floor(i / w);
        const x = i % w;
        [x0, y0, x1, y1] = [Math.min(x0, x), Math.min(y0, y), Math.max(x1, x), Math.max(y1, y)];
      });
      const expected = x1 < 0 ? [0, 0, 0, 0] : [x0, y0, x1 - x0 + 1, y1 - y0 + 1];
      expect(rle.toBbox(rle.encode(mask, h, w))).toEqual(expected);
    }
  });

  it('iou equals the pixel IoU, is symmetric without crowds, and lies in [0, 1]', () => {
    for (let n = 0; n < 300; n++) {
      const h = randomInt(random, 1, 12);
      const w = randomInt(random, 1, 12);
      const a = randomMask(random, h, w, random());
      const b = randomMask(random, h, w, random());
      let inter = 0;
      let union = 0;
      let areaA = 0;
      for (let i = 0; i < h * w; i++) {
        inter += a[i]! & b[i]!;
        union += a[i]! | b[i]!;
        areaA += a[i]!;
      }
      const ra = rle.encode(a, h, w);
      const rb = rle.encode(b, h, w);
      const [[ab, abCrowd]] = rle.iou([ra], [rb, rb], [0, 1]) as [[number, number]];
      expect(ab).toBeCloseTo(inter === 0 ? 0 : inter / union, 14);
      expect(abCrowd).toBeCloseTo(inter === 0 ? 0 : inter / areaA, 14);
      expect(rle.iou([rb], [ra], [0])[0]![0]).toBe(ab);
      expect(ab).toBeGreaterThanOrEqual(0);
      expect(ab).toBeLessThanOrEqual(1);
    }
  });
});
