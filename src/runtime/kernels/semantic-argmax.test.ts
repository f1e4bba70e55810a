// CPU twin of semantic-argmax against torch. Labels identical except where torch's two best class
// sums are within 1e-5 of each other.
import { describe, expect, test } from 'vitest';
import { loadFixture } from './fixtures';
import { semanticArgmaxCpu } from './semantic-argmax-cpu';

interface Case {
  n: number;
  hm: number;
  wm: number;
  h0: number;
  w0: number;
  k: number;
  logits: number[];
  labels: number[];
  scores: number[];
  out: number[];
  ties: number[];
}

describe('semanticArgmaxCpu', () => {
  for (const f of loadFixture<Case>('semantic-argmax')) {
    test(`matches torch: n=${f.n} ${f.hm}x${f.wm} -> ${f.h0}x${f.w0}, k=${f.k}`, () => {
      const out = semanticArgmaxCpu(Float32Array.from(f.logits), Uint32Array.from(f.labels), Float32Array.from(f.scores), f);
      const ties = new Set(f.ties);
      for (const [p, e] of f.out.entries()) if (!ties.has(p)) expect(out[p], `pixel ${p}`).toBe(e);
      if (f.n === 0) expect(out.every((label) => label === 0)).toBe(true);
    });
  }

  test('debug case: class sums, first class on ties, class 0 when uncovered', () => {
    // Constant maps (1x1 logits 0, prob 0.5): class 1 gets 0.25 + 0.25, class 2 gets 0.5: a tie.
    const labels = new Uint32Array([2, 1, 1]);
    const shape = { n: 3, hm: 1, wm: 1, h0: 1, w0: 2, k: 3 };
    const tie = semanticArgmaxCpu(new Float32Array(3), labels, new Float32Array([1, 0.5, 0.5]), shape);
    expect(Array.from(tie)).toEqual([1, 1]);
    const win = semanticArgmaxCpu(new Float32Array(3), labels, new Float32Array([1, 0.5, 0.6]), shape);
    expect(Array.from(win)).toEqual([1, 1]);
    const two = semanticArgmaxCpu(new Float32Array(3), labels, new Float32Array([1, 0.5, 0.4]), shape);
    expect(Array.from(two)).toEqual([2, 2]);
    const none = semanticArgmaxCpu(new Float32Array(3), labels, new Float32Array(3), shape);
    expect(Array.from(none)).toEqual([0, 0]);
  });

  test('bad labels and scores throw RangeError naming them', () => {
    const shape = { n: 1, hm: 1, wm: 1, h0: 1, w0: 1, k: 2 };
    expect(() => semanticArgmaxCpu(new Float32Array(1), new Uint32Array([2]), new Float32Array([1]), shape)).toThrow(/labels\[0\]/);
    expect(() => semanticArgmaxCpu(new Float32Array(1), new Uint32Array([0]), new Float32Array([NaN]), shape)).toThrow(/scores\[0\]/);
    expect(() => semanticArgmaxCpu(new Float32Array(2), new Uint32Array([0]), new Float32Array([1]), shape)).toThrow(/logits/);
  });
});
