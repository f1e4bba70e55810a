/**
 * The engine's stages that run as our own WGSL on onnxruntime-web's GPUDevice: the model-input
 * resize (its output feeds the encoder as a GPU tensor) and the MaskBackend, which reads the image
 * features straight from the encoder's GPU output. Kept apart from the rest of the engine so the
 * Node and wasm paths never load WGSL sources.
 */
import type { RgbaImage } from '../api';
import { resizeNormalize } from '../image/resize-input';
import type { ChannelTriple } from '../image/resize-input-cpu';
import { createInput, readBuffer } from '../kernels/gpu-kernel';
import { maskIntersections } from '../kernels/mask-iou';
import { destroyPackedMasks, maskResize, readMaskStats, type PackedMasks } from '../kernels/mask-resize';
import { wordsPerRow } from '../kernels/mask-resize-cpu';
import { maskSimilarity } from '../kernels/mask-similarity';
import { semanticArgmax } from '../kernels/semantic-argmax';
import type { MaskBackend, MaskShape, MaskStates, Queries } from './masks';
import type { Tensor } from './ort';

/**
 * Mask states kept on the GPU: each step's <MASK> rows are copied out of the decoder's hidden
 * output into one buffer per sequence, and queries are assembled by copies, so the states never
 * visit the CPU.
 */
function gpuStates(device: GPUDevice, embedDim: number, tokens: number): MaskStates {
  const row = embedDim * 4;
  const kept = new Map<number, { buffer: GPUBuffer; count: number }>();
  return {
    async keep(hidden, rows, sequences) {
      const encoder = device.createCommandEncoder({ label: 'keep mask states' });
      rows.forEach((r, i) => {
        let entry = kept.get(sequences[i]!);
        if (!entry) {
          const buffer = device.createBuffer({ label: 'mask states', size: tokens * row, usage: GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST });
          entry = { buffer, count: 0 };
          kept.set(sequences[i]!, entry);
        }
        // Only the first `tokens` states matter: an answer with more <MASK>s is rejected anyway.
        if (entry.count < tokens) encoder.copyBufferToBuffer(hidden.gpuBuffer as GPUBuffer, r * row, entry.buffer, entry.count * row, row);
        entry.count++;
      });
      // Submitted before the decoder's next run, which may reuse the hidden buffer.
      device.queue.submit([encoder.finish()]);
    },
    count: (sequence) => kept.get(sequence)?.count ?? 0,
    async queries(sequences) {
      const out = device.createBuffer({ label: 'mask queries', size: Math.max(4, sequences.length * tokens * row), usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST });
      const encoder = device.createCommandEncoder({ label: 'assemble mask queries' });
      sequences.forEach((q, n) => encoder.copyBufferToBuffer(kept.get(q)!.buffer, 0, out, n * tokens * row, tokens * row));
      device.queue.submit([encoder.finish()]);
      return out;
    },
    dispose() {
      kept.forEach((e) => e.buffer.destroy());
      kept.clear();
    },
  };
}

export function gpuMasks(device: GPUDevice, embedDim: number, tokens: number): MaskBackend {
  const ctx = { device };
  const logitsOf = (feat: Tensor, queries: Queries, s: MaskShape): GPUBuffer => {
    const q = queries instanceof Float32Array ? createInput(device, 'mask queries', queries) : queries;
    try {
      // The encoder's img_feat output never leaves the GPU.
      return maskSimilarity(ctx, { feat: feat.gpuBuffer as GPUBuffer, queries: q, n: s.n, p: s.p, c: s.c });
    } finally {
      if (q !== queries) q.destroy();
    }
  };
  return {
    states: () => gpuStates(device, embedDim, tokens),
    async masks(feat, queries, s, pairs) {
      const logits = logitsOf(feat, queries, s);
      let packed: PackedMasks | null = null;
      try {
        const r = maskResize(ctx, { logits, n: s.n, hm: 4 * s.p, wm: 4 * s.p, h0: s.h0, w0: s.w0 });
        packed = r.masks;
        const stats = await readMaskStats(device, r.stats, s.n);
        r.stats.destroy();
        let intersections = new Uint32Array(0);
        if (pairs) {
          const inter = maskIntersections(ctx, packed);
          intersections = new Uint32Array(await readBuffer(device, inter, s.n * s.n * 4));
          inter.destroy();
        }
        const words = wordsPerRow(s.w0);
        const bits = new Uint32Array(s.n * s.h0 * words);
        for (const chunk of packed.chunks) {
          const data = new Uint32Array(await readBuffer(device, chunk.bits, s.n * chunk.rowCount * words * 4));
          for (let i = 0; i < s.n; i++) {
            bits.set(data.subarray(i * chunk.rowCount * words, (i + 1) * chunk.rowCount * words), (i * s.h0 + chunk.rowStart) * words);
          }
        }
        return { wordsPerRow: words, bits, count: Array.from(stats.count), probSum: Array.from(stats.probSum), intersections };
      } finally {
        logits.destroy();
        if (packed) destroyPackedMasks(packed);
      }
    },
    async semantic(feat, queries, labels, scores, s, classes) {
      const logits = logitsOf(feat, queries, s);
      try {
        const out = semanticArgmax(ctx, { logits, labels, scores, n: s.n, hm: 4 * s.p, wm: 4 * s.p, h0: s.h0, w0: s.w0, k: classes });
        const map = new Uint32Array(await readBuffer(device, out, s.h0 * s.w0 * 4));
        out.destroy();
        return map;
      } finally {
        logits.destroy();
      }
    },
  };
}

/** Resize + normalise an RGBA image into a (1, 3, S, S) f32 GPU buffer (bilinear, spec §2). */
export function gpuResize(device: GPUDevice) {
  return (image: RgbaImage, size: number, mean: ChannelTriple, std: ChannelTriple): GPUBuffer => {
    const input = createInput(device, 'rgba image', image.data);
    try {
      return resizeNormalize({ device }, { image: input, width: image.width, height: image.height, size, mean, std });
    } finally {
      input.destroy();
    }
  };
}
