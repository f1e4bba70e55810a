/**
 * The engine against the PyTorch oracle (fixtures from models/golden.py) on UFO-Tiny, fp32, in
 * Node: identical token ids, boxes within 0.5 px, mask IoU >= 0.99, identical label maps except
 * where classes tie.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { UfoModel } from '../api';
import { loadPackage } from '../package';
import { maskFromRuns, maskIou, readGolden, readTensor } from './golden-fixtures';
import { createModel } from '.';

const dir = 'src/runtime/engine/__fixtures__/ufo-tiny';
const golden = readGolden(dir);

function expectBox(got: { x1: number; y1: number; x2: number; y2: number } | null, want: number[]): void {
  if (want.every((v) => v === 0)) return expect(got).toBeNull();
  expect(got).not.toBeNull();
  [got!.x1, got!.y1, got!.x2, got!.y2].forEach((v, i) => expect(Math.abs(v - want[i]!)).toBeLessThanOrEqual(0.5));
}

describe('UFO-Tiny fp32 matches the PyTorch oracle', () => {
  let model: UfoModel;
  beforeAll(async () => {
    const pkg = await loadPackage({ kind: 'path', path: golden.package }, { dtype: 'fp32', cache: null });
    model = await createModel(pkg);
  });
  afterAll(() => model.dispose());

  for (const c of golden.cases) {
    test(`${c.image} ${c.task}`, async () => {
      const image = await model.addImage(new Uint8Array(readFileSync(`${dir}/${c.image}`)));
      const size = c.width * c.height;
      switch (c.task) {
        case 'grounding':
        case 'referring_segmentation': {
          const r = await model.refer(image, c.expression!, { mask: c.task === 'referring_segmentation' });
          expect(r.tokens).toEqual(c.ids);
          expectBox(r.box, c.box!);
          if (c.task === 'referring_segmentation') {
            const runs = c.mask_runs as number[] | null;
            if (runs === null) expect(r.mask).toBeNull();
            else expect(maskIou(r.mask!.data, maskFromRuns(runs, size))).toBeGreaterThanOrEqual(0.99);
          }
          break;
        }
        case 'detection': {
          const r = await model.detect(image);
          expect(r.detections.map((d) => d.labelIndex)).toEqual(c.labels);
          r.detections.forEach((d, i) => {
            expectBox(d.box, c.boxes![i]!);
            expect(d.score).toBeCloseTo(c.scores![i]!, 4);
          });
          break;
        }
        case 'instance_segmentation': {
          const r = await model.segmentInstances(image);
          expect(r.detections.map((d) => d.labelIndex)).toEqual(c.labels);
          r.detections.forEach((d, i) => {
            expect(d.score).toBeCloseTo(c.scores![i]!, 4);
            expect(maskIou(d.mask!.data, maskFromRuns((c.mask_runs as number[][])[i]!, size))).toBeGreaterThanOrEqual(0.99);
          });
          break;
        }
        case 'semantic_segmentation': {
          const r = await model.segmentSemantic(image);
          const want = readTensor(dir, c.label_map!);
          let differ = 0;
          for (let i = 0; i < size; i++) differ += r.labels[i] === want[i] ? 0 : 1;
          // Only pixels where two classes' sums tie within float error may differ.
          expect(differ / size).toBeLessThan(1e-3);
          break;
        }
        case 'caption': {
          const r = await model.caption(image);
          expect(r.tokens).toEqual(c.ids);
          expect(r.text).toBe(c.text);
          break;
        }
      }
    });
  }
});
