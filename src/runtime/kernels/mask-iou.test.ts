// CPU twin of mask-iou against torch's intersection matrix (masks @ masks.T). Exact.
import { describe, expect, test } from 'vitest';
import { loadFixture } from './fixtures';
import { maskIntersectionsCpu } from './mask-iou-cpu';
import { wordsPerRow } from './mask-resize-cpu';

interface Case {
  n: number;
  h: number;
  w: number;
  masks: string[];
  intersections: number[];
}

/** Packs '0'/'1' strings (row-major, H x W) into the mask-resize layout. */
function pack(masks: string[], h: number, w: number): Uint32Array {
  const words = wordsPerRow(w);
  const bits = new Uint32Array(masks.length * h * words);
  for (const [i, mask] of masks.entries()) {
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) if (mask[y * w + x] === '1') bits[(i * h + y) * words + (x >>> 5)]! |= 1 << (x & 31);
    }
  }
  return bits;
}

describe('maskIntersectionsCpu', () => {
  for (const f of loadFixture<Case>('matrix-nms')) {
    test(`matches torch: n=${f.n} ${f.h}x${f.w}`, () => {
      const bits = pack(f.masks, f.h, f.w);
      expect(Array.from(maskIntersectionsCpu(bits, f.n, f.h * wordsPerRow(f.w)))).toEqual(f.intersections);
    });
  }

  test('debug case: full words, high bits and an empty mask', () => {
    const bits = new Uint32Array([0xffffffff, 0x80000001, 0xffff0000, 0x80000000, 0, 0]);
    expect(Array.from(maskIntersectionsCpu(bits, 3, 2))).toEqual([34, 17, 0, 17, 17, 0, 0, 0, 0]);
  });

  test('wrong lengths throw RangeError naming the argument', () => {
    expect(() => maskIntersectionsCpu(new Uint32Array(3), 2, 2)).toThrow(/bits/);
  });
});
