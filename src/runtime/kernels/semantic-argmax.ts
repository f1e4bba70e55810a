/**
 * Semantic label map (spec §5.2): per image pixel, the class maximising the score-weighted sum of
 * instance probabilities, label(y, x) = argmax_c sum_{n: label_n = c} score_n * sigmoid(bilinear(M_n)(y, x)),
 * first class on ties, class 0 where no instance covers the pixel.
 *
 * Layouts: logits (N, Hm, Wm) f32 (on the GPU, from maskSimilarity); labels (N) u32 and scores (N)
 * f32 on the host, since they come from the CPU text decoder and the kernel needs them grouped by
 * class (see the shader); output (H0, W0) u32 class per pixel, row-major.
 */
import shaderSource from '../../../shaders/semantic-argmax.wgsl?raw';
import { bilinearScale } from './bilinear';
import {
  bindBuffers,
  type GpuKernelContext,
  WORKGROUP_SIZE,
  ceilDiv,
  checkBufferSize,
  createInput,
  createOutput,
  createUniform,
  getPipeline,
  workgroupGrid,
} from './gpu-kernel';
import { type SemanticArgmaxShape, checkSemanticArgmaxArgs } from './semantic-argmax-cpu';

export interface SemanticArgmaxArgs extends SemanticArgmaxShape {
  /** (N, Hm, Wm) f32. */
  logits: GPUBuffer;
  /** (N) class per instance. */
  labels: Uint32Array;
  /** (N) score per instance, finite and >= 0. */
  scores: Float32Array;
}

/** Returns a new (H0, W0) u32 label buffer; the caller owns it. */
export function semanticArgmax(ctx: GpuKernelContext, args: SemanticArgmaxArgs): GPUBuffer {
  checkSemanticArgmaxArgs(args, args.labels, args.scores);
  const { device } = ctx;
  const { n, hm, wm, h0, w0 } = args;
  checkBufferSize('logits', args.logits, n * hm * wm * 4);
  // Zero-filled, which is already the answer when there are no instances.
  const out = createOutput(device, 'semantic-argmax labels', h0 * w0 * 4);
  if (n === 0) return out;

  // Stable sort by class keeps instances of one class in their original order, the order the
  // CPU twin sums them in.
  const order = Array.from({ length: n }, (_, i) => i).sort(
    (a, b) => args.labels[a]! - args.labels[b]! || a - b,
  );
  const table = new ArrayBuffer(n * 12);
  const tableU32 = new Uint32Array(table);
  const tableF32 = new Float32Array(table);
  for (const [t, i] of order.entries()) {
    tableU32[3 * t] = i;
    tableU32[3 * t + 1] = args.labels[i]!;
    tableF32[3 * t + 2] = args.scores[i]!;
  }
  const instances = createInput(device, 'semantic-argmax instances', tableU32);
  const params = new ArrayBuffer(32);
  new Uint32Array(params).set([n, hm, wm, h0, w0]);
  new Float32Array(params).set([bilinearScale(hm, h0), bilinearScale(wm, w0)], 5);
  const uniform = createUniform(device, 'semantic-argmax params', params);

  const pipeline = getPipeline(device, 'semantic-argmax', shaderSource, 'main');
  const encoder = device.createCommandEncoder({ label: 'semantic-argmax' });
  const pass = encoder.beginComputePass();
  pass.setPipeline(pipeline);
  pass.setBindGroup(
    0,
    bindBuffers(device, pipeline, [uniform, args.logits, instances, out]),
  );
  pass.dispatchWorkgroups(...workgroupGrid(device, ceilDiv(h0 * w0, WORKGROUP_SIZE)));
  pass.end();
  device.queue.submit([encoder.finish()]);
  uniform.destroy();
  instances.destroy();
  return out;
}
