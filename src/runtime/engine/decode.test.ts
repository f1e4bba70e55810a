/**
 * Grid-point decoding in one batch, with finished and rejected sequences dropped, gives exactly
 * what decoding every grid point alone gives (spec §4.1: grid points are independent).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { decodeBatch, type StepFn } from './decode';
import { cpuMasks } from './masks';
import { loadOrt, type Ort, type Session, type Tensor } from './ort';
import { float32, int64, readFloat, readInt } from './tensors';

const dir = 'src/runtime/engine/__fixtures__/micro/';
const golden = JSON.parse(readFileSync(dir + 'golden.json', 'utf8'));
const config = JSON.parse(readFileSync(dir + 'package/config.json', 'utf8'));

function tensorFile(ort: Ort, ref: { file: string; dims: number[] }) {
  const b = readFileSync(dir + ref.file);
  return float32(ort, new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength)), ref.dims);
}

function stepper(ort: Ort, session: Session): StepFn {
  return async (ids, pos, past, rows) => {
    const feeds: Record<string, Tensor> = {
      ids: int64(ort, ids, [ids.length, 1]), pos: int64(ort, [pos], [1]),
      rows: int64(ort, rows, [rows.length]), temperature: float32(ort, new Float32Array([1]), [1]),
    };
    past.forEach((p, j) => (feeds[`past_${j}`] = p));
    const out = await session.run(feeds);
    return {
      nextId: await readInt(out.next_id!), maxProb: Array.from(await readFloat(out.max_prob!)), hidden: out.hidden!,
      present: past.map((_, j) => out[`present_${j}`]!), topkLogp: Array.from(await readFloat(out.topk_logp!)), topkIds: await readInt(out.topk_ids!),
    };
  };
}

describe('grid decoding', () => {
  test('one pruned batch equals every grid point decoded alone', async () => {
    const ort = await loadOrt('cpu');
    const weights = readFileSync(dir + 'package/onnx/weights.bin');
    const session = await ort.InferenceSession.create(readFileSync(dir + 'package/onnx/decoder_grid.onnx'), {
      externalData: [{ path: 'weights.bin', data: new Uint8Array(weights) }],
    });
    const prefix = (golden.stages.fp32.grid_kv as { file: string; dims: number[] }[]).map((ref) => tensorFile(ort, ref));
    const points = prefix[0]!.dims[1]!;
    const t = config.tasks.detection;
    // Any first token other than the few below ends a sequence, so the batch shrinks over time.
    const keepFirst = new Set([...Array(40).keys()].map((i) => i * 5));
    const options = {
      count: points, start: config.tokens.cls, end: config.tokens.sep, mask: config.tokens.mask,
      maxLength: t.max_length, states: cpuMasks(config.model.embed_dim, 16).states(), firstToken: (id: number) => keepFirst.has(id),
    };
    const step = stepper(ort, session);
    const batch = await decodeBatch(step, prefix, options);
    expect(batch.batchSizes[0]).toBe(points);
    expect(batch.batchSizes.at(-1)).toBeLessThan(points); // pruning happened
    for (let g = 0; g < points; g++) {
      const alone = await decodeBatch(step, prefix, { ...options, count: 1, initialRows: [g] });
      expect(alone.ids[0]).toEqual(batch.ids[g]);
      alone.probs[0]!.forEach((p, s) => expect(p).toBeCloseTo(batch.probs[g]![s]!, 5));
    }
  });
});
