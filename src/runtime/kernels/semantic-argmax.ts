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
import { bilinearAxis, bilinearRow, bilinearScale, sigmoid } from './bilinear';
import {
  type GpuKernelContext,
  WORKGROUP_SIZE,
  ceilDiv,
  checkBufferSize,
  checkInt,
  checkLength,
  createInput,
  createOutput,
  createUniform,
  getPipeline,
  workgroupGrid,
} from './gpu-kernel';

export interface SemanticArgmaxShape {
  /** Instances (0 allowed: every pixel gets class 0, nothing is dispatched). */
  n: number;
  /** Low-res logit map height and width. */
  hm: number;
  wm: number;
  /** Output (original image) height and width. */
  h0: number;
  w0: number;
  /** Number of classes K (150 for ADE20K); every label must be below it. */
  k: number;
}

export interface SemanticArgmaxArgs extends SemanticArgmaxShape {
  /** (N, Hm, Wm) f32. */
  logits: GPUBuffer;
  /** (N) class per instance. */
  labels: Uint32Array;
  /** (N) score per instance, finite and >= 0. */
  scores: Float32Array;
}

function checkArgs(
  shape: SemanticArgmaxShape,
  labels: Uint32Array,
  scores: Float32Array,
): void {
  const { n, hm, wm, h0, w0, k } = shape;
  checkInt('n', n, 0);
  checkInt('hm', hm, 1);
  checkInt('wm', wm, 1);
  checkInt('h0', h0, 1);
  checkInt('w0', w0, 1);
  checkInt('k', k, 1);
  checkLength('labels', labels, n);
  checkLength('scores', scores, n);
  for (let i = 0; i < n; i++) {
    if (labels[i]! >= k) throw new RangeError(`labels[${i}] = ${labels[i]} is not below k = ${k}`);
    // Negative scores would let a class without instances (sum 0) win, which the kernel's
    // single pass over the present classes does not model.
    const s = scores[i]!;
    if (!(s >= 0 && Number.isFinite(s))) throw new RangeError(`scores[${i}] = ${s} must be finite and >= 0`);
  }
}

/** Returns a new (H0, W0) u32 label buffer; the caller owns it. */
export function semanticArgmax(ctx: GpuKernelContext, args: SemanticArgmaxArgs): GPUBuffer {
  checkArgs(args, args.labels, args.scores);
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
    device.createBindGroup({
      layout: pipeline.getBindGroupLayout(0),
      entries: [
        { binding: 0, resource: { buffer: uniform } },
        { binding: 1, resource: { buffer: args.logits } },
        { binding: 2, resource: { buffer: instances } },
        { binding: 3, resource: { buffer: out } },
      ],
    }),
  );
  pass.dispatchWorkgroups(...workgroupGrid(device, ceilDiv(h0 * w0, WORKGROUP_SIZE)));
  pass.end();
  device.queue.submit([encoder.finish()]);
  uniform.destroy();
  instances.destroy();
  return out;
}

/**
 * CPU twin of semanticArgmax, following spec §5.2: K class sums per pixel (in f64, instances in
 * index order), then the first maximum.
 */
export function semanticArgmaxCpu(
  logits: Float32Array,
  labels: Uint32Array,
  scores: Float32Array,
  shape: SemanticArgmaxShape,
): Uint32Array {
  checkArgs(shape, labels, scores);
  const { n, hm, wm, h0, w0, k } = shape;
  checkLength('logits', logits, n * hm * wm);
  const out = new Uint32Array(h0 * w0);
  const ys = bilinearAxis(hm, h0);
  const xs = bilinearAxis(wm, w0);
  // Interpolated rows of every instance for the current image row.
  const rows = Array.from({ length: n }, () => new Float64Array(w0));
  const sums = new Float64Array(k);
  for (let y = 0; y < h0; y++) {
    for (let i = 0; i < n; i++) bilinearRow(logits, i * hm * wm, wm, ys, xs, y, rows[i]!);
    for (let x = 0; x < w0; x++) {
      sums.fill(0);
      for (let i = 0; i < n; i++) sums[labels[i]!]! += scores[i]! * sigmoid(rows[i]![x]!);
      let best = 0;
      for (let c = 1; c < k; c++) if (sums[c]! > sums[best]!) best = c;
      out[y * w0 + x] = best;
    }
  }
  return out;
}
