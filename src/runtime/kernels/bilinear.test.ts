// Bilinear resampling against torch F.interpolate(bilinear, align_corners=False). atol 1e-5.
import { describe, expect, test } from 'vitest';
import { bilinearAxis, bilinearRow } from './bilinear';
import { loadFixture } from './fixtures';

interface Case {
  hm: number;
  wm: number;
  h0: number;
  w0: number;
  src: number[];
  out: number[];
}

function resize(src: Float32Array, hm: number, wm: number, h0: number, w0: number): Float64Array {
  const ys = bilinearAxis(hm, h0);
  const xs = bilinearAxis(wm, w0);
  const out = new Float64Array(h0 * w0);
  for (let y = 0; y < h0; y++) bilinearRow(src, 0, wm, ys, xs, y, out.subarray(y * w0, (y + 1) * w0));
  return out;
}

describe('bilinear', () => {
  for (const f of loadFixture<Case>('bilinear')) {
    test(`matches torch: ${f.hm}x${f.wm} -> ${f.h0}x${f.w0}`, () => {
      const out = resize(Float32Array.from(f.src), f.hm, f.wm, f.h0, f.w0);
      for (const [i, e] of f.out.entries()) expect(Math.abs(out[i]! - e), `element ${i}`).toBeLessThanOrEqual(1e-5);
    });
  }

  test('debug case: 2 -> 4 samples 0 (clamped), 0.25, 0.75, 1 (upper tap clamped)', () => {
    const axis = bilinearAxis(2, 4);
    expect(Array.from(axis.lo)).toEqual([0, 0, 0, 1]);
    expect(Array.from(axis.hi)).toEqual([1, 1, 1, 1]);
    // The last position is 1.25: lo = hi = 1, so its weight (0.25, as in torch) has no effect.
    expect(Array.from(axis.frac)).toEqual([0, 0.25, 0.75, 0.25]);
  });
});
