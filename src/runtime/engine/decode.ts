/**
 * Greedy decoding of a batch of independent sequences with a KV cache (spec §4.5, §6.1, §7).
 *
 * Grid tasks decode every grid point side by side; grounding and RES are the batch of one. The
 * decoder graph gathers each sequence's cache row (`rows`), so finished sequences and, after the
 * first step, sequences whose first token cannot start a class name simply leave the batch: the
 * spec's exact pruning, which the result does not depend on (a test checks it against decoding
 * each point alone).
 */
import { throwIfAborted } from '../errors';
import type { MaskStates } from './masks';
import type { Tensor } from './ort';
import { release } from './tensors';

export interface StepOutput {
  nextId: number[];
  maxProb: number[];
  hidden: Tensor; // (N, C)
  present: Tensor[]; // the cache after this step, per layer, one row per input sequence
  topkLogp: number[]; // (N, K) flattened, for beam search
  topkIds: number[];
}

/** One decoder step: ids (N) at position `pos`, cache rows `rows` of every layer's `past`. */
export type StepFn = (ids: number[], pos: number, past: Tensor[], rows: number[]) => Promise<StepOutput>;

/** Free a per-layer cache unless it is the caller's prefix. */
export function releaseCache(cache: Tensor[], prefix: Tensor[]): void {
  if (cache !== prefix) cache.forEach(release);
}

export interface DecodeOptions {
  /** Sequences to start, one per cache row of `prefix` (grid points, or a single row). */
  count: number;
  /** The prefix row each sequence starts from; default 0..count-1. */
  initialRows?: number[];
  start: number; // [CLS]
  end: number; // [SEP]
  mask: number; // <MASK>: the states predicting it are kept for mask retrieval
  maxLength: number;
  /** Where the hidden states of steps that predicted <MASK> go (kept on the GPU on WebGPU). */
  states: MaskStates;
  /** After step 0, keep only sequences whose first token passes (null: keep all). */
  firstToken: ((id: number) => boolean) | null;
  signal?: AbortSignal;
  onStep?: (step: number, active: number) => void;
}

export interface DecodeResult {
  ids: number[][];
  probs: number[][];
  batchSizes: number[];
}

export async function decodeBatch(step: StepFn, prefix: Tensor[], o: DecodeOptions): Promise<DecodeResult> {
  const ids: number[][] = Array.from({ length: o.count }, () => []);
  const probs: number[][] = Array.from({ length: o.count }, () => []);
  const batchSizes: number[] = [];
  let active = Array.from({ length: o.count }, (_, i) => i);
  let rows = o.initialRows ?? active.slice();
  let input = active.map(() => o.start);
  let past = prefix;
  try {
    for (let s = 0; s < o.maxLength && active.length > 0; s++) {
      throwIfAborted(o.signal, 'Decoding');
      batchSizes.push(active.length);
      const out = await step(input, s, past, rows);
      releaseCache(past, prefix);
      past = out.present;
      const maskRows = out.nextId.flatMap((id, r) => (id === o.mask ? [r] : []));
      if (maskRows.length > 0) await o.states.keep(out.hidden, maskRows, maskRows.map((r) => active[r]!));
      release(out.hidden);
      const keep: number[] = [];
      out.nextId.forEach((id, r) => {
        ids[active[r]!]!.push(id);
        probs[active[r]!]!.push(out.maxProb[r]!);
        const alive = id !== o.end && (s > 0 || o.firstToken === null || o.firstToken(id));
        if (alive) keep.push(r);
      });
      active = keep.map((r) => active[r]!);
      input = keep.map((r) => out.nextId[r]!);
      rows = keep;
      o.onStep?.(s, active.length);
    }
  } finally {
    releaseCache(past, prefix);
  }
  return { ids, probs, batchSizes };
}
