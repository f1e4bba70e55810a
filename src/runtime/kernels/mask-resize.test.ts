// CPU twin of mask-resize against torch (interpolate + sigmoid + threshold). Masks identical except
// pixels whose prob is within 1e-5 of 0.5; counts off by at most that many; probSum rtol 1e-5.
import { describe, expect, test } from 'vitest';
import { loadFixture } from './fixtures';
import { maskResizeCpu, wordsPerRow } from './mask-resize-cpu';

interface Case {
  n: number;
  hm: number;
  wm: number;
  h0: number;
  w0: number;
  logits: number[];
  masks: string[];
  ambiguous: number[][];
  count: number[];
  probSum: number[];
}

describe('maskResizeCpu', () => {
  for (const f of loadFixture<Case>('mask-resize')) {
    test(`matches torch: n=${f.n} ${f.hm}x${f.wm} -> ${f.h0}x${f.w0}`, () => {
      const out = maskResizeCpu(Float32Array.from(f.logits), f);
      const words = wordsPerRow(f.w0);
      expect(out.wordsPerRow).toBe(words);
      for (let i = 0; i < f.n; i++) {
        const skip = new Set(f.ambiguous[i]);
        for (let y = 0; y < f.h0; y++) {
          for (let x = 0; x < words * 32; x++) {
            const bit = (out.bits[(i * f.h0 + y) * words + (x >>> 5)]! >>> (x & 31)) & 1;
            if (x >= f.w0) expect(bit, 'padding bits are 0').toBe(0);
            else if (!skip.has(y * f.w0 + x)) expect(bit, `mask ${i} (${y}, ${x})`).toBe(Number(f.masks[i]![y * f.w0 + x]));
          }
        }
        expect(Math.abs(out.count[i]! - f.count[i]!)).toBeLessThanOrEqual(skip.size);
        expect(Math.abs(out.probSum[i]! - f.probSum[i]!)).toBeLessThanOrEqual(1e-5 * f.probSum[i]! + 0.5 * skip.size);
      }
    });
  }

  test('debug case: a 1x1 logit map fills the whole image', () => {
    const on = maskResizeCpu(new Float32Array([2]), { n: 1, hm: 1, wm: 1, h0: 2, w0: 33 });
    expect(Array.from(on.bits)).toEqual([0xffffffff, 1, 0xffffffff, 1]);
    expect(on.count[0]).toBe(66);
    expect(on.probSum[0]).toBeCloseTo(66 / (1 + Math.exp(-2)), 12);
    const off = maskResizeCpu(new Float32Array([0]), { n: 1, hm: 1, wm: 1, h0: 2, w0: 33 });
    expect(off.count[0]).toBe(0); // prob exactly 0.5 is not > 0.5
  });

  test('wrong shapes throw RangeError naming the argument', () => {
    expect(() => maskResizeCpu(new Float32Array(3), { n: 1, hm: 2, wm: 2, h0: 2, w0: 2 })).toThrow(/logits/);
    expect(() => maskResizeCpu(new Float32Array(4), { n: 1, hm: 2, wm: 2, h0: 2, w0: 1.5 })).toThrow(/w0/);
  });
});
