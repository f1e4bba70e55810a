// semantic-argmax.wgsl against its CPU twin. Tolerance: labels identical except pixels whose two
// best class sums are within 1e-5 (relative to the best) of each other.
import { describe, expect, test } from 'vitest';
import { bilinearAxis, bilinearRow, sigmoid } from '../src/runtime/kernels/bilinear';
import { semanticArgmax } from '../src/runtime/kernels/semantic-argmax';
import { semanticArgmaxCpu } from '../src/runtime/kernels/semantic-argmax-cpu';
import { randomArray, readChecked, rng, testDevice, upload } from '../src/runtime/kernels/testing';

interface Case {
  n: number;
  hm: number;
  wm: number;
  h0: number;
  w0: number;
  k: number;
}

/** Per pixel, whether its best and second-best class sums are too close to compare. */
function nearTies(logits: Float32Array, labels: Uint32Array, scores: Float32Array, c: Case): Uint8Array {
  const flags = new Uint8Array(c.h0 * c.w0);
  const ys = bilinearAxis(c.hm, c.h0);
  const xs = bilinearAxis(c.wm, c.w0);
  const row = new Float64Array(c.w0);
  const sums = Array.from({ length: c.h0 * c.w0 }, () => new Float64Array(c.k));
  for (let i = 0; i < c.n; i++) {
    for (let y = 0; y < c.h0; y++) {
      bilinearRow(logits, i * c.hm * c.wm, c.wm, ys, xs, y, row);
      for (let x = 0; x < c.w0; x++) sums[y * c.w0 + x]![labels[i]!]! += scores[i]! * sigmoid(row[x]!);
    }
  }
  for (const [p, s] of sums.entries()) {
    const sorted = Array.from(s).sort((a, b) => b - a);
    if (c.k > 1 && sorted[0]! - sorted[1]! <= 1e-5 * Math.max(1, sorted[0]!)) flags[p] = 1;
  }
  return flags;
}

async function run(c: Case, seed: number): Promise<void> {
  const device = await testDevice();
  const random = rng(seed);
  const logits = randomArray(random, c.n * c.hm * c.wm, -4, 4);
  // Few classes relative to instances, so several instances share a class.
  const labels = Uint32Array.from({ length: c.n }, () => Math.floor(random() * Math.min(c.k, 4)) * Math.floor(c.k / Math.min(c.k, 4)));
  const scores = randomArray(random, c.n, 0, 1);
  const logitBuf = upload(device, logits);
  const out = semanticArgmax({ device }, { ...c, logits: logitBuf, labels, scores });
  const gpu = new Uint32Array(await readChecked(device, out, c.h0 * c.w0 * 4));
  const cpu = semanticArgmaxCpu(logits, labels, scores, c);
  const ties = nearTies(logits, labels, scores, c);
  for (let p = 0; p < gpu.length; p++) {
    if (ties[p] === 0 && gpu[p] !== cpu[p]) expect.fail(`pixel ${p}: gpu ${gpu[p]}, cpu ${cpu[p]}`);
  }
  logitBuf.destroy();
  out.destroy();
}

describe('semantic-argmax GPU vs CPU twin', () => {
  const cases: Case[] = [
    { n: 0, hm: 12, wm: 12, h0: 17, w0: 33, k: 150 },
    { n: 1, hm: 12, wm: 12, h0: 1, w0: 1, k: 150 },
    { n: 5, hm: 12, wm: 12, h0: 17, w0: 33, k: 150 },
    { n: 9, hm: 24, wm: 24, h0: 300, w0: 200, k: 150 },
    { n: 6, hm: 24, wm: 16, h0: 13, w0: 7, k: 3 },
  ];
  for (const [index, c] of cases.entries()) {
    test(`n=${c.n} ${c.hm}x${c.wm} -> ${c.h0}x${c.w0}, k=${c.k}`, () => run(c, 40 + index));
  }

  test('debug case: classes tie, win by sum, and an uncovered pixel gets class 0', async () => {
    const device = await testDevice();
    // 1x1 logit maps resized to 1x2 stay constant per instance. Instance 0 (class 2, score 0.5,
    // logit 0: 0.25), instances 1 and 2 (class 1, scores 0.25, logit 0 each: 0.125 + 0.125).
    // Classes 1 and 2 tie at 0.25: the first, class 1, wins.
    const logits = new Float32Array([0, 0, 0]);
    const labels = new Uint32Array([2, 1, 1]);
    const scores = new Float32Array([0.5, 0.25, 0.25]);
    const out = semanticArgmax({ device }, { logits: upload(device, logits), labels, scores, n: 3, hm: 1, wm: 1, h0: 1, w0: 2, k: 3 });
    expect(Array.from(new Uint32Array(await readChecked(device, out, 8)))).toEqual([1, 1]);
    // Scores 0 cover nothing: class 0 everywhere, even with instances of class 2 only.
    const none = semanticArgmax(
      { device },
      { logits: upload(device, logits), labels: new Uint32Array([2, 2, 2]), scores: new Float32Array(3), n: 3, hm: 1, wm: 1, h0: 1, w0: 2, k: 3 },
    );
    expect(Array.from(new Uint32Array(await readChecked(device, none, 8)))).toEqual([0, 0]);
  });

  test('bad arguments throw RangeError naming them', async () => {
    const device = await testDevice();
    const logits = upload(device, new Float32Array(4));
    const shape = { logits, n: 1, hm: 2, wm: 2, h0: 3, w0: 3, k: 3 };
    expect(() => semanticArgmax({ device }, { ...shape, labels: new Uint32Array([3]), scores: new Float32Array([1]) })).toThrow(/labels\[0\]/);
    expect(() => semanticArgmax({ device }, { ...shape, labels: new Uint32Array([0]), scores: new Float32Array([-1]) })).toThrow(/scores\[0\]/);
    expect(() => semanticArgmax({ device }, { ...shape, labels: new Uint32Array(2), scores: new Float32Array(1) })).toThrow(/labels/);
  });
});
