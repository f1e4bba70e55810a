// CPU twin of mask-similarity against PyTorch (einsum + pixel-shuffle reshape). rtol 1e-5, atol 1e-5.
import { describe, expect, test } from 'vitest';
import { loadFixture } from './fixtures';
import { maskSimilarityCpu } from './mask-similarity-cpu';

interface Case {
  n: number;
  p: number;
  c: number;
  feat: number[];
  queries: number[];
  logits: number[];
}

describe('maskSimilarityCpu', () => {
  for (const f of loadFixture<Case>('mask-similarity')) {
    test(`matches torch: n=${f.n} p=${f.p} c=${f.c}`, () => {
      const out = maskSimilarityCpu(Float32Array.from(f.feat), Float32Array.from(f.queries), f);
      expect(out.length).toBe(f.logits.length);
      for (const [i, e] of f.logits.entries()) {
        expect(Math.abs(out[i]! - e), `element ${i}`).toBeLessThanOrEqual(1e-5 + 1e-5 * Math.abs(e));
      }
    });
  }

  test('debug case: P=1, C=1 places token k at (k / 4, k % 4)', () => {
    const queries = Float32Array.from({ length: 16 }, (_, k) => k);
    const out = maskSimilarityCpu(new Float32Array([2]), queries, { n: 1, p: 1, c: 1 });
    expect(Array.from(out)).toEqual(Array.from({ length: 16 }, (_, k) => 2 * k));
  });

  test('debug case: P=2 shuffles each pixel into its own 4x4 block', () => {
    // feat[y, x] = 10y + x + 1 (C = 1); every token is 1, so block (y, x) is filled with 10y + x + 1.
    const out = maskSimilarityCpu(new Float32Array([1, 2, 11, 12]), new Float32Array(16).fill(1), { n: 1, p: 2, c: 1 });
    expect(out[0]).toBe(1);
    expect(out[3 * 8 + 7]).toBe(2);
    expect(out[4 * 8 + 0]).toBe(11);
    expect(out[7 * 8 + 4]).toBe(12);
  });

  test('wrong lengths throw RangeError naming the argument', () => {
    expect(() => maskSimilarityCpu(new Float32Array(3), new Float32Array(16), { n: 1, p: 1, c: 1 })).toThrow(/feat/);
    expect(() => maskSimilarityCpu(new Float32Array(1), new Float32Array(15), { n: 1, p: 1, c: 1 })).toThrow(/queries/);
    expect(() => maskSimilarityCpu(new Float32Array(1), new Float32Array(16), { n: 1, p: 0, c: 1 })).toThrow(/\bp\b/);
  });
});
