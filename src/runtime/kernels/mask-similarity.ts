/**
 * Mask retrieval logits (spec §5.1 steps 4-5): the 16 mask-token queries of each instance against
 * the image features, pixel-shuffled 4x4 into a (4P, 4P) logit map per instance.
 *
 * Layouts (f32, row-major): feat (P, P, C) as [y][x][c]; queries (N, 16, C); logits (N, 4P, 4P)
 * with logits[n, 4y+a, 4x+b] = dot(queries[n, 4a+b], feat[y, x]) / sqrt(C).
 */
import shaderSource from '../../../shaders/mask-similarity.wgsl?raw';
import {
  bindBuffers,
  type GpuKernelContext,
  ceilDiv,
  checkBufferSize,
  createOutput,
  createUniform,
  getPipeline,
} from './gpu-kernel';
import { type MaskSimilarityShape, checkMaskSimilarityShape } from './mask-similarity-cpu';

export interface MaskSimilarityArgs extends MaskSimilarityShape {
  /** (P, P, C) f32. */
  feat: GPUBuffer;
  /** (N, 16, C) f32. */
  queries: GPUBuffer;
}

/** GEMM tile edge in rows and pixels; must match TILE in the shader. */
const TILE = 32;

/**
 * Returns a new (N, 4P, 4P) f32 buffer of logits; the caller owns it. For N = 0 it is an empty
 * buffer and nothing is dispatched.
 */
export function maskSimilarity(ctx: GpuKernelContext, args: MaskSimilarityArgs): GPUBuffer {
  checkMaskSimilarityShape(args);
  const { device } = ctx;
  const { n, p, c } = args;
  checkBufferSize('feat', args.feat, p * p * c * 4);
  checkBufferSize('queries', args.queries, n * 16 * c * 4);
  const out = createOutput(device, 'mask-similarity logits', n * 16 * p * p * 4);
  if (n === 0) return out;

  const gridX = ceilDiv(p * p, TILE);
  const gridY = ceilDiv(n * 16, TILE);
  const limit = device.limits.maxComputeWorkgroupsPerDimension;
  if (gridY > limit) throw new RangeError(`n = ${n} needs ${gridY} workgroup rows, over ${limit}`);
  if (gridX > limit) throw new RangeError(`p = ${p} needs ${gridX} workgroup columns, over ${limit}`);

  const pipeline = getPipeline(device, 'mask-similarity', shaderSource, 'main');
  const uniform = createUniform(device, 'mask-similarity shape', new Uint32Array([n, p, c, 0]).buffer);
  const bindGroup = bindBuffers(device, pipeline, [uniform, args.feat, args.queries, out]);
  const encoder = device.createCommandEncoder({ label: 'mask-similarity' });
  const pass = encoder.beginComputePass();
  pass.setPipeline(pipeline);
  pass.setBindGroup(0, bindGroup);
  pass.dispatchWorkgroups(gridX, gridY);
  pass.end();
  device.queue.submit([encoder.finish()]);
  uniform.destroy();
  return out;
}
