/**
 * Mask resize + sigmoid + threshold + score statistics (spec §5.1 steps 6-9).
 *
 * From low-res logits (N, Hm, Wm) f32 to binary masks at the image size (H0, W0), never holding
 * N*H0*W0 floats: each output u32 packs 32 pixels.
 *
 * Packed layout: one row of a mask is `wordsPerRow = ceil(W0 / 32)` u32 words; bit b of word w is
 * pixel x = 32w + b (least significant bit first); bits past W0 are 0. Rows are padded to whole
 * words so a row starts on a word and masks can be split into row chunks. A chunk covering rows
 * [rowStart, rowStart + rowCount) stores mask n's rows contiguously:
 * word index (n * rowCount + (y - rowStart)) * wordsPerRow + w. One chunk covers every row unless
 * N*H0*wordsPerRow*4 bytes exceeds the storage-buffer limit (see maxStorageBytes).
 *
 * Stats layout: per mask two 32-bit words [count: u32, probSum: f32], the number of on-pixels
 * (prob > 0.5) and the sum of prob over them. Score = score0 * probSum / count (spec §5.1 step 8);
 * count = 0 means the instance is dropped (step 7). Sums are reduced on the GPU in a fixed order
 * (per-workgroup tree, then one workgroup per mask), so results are deterministic; the stats stay on
 * the GPU with the masks and only 8 bytes per instance need reading back.
 */
import shaderSource from '../../../shaders/mask-resize.wgsl?raw';
import { bilinearScale } from './bilinear';
import {
  bindBuffers,
  type GpuKernelContext,
  WORKGROUP_SIZE,
  ceilDiv,
  checkBufferSize,
  createOutput,
  createUniform,
  getPipeline,
  maxStorageBytes,
  readBuffer,
  workgroupGrid,
} from './gpu-kernel';
import { type MaskResizeShape, checkMaskResizeShape, wordsPerRow } from './mask-resize-cpu';

export interface MaskResizeArgs extends MaskResizeShape {
  /** (N, Hm, Wm) f32. */
  logits: GPUBuffer;
  /** Upper bound on the bytes of one chunk of packed masks; defaults to maxStorageBytes(device). */
  maxChunkBytes?: number;
}

export interface PackedMaskChunk {
  readonly rowStart: number;
  readonly rowCount: number;
  /** (N, rowCount, wordsPerRow) u32. */
  readonly bits: GPUBuffer;
}

/** Binary masks on the GPU, in row chunks (see the layout above). The caller owns the buffers. */
export interface PackedMasks {
  readonly n: number;
  readonly h0: number;
  readonly w0: number;
  readonly wordsPerRow: number;
  readonly chunks: readonly PackedMaskChunk[];
}

export interface MaskResizeResult {
  masks: PackedMasks;
  /** (N, 2) words: [count u32, probSum f32] per mask. */
  stats: GPUBuffer;
}

export interface MaskStats {
  count: Uint32Array;
  probSum: Float32Array;
}

/** Bytes of the Params uniform in mask-resize.wgsl (12 words). */
const PARAMS_BYTES = 48;

export function maskResize(ctx: GpuKernelContext, args: MaskResizeArgs): MaskResizeResult {
  checkMaskResizeShape(args);
  const { device } = ctx;
  const { n, hm, wm, h0, w0 } = args;
  checkBufferSize('logits', args.logits, n * hm * wm * 4);
  const words = wordsPerRow(w0);
  const stats = createOutput(device, 'mask-resize stats', n * 8);
  if (n === 0) return { masks: { n, h0, w0, wordsPerRow: words, chunks: [] }, stats };

  const limit = Math.min(args.maxChunkBytes ?? Infinity, maxStorageBytes(device));
  const rowsPerChunk = Math.min(h0, Math.floor(limit / (n * words * 4)));
  if (rowsPerChunk < 1) {
    throw new RangeError(`maxChunkBytes: ${limit} bytes cannot hold one row of ${n} masks of width ${w0}`);
  }
  const maxWgPerMask = ceilDiv(rowsPerChunk * words, WORKGROUP_SIZE);
  const partials = createOutput(device, 'mask-resize partials', n * maxWgPerMask * 8);
  const resizePipeline = getPipeline(device, 'mask-resize', shaderSource, 'resize');
  const reducePipeline = getPipeline(device, 'mask-resize', shaderSource, 'reduceStats');

  const chunks: PackedMaskChunk[] = [];
  const uniforms: GPUBuffer[] = [];
  const encoder = device.createCommandEncoder({ label: 'mask-resize' });
  const pass = encoder.beginComputePass();
  for (let rowStart = 0; rowStart < h0; rowStart += rowsPerChunk) {
    const rowCount = Math.min(rowsPerChunk, h0 - rowStart);
    const bits = createOutput(device, `mask-resize bits rows ${rowStart}+${rowCount}`, n * rowCount * words * 4);
    chunks.push({ rowStart, rowCount, bits });
    const wgPerMask = ceilDiv(rowCount * words, WORKGROUP_SIZE);
    const data = new ArrayBuffer(PARAMS_BYTES);
    new Uint32Array(data).set([n, hm, wm, h0, w0, rowStart, rowCount, words, wgPerMask]);
    new Float32Array(data).set([bilinearScale(hm, h0), bilinearScale(wm, w0)], 9);
    const uniform = createUniform(device, 'mask-resize params', data);
    uniforms.push(uniform);

    pass.setPipeline(resizePipeline);
    pass.setBindGroup(
      0,
      bindBuffers(device, resizePipeline, [uniform, args.logits, bits, partials]),
    );
    pass.dispatchWorkgroups(...workgroupGrid(device, n * wgPerMask));

    // Dispatches in one pass are ordered for storage writes, so this reads the partials above.
    pass.setPipeline(reducePipeline);
    pass.setBindGroup(
      0,
      device.createBindGroup({
        layout: reducePipeline.getBindGroupLayout(0),
        entries: [
          { binding: 0, resource: { buffer: uniform } },
          { binding: 3, resource: { buffer: partials } },
          { binding: 4, resource: { buffer: stats } },
        ],
      }),
    );
    pass.dispatchWorkgroups(...workgroupGrid(device, n));
  }
  pass.end();
  device.queue.submit([encoder.finish()]);
  // Destroying after submit is safe: the queue keeps them alive until the work completes.
  partials.destroy();
  for (const uniform of uniforms) uniform.destroy();
  return { masks: { n, h0, w0, wordsPerRow: words, chunks }, stats };
}

/** Reads the stats buffer of maskResize back into two typed arrays. */
export async function readMaskStats(device: GPUDevice, stats: GPUBuffer, n: number): Promise<MaskStats> {
  const data = await readBuffer(device, stats, n * 8);
  const words = new Uint32Array(data);
  const floats = new Float32Array(data);
  const count = new Uint32Array(n);
  const probSum = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    count[i] = words[2 * i]!;
    probSum[i] = floats[2 * i + 1]!;
  }
  return { count, probSum };
}

export function destroyPackedMasks(masks: PackedMasks): void {
  for (const chunk of masks.chunks) chunk.bits.destroy();
}
