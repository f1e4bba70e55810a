/**
 * Mask retrieval and its post-processing (spec §5): the 16 <MASK> states of each instance against
 * the image features, the 4x4 shuffle, bilinear resize to the image, sigmoid threshold, per-mask
 * scores, pairwise intersections for Matrix NMS, and the semantic label map.
 *
 * Two implementations of one interface: WGSL kernels on ORT's own GPUDevice (gpu-stages.ts), with the features
 * read straight from the encoder's GPU output (WebGPU path), and the kernels' CPU twins (wasm and
 * Node). Only per-instance numbers and the final masks come back to the CPU.
 */
import { maskIntersectionsCpu } from '../kernels/mask-iou-cpu';
import { maskResizeCpu } from '../kernels/mask-resize-cpu';
import { maskSimilarityCpu } from '../kernels/mask-similarity-cpu';
import { semanticArgmaxCpu } from '../kernels/semantic-argmax-cpu';
import type { Tensor } from './ort';
import { readFloat } from './tensors';

export interface MaskShape {
  n: number; // instances
  p: number; // feature grid side
  c: number; // width
  h0: number; // output height and width
  w0: number;
}

/** Binary masks (bit-packed rows, 32 pixels a word) with their scores' ingredients. */
export interface MaskSet {
  wordsPerRow: number;
  /** (N, H0, wordsPerRow) words. */
  bits: Uint32Array;
  /** On-pixels and the sum of their probabilities, per mask. */
  count: number[];
  probSum: number[];
  /** (N, N) intersection counts; the diagonal holds the areas. */
  intersections: Uint32Array;
}

/** (N, 16, C) mask queries: on the CPU, or a GPU buffer the caller owns (WebGPU path). */
export type Queries = Float32Array | GPUBuffer;

/**
 * The hidden states of the decode steps that predicted <MASK>, per sequence, in order (spec §1.7):
 * kept where the decoder left them, and assembled into queries for the chosen sequences.
 */
export interface MaskStates {
  keep(hidden: Tensor, rows: number[], sequences: number[]): Promise<void>;
  count(sequence: number): number;
  queries(sequences: number[]): Promise<Queries>;
  dispose(): void;
}

export interface MaskBackend {
  states(): MaskStates;
  /** Instance masks from (N, 16, C) queries, with intersections when `pairs` is set. */
  masks(feat: Tensor, queries: Queries, shape: MaskShape, pairs: boolean): Promise<MaskSet>;
  /** Label map argmax_c sum score * prob (spec §5.2). */
  semantic(feat: Tensor, queries: Queries, labels: Uint32Array, scores: Float32Array, shape: MaskShape, classes: number): Promise<Uint32Array>;
}

function cpuStates(embedDim: number, tokens: number): MaskStates {
  const kept = new Map<number, Float32Array[]>();
  return {
    async keep(hidden, rows, sequences) {
      const data = await readFloat(hidden);
      rows.forEach((r, i) => {
        const list = kept.get(sequences[i]!) ?? [];
        list.push(data.slice(r * embedDim, (r + 1) * embedDim));
        kept.set(sequences[i]!, list);
      });
    },
    count: (sequence) => kept.get(sequence)?.length ?? 0,
    async queries(sequences) {
      const out = new Float32Array(sequences.length * tokens * embedDim);
      sequences.forEach((q, n) => kept.get(q)!.slice(0, tokens).forEach((v, k) => out.set(v, (n * tokens + k) * embedDim)));
      return out;
    },
    dispose: () => kept.clear(),
  };
}

function onCpu(queries: Queries): Float32Array {
  if (!(queries instanceof Float32Array)) throw new TypeError('the CPU mask path needs CPU queries');
  return queries;
}

/** The CPU twins (wasm and Node paths). */
export const cpuMasks = (embedDim: number, tokens: number): MaskBackend => ({
  states: () => cpuStates(embedDim, tokens),
  async masks(feat, queries, s, pairs) {
    const logits = maskSimilarityCpu(await readFloat(feat), onCpu(queries), s);
    const r = maskResizeCpu(logits, { n: s.n, hm: 4 * s.p, wm: 4 * s.p, h0: s.h0, w0: s.w0 });
    const intersections = pairs ? maskIntersectionsCpu(r.bits, s.n, s.h0 * r.wordsPerRow) : new Uint32Array(0);
    return { wordsPerRow: r.wordsPerRow, bits: r.bits, count: Array.from(r.count), probSum: Array.from(r.probSum), intersections };
  },
  async semantic(feat, queries, labels, scores, s, classes) {
    const logits = maskSimilarityCpu(await readFloat(feat), onCpu(queries), s);
    return semanticArgmaxCpu(logits, labels, scores, { n: s.n, hm: 4 * s.p, wm: 4 * s.p, h0: s.h0, w0: s.w0, k: classes });
  },
});

/** One mask of a MaskSet as 1 byte per pixel (the API's Mask layout). */
export function unpackMask(set: MaskSet, index: number, h0: number, w0: number): Uint8Array {
  const out = new Uint8Array(h0 * w0);
  const base = index * h0 * set.wordsPerRow;
  for (let y = 0; y < h0; y++) {
    const row = base + y * set.wordsPerRow;
    for (let x = 0; x < w0; x++) out[y * w0 + x] = (set.bits[row + (x >>> 5)]! >>> (x & 31)) & 1;
  }
  return out;
}
