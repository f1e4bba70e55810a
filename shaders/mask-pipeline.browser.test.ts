// The four mask kernels chained on the GPU (buffers passed stage to stage, as the runtime will)
// against the chained CPU twins, through Matrix NMS. The data has no pixel within 1e-4 of the
// threshold, so masks, intersections and the NMS result must be identical.
import { expect, test } from 'vitest';
import { bilinearAxis, bilinearRow } from '../src/runtime/kernels/bilinear';
import { maskIntersections } from '../src/runtime/kernels/mask-iou';
import { maskIntersectionsCpu } from '../src/runtime/kernels/mask-iou-cpu';
import { destroyPackedMasks, maskResize, readMaskStats } from '../src/runtime/kernels/mask-resize';
import { maskResizeCpu } from '../src/runtime/kernels/mask-resize-cpu';
import { maskSimilarity } from '../src/runtime/kernels/mask-similarity';
import { maskSimilarityCpu } from '../src/runtime/kernels/mask-similarity-cpu';
import { semanticArgmax } from '../src/runtime/kernels/semantic-argmax';
import { semanticArgmaxCpu } from '../src/runtime/kernels/semantic-argmax-cpu';
import { matrixNms } from '../src/runtime/postprocess/matrix-nms';
import { randomArray, readChecked, rng, testDevice, upload } from '../src/runtime/kernels/testing';

test('similarity -> resize -> intersections -> matrix NMS, and -> semantic map', async () => {
  const device = await testDevice();
  const ctx = { device };
  const [n, p, c, h0, w0] = [6, 5, 48, 37, 29];
  const hm = 4 * p;
  const ys = bilinearAxis(hm, h0);
  const xs = bilinearAxis(hm, w0);
  const row = new Float64Array(w0);
  // Precondition of exact comparison: no interpolated logit within 1e-4 of 0 (GPU and CPU logits
  // differ by ~1e-6). Take the first seed that satisfies it; the search is deterministic.
  const clearOfThreshold = (logits: Float32Array): boolean => {
    for (let i = 0; i < n; i++) {
      for (let y = 0; y < h0; y++) {
        bilinearRow(logits, i * hm * hm, hm, ys, xs, y, row);
        if (row.some((v) => Math.abs(v) <= 1e-4)) return false;
      }
    }
    return true;
  };
  let seed = 1;
  let random = rng(seed);
  let feat = randomArray(random, p * p * c);
  let queries = randomArray(random, n * 16 * c, -4, 4);
  while (!clearOfThreshold(maskSimilarityCpu(feat, queries, { n, p, c }))) {
    random = rng(++seed);
    feat = randomArray(random, p * p * c);
    queries = randomArray(random, n * 16 * c, -4, 4);
  }
  const labels = Uint32Array.from({ length: n }, (_, i) => i % 2);
  const score0 = randomArray(random, n, 0.3, 1);
  const cpuLogits = maskSimilarityCpu(feat, queries, { n, p, c });
  const cpuMasks = maskResizeCpu(cpuLogits, { n, hm, wm: hm, h0, w0 });
  const cpuInter = maskIntersectionsCpu(cpuMasks.bits, n, h0 * cpuMasks.wordsPerRow);
  const cpuScores = score0.map((s, i) => (s * cpuMasks.probSum[i]!) / cpuMasks.count[i]!);

  const featBuf = upload(device, feat);
  const queryBuf = upload(device, queries);
  const logits = maskSimilarity(ctx, { feat: featBuf, queries: queryBuf, n, p, c });
  // Small chunks so the chain also crosses chunk boundaries.
  const { masks, stats } = maskResize(ctx, { logits, n, hm, wm: hm, h0, w0, maxChunkBytes: n * 4 * 10 });
  expect(masks.chunks.length).toBe(4);
  const inter = maskIntersections(ctx, masks);
  const gpuInter = new Uint32Array(await readChecked(device, inter, n * n * 4));
  const gpuStats = await readMaskStats(device, stats, n);
  expect(Array.from(gpuInter)).toEqual(Array.from(cpuInter));
  expect(Array.from(gpuStats.count)).toEqual(Array.from(cpuMasks.count));
  const gpuScores = score0.map((s, i) => (s * gpuStats.probSum[i]!) / gpuStats.count[i]!);
  for (let i = 0; i < n; i++) expect(gpuScores[i]!).toBeCloseTo(cpuScores[i]!, 5);
  expect(matrixNms(gpuInter, labels, gpuScores).indices).toEqual(matrixNms(cpuInter, labels, cpuScores).indices);

  const labelMap = semanticArgmax(ctx, { logits, labels, scores: score0, n, hm, wm: hm, h0, w0, k: 2 });
  const gpuMap = new Uint32Array(await readChecked(device, labelMap, h0 * w0 * 4));
  const cpuMap = semanticArgmaxCpu(cpuLogits, labels, score0, { n, hm, wm: hm, h0, w0, k: 2 });
  const differing = gpuMap.reduce((count, label, i) => count + Number(label !== cpuMap[i]), 0);
  // Two classes of three instances each: a flip needs the two sums within f32 rounding.
  expect(differing).toBe(0);

  destroyPackedMasks(masks);
  for (const b of [featBuf, queryBuf, logits, stats, inter, labelMap]) b.destroy();
});
