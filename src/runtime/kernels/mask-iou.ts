/**
 * Pairwise intersections of packed binary masks, for Matrix NMS (spec §5.1 step 10).
 *
 * Output: (N, N) u32, inter[i * N + j] = number of pixels on in both mask i and mask j; the matrix
 * is symmetric and its diagonal holds the areas, so IoU_ij = inter_ij / (inter_ii + inter_jj - inter_ij).
 * Input: the packed masks of maskResize (layout in mask-resize.ts), in any number of row chunks.
 */
import shaderSource from '../../../shaders/mask-iou.wgsl?raw';
import type { PackedMasks } from './mask-resize';
import {
  bindBuffers,
type GpuKernelContext,
  checkBufferSize,
  checkInt,
  createOutput,
  createUniform,
  getPipeline,
  workgroupGrid,
} from './gpu-kernel';

/** Returns a new (N, N) u32 buffer of intersection counts; the caller owns it. */
export function maskIntersections(ctx: GpuKernelContext, masks: PackedMasks): GPUBuffer {
  const { device } = ctx;
  const { n, wordsPerRow } = masks;
  checkInt('masks.n', n, 0);
  checkInt('masks.wordsPerRow', wordsPerRow, 1);
  const inter = createOutput(device, 'mask-iou intersections', n * n * 4);
  if (n === 0) return inter;

  const pipeline = getPipeline(device, 'mask-iou', shaderSource, 'main');
  const grid = workgroupGrid(device, n * n);
  const uniforms: GPUBuffer[] = [];
  const encoder = device.createCommandEncoder({ label: 'mask-iou' });
  const pass = encoder.beginComputePass();
  pass.setPipeline(pipeline);
  for (const [index, chunk] of masks.chunks.entries()) {
    const wordsPerMask = chunk.rowCount * wordsPerRow;
    checkBufferSize(`masks.chunks[${index}].bits`, chunk.bits, n * wordsPerMask * 4);
    const uniform = createUniform(device, 'mask-iou params', new Uint32Array([n, wordsPerMask, 0, 0]).buffer);
    uniforms.push(uniform);
    pass.setBindGroup(
      0,
      bindBuffers(device, pipeline, [uniform, chunk.bits, inter]),
    );
    pass.dispatchWorkgroups(...grid);
  }
  pass.end();
  device.queue.submit([encoder.finish()]);
  for (const uniform of uniforms) uniform.destroy();
  return inter;
}
