/**
 * The engine in headless Chromium against the PyTorch oracle, on both onnxruntime-web EPs: wasm,
 * and WebGPU (SwiftShader here) with the WGSL kernels. The micro models keep WebGPU fast enough
 * (the briefly trained one answers with boxes and masks, so the GPU mask path runs); UFO-Tiny
 * runs on wasm.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Backend, Box, UfoModel } from '../api';
import { loadModel } from '.';
import { type GoldenCase, maskFromRuns, maskIou } from './golden-fixtures';

interface Golden {
  package: string;
  cases: GoldenCase[];
}

async function json<T>(url: string): Promise<T> {
  const r = await fetch(url);
  expect(r.ok, url).toBe(true);
  return (await r.json()) as T;
}

function expectBox(got: Box | null, want: number[]): void {
  if (want.every((v) => v === 0)) return expect(got).toBeNull();
  [got!.x1, got!.y1, got!.x2, got!.y2].forEach((v, i) => expect(Math.abs(v - want[i]!)).toBeLessThanOrEqual(0.5));
}

const runs: { fixture: string; backend: Backend }[] = [
  { fixture: 'micro', backend: 'webgpu' },
  { fixture: 'micro', backend: 'wasm' },
  { fixture: 'micro-trained', backend: 'webgpu' },
  { fixture: 'micro-trained', backend: 'wasm' },
  { fixture: 'ufo-tiny', backend: 'wasm' },
];

for (const { fixture, backend } of runs) {
  describe(`${fixture} on ${backend}`, () => {
    const base = `/src/runtime/engine/__fixtures__/${fixture}`;
    let golden: Golden;
    let model: UfoModel;
    beforeAll(async () => {
      golden = await json<Golden>(`${base}/golden.json`);
      const url = golden.package === 'package' ? `${base}/package/` : `/${golden.package.replace(/^public\//, '')}/`;
      model = await loadModel({ kind: 'url', url }, { backend, dtype: 'fp32', cache: null });
      expect(model.backend.backend).toBe(backend);
    }, 300_000);
    afterAll(() => model?.dispose());

    test('every task matches the oracle', async () => {
      for (const c of golden.cases) {
        const image = await model.addImage(await (await fetch(`${base}/${c.image}`)).blob());
        const size = c.width * c.height;
        if (c.task === 'grounding' || c.task === 'referring_segmentation') {
          const r = await model.refer(image, c.expression!, { mask: c.task === 'referring_segmentation' });
          expect(r.tokens, `${c.image} ${c.task}`).toEqual(c.ids);
          expectBox(r.box, c.box!);
          const want = c.mask_runs as number[] | null | undefined;
          if (c.task === 'referring_segmentation' && want) expect(maskIou(r.mask!.data, maskFromRuns(want, size))).toBeGreaterThanOrEqual(0.99);
        } else if (c.task === 'instance_segmentation') {
          const r = await model.segmentInstances(image);
          expect(r.detections.map((d) => d.labelIndex), `${c.image} ${c.task}`).toEqual(c.labels);
          r.detections.forEach((d, i) => expect(maskIou(d.mask!.data, maskFromRuns((c.mask_runs as number[][])[i]!, size))).toBeGreaterThanOrEqual(0.99));
        } else if (c.task === 'detection') {
          const r = await model.detect(image);
          expect(r.detections.map((d) => d.labelIndex), `${c.image} ${c.task}`).toEqual(c.labels);
          r.detections.forEach((d, i) => expectBox(d.box, c.boxes![i]!));
        } else if (c.task === 'caption') {
          expect((await model.caption(image)).tokens, `${c.image} ${c.task}`).toEqual(c.ids);
        } else if (c.task === 'semantic_segmentation') {
          const r = await model.segmentSemantic(image);
          const want = new Uint8Array(await (await fetch(`${base}/${c.label_map!.file}`)).arrayBuffer());
          let differ = 0;
          for (let i = 0; i < size; i++) differ += r.labels[i] === want[i] ? 0 : 1;
          expect(differ / size).toBeLessThan(1e-3);
        }
        model.releaseImage(image);
      }
    }, 600_000);
  });
}
