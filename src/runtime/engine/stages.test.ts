/**
 * Every graph of the micro package, on each dtype, reproduces the PyTorch oracle's stage tensors:
 * fp32 within 1e-4; q4 against the oracle run with the same 4-bit weights dequantized (which pins
 * MatMulNBits' packing, scales and zero points), within the error of its fp16-stored constants;
 * fp16 storage against fp32.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { readTensor } from './golden-checks';
import type { TensorRef } from './golden-fixtures';
import { loadOrt, type Tensor } from './ort';
import { float32, int64, readFloat, readInt } from './tensors';

const dir = 'src/runtime/engine/__fixtures__/micro';
const golden = JSON.parse(readFileSync(`${dir}/golden.json`, 'utf8'));
const config = JSON.parse(readFileSync(`${dir}/package/config.json`, 'utf8'));

interface Stage {
  text_kv: TensorRef;
  grid_kv: TensorRef[];
  img_feat: TensorRef;
  next_id: number[];
  hidden: TensorRef;
}

function maxDiff(got: Float32Array, want: Float32Array): number {
  expect(got.length).toBe(want.length);
  let d = 0;
  for (let i = 0; i < got.length; i++) d = Math.max(d, Math.abs(got[i]! - want[i]!));
  return d;
}

const cases: { dtype: string; reference: 'fp32' | 'q4'; tolerance: number }[] = [
  { dtype: 'fp32', reference: 'fp32', tolerance: 1e-4 },
  { dtype: 'q4', reference: 'q4', tolerance: 1e-2 },
  { dtype: 'fp16', reference: 'fp32', tolerance: 1e-2 },
];

describe('micro graphs against the oracle, stage by stage', () => {
  for (const { dtype, reference, tolerance } of cases) {
    test(`${dtype}`, async () => {
      const ort = await loadOrt('cpu');
      const files = config.dtypes[dtype];
      const weights = new Uint8Array(readFileSync(`${dir}/package/${files.weights}`));
      const session = (graph: string) =>
        ort.InferenceSession.create(new Uint8Array(readFileSync(`${dir}/package/${files.graphs[graph]}`)), {
          externalData: [{ path: files.weights.split('/').pop(), data: weights }],
        });
      const want: Stage = golden.stages[reference];
      const ids: number[] = golden.stages.prompt_ids;
      const text = await (await session('text_encoder')).run({ ids: int64(ort, ids, [1, ids.length]) });
      expect(maxDiff(await readFloat(text.text_kv!), readTensor(dir, want.text_kv) as Float32Array)).toBeLessThan(tolerance);

      const pixelsRef = golden.stages.pixels as TensorRef;
      const pixels = float32(ort, readTensor(dir, pixelsRef) as Float32Array, pixelsRef.dims);
      const encoder = config.tasks.detection.encoder;
      const enc = await (await session(encoder)).run({ pixels, text_kv: text.text_kv! });
      expect(maxDiff(await readFloat(enc.img_feat!), readTensor(dir, want.img_feat) as Float32Array)).toBeLessThan(tolerance);
      const prefix: Tensor[] = [];
      for (const [j, ref] of want.grid_kv.entries()) {
        const got = enc[`grid_kv_${j}`]!;
        expect(maxDiff(await readFloat(got), readTensor(dir, ref) as Float32Array)).toBeLessThan(tolerance);
        prefix.push(got);
      }

      const points = prefix[0]!.dims[1]!;
      const feeds: Record<string, Tensor> = {
        ids: int64(ort, Array(points).fill(config.tokens.cls), [points, 1]), pos: int64(ort, [0], [1]),
        rows: int64(ort, [...Array(points).keys()], [points]), temperature: float32(ort, new Float32Array([1]), [1]),
      };
      prefix.forEach((p, j) => (feeds[`past_${j}`] = p));
      const step = await (await session('decoder_grid')).run(feeds);
      expect(maxDiff(await readFloat(step.hidden!), readTensor(dir, want.hidden) as Float32Array)).toBeLessThan(tolerance);
      // Only fp32 is exact enough for argmax over a random model's nearly flat logits.
      if (dtype === 'fp32') expect(await readInt(step.next_id!)).toEqual(want.next_id);
    });
  }
});
