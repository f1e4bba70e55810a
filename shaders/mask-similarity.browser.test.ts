// mask-similarity.wgsl against its CPU twin. Tolerance: rtol 1e-5, atol 1e-5 (f32 GEMM vs f64 dot).
import { describe, expect, test } from 'vitest';
import { maskSimilarity } from '../src/runtime/kernels/mask-similarity';
import { maskSimilarityCpu } from '../src/runtime/kernels/mask-similarity-cpu';
import { randomArray, readChecked, rng, testDevice, upload } from '../src/runtime/kernels/testing';

function expectClose(actual: Float32Array, expected: Float32Array): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < actual.length; i++) {
    const tol = 1e-5 + 1e-5 * Math.abs(expected[i]!);
    if (!(Math.abs(actual[i]! - expected[i]!) <= tol)) {
      expect.fail(`element ${i}: ${actual[i]} vs ${expected[i]} (tolerance ${tol})`);
    }
  }
}

async function run(n: number, p: number, c: number, seed: number): Promise<void> {
  const device = await testDevice();
  const random = rng(seed);
  const feat = randomArray(random, p * p * c);
  const queries = randomArray(random, n * 16 * c);
  const featBuf = upload(device, feat);
  const queryBuf = upload(device, queries);
  const out = maskSimilarity({ device }, { feat: featBuf, queries: queryBuf, n, p, c });
  const bytes = n * 16 * p * p * 4;
  expect(out.size).toBe(bytes);
  const gpu = new Float32Array(await readChecked(device, out, bytes));
  expectClose(gpu, maskSimilarityCpu(feat, queries, { n, p, c }));
  for (const b of [featBuf, queryBuf, out]) b.destroy();
}

describe('mask-similarity GPU vs CPU twin', () => {
  // Sizes off the 32x32 tile and 16-wide C slice; C=1280 is UFO-H's width.
  const cases: [number, number, number][] = [
    [0, 3, 8],
    [1, 3, 8],
    [5, 7, 20],
    [2, 14, 64],
    [1, 5, 1280],
    [3, 14, 33],
  ];
  for (const [n, p, c] of cases) {
    test(`n=${n} p=${p} c=${c}`, () => run(n, p, c, 1000 * n + 10 * p + c));
  }

  test('debug case: one pixel, C=4, every token its own value', async () => {
    const device = await testDevice();
    // feat[0,0] = (1,2,3,4); token k = (k,0,0,0) so logit = k / sqrt(4) = k / 2 at (a, b) = (k/4, k%4).
    const feat = new Float32Array([1, 2, 3, 4]);
    const queries = new Float32Array(16 * 4);
    for (let k = 0; k < 16; k++) queries[4 * k] = k;
    const out = maskSimilarity({ device }, { feat: upload(device, feat), queries: upload(device, queries), n: 1, p: 1, c: 4 });
    const gpu = new Float32Array(await readChecked(device, out, 64));
    expect(Array.from(gpu)).toEqual(Array.from({ length: 16 }, (_, k) => k / 2));
  });

  test('bad arguments throw RangeError naming them', async () => {
    const device = await testDevice();
    const small = upload(device, new Float32Array(8));
    expect(() => maskSimilarity({ device }, { feat: small, queries: small, n: 1, p: 3, c: 8 })).toThrow(/feat/);
    expect(() => maskSimilarity({ device }, { feat: small, queries: small, n: -1, p: 1, c: 8 })).toThrow(RangeError);
    expect(() => maskSimilarity({ device }, { feat: small, queries: small, n: 1, p: 1, c: 8 })).toThrow(/queries/);
  });
});
