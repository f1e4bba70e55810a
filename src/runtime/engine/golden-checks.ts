/**
 * Shared checks of the engine against the PyTorch oracle's golden fixtures (models/golden.py):
 * identical token ids, boxes within 0.5 px, mask IoU >= 0.99, label maps identical except where
 * two classes tie.
 */
import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import type { Box, UfoModel } from '../api';
import { type Golden, type GoldenCase, type TensorRef, maskFromRuns, maskIou } from './golden-fixtures';

function expectBox(got: Box | null, want: number[]): void {
  if (want.every((v) => v === 0)) return expect(got).toBeNull();
  expect(got).not.toBeNull();
  [got!.x1, got!.y1, got!.x2, got!.y2].forEach((v, i) => expect(Math.abs(v - want[i]!)).toBeLessThanOrEqual(0.5));
}

export async function expectGoldenCase(model: UfoModel, dir: string, c: GoldenCase): Promise<void> {
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
  model.releaseImage(image);
}

export function readGolden(dir: string): Golden {
  return JSON.parse(readFileSync(`${dir}/golden.json`, 'utf8')) as Golden;
}

export function readTensor(dir: string, ref: TensorRef): Float32Array | Uint8Array | BigInt64Array {
  const b = readFileSync(`${dir}/${ref.file}`);
  const buf = b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength);
  return ref.dtype === 'float32' ? new Float32Array(buf) : ref.dtype === 'uint8' ? new Uint8Array(buf) : new BigInt64Array(buf);
}
