/**
 * The model's `pixels` input on the GPU (spec §2), 'bilinear' interpolation: host of
 * shaders/resize-normalize.wgsl. Output layout is exactly the ONNX input, float32 (1, 3, S, S), so
 * the buffer feeds `ort.Tensor.fromGpuBuffer(buffer, {dataType: 'float32', dims: [1, 3, S, S]})`.
 * The CPU twin, and the meaning of every step, is resize-input-cpu.ts.
 *
 * 'bicubic-pil' (caption, grounding) has no kernel: its input is only 224x224 and Pillow's
 * antialiased integer resampler is a poor fit for one thread per pixel, so the WebGPU path runs
 * resizeNormalizeCpu and uploads the result (createInput in kernels/gpu-kernel.ts, or an ordinary
 * CPU tensor), well under a millisecond of transfer.
 */
import shaderSource from '../../../shaders/resize-normalize.wgsl?raw';
import { bilinearScale } from '../kernels/bilinear';
import {
  bindBuffers,
  type GpuKernelContext,
  WORKGROUP_SIZE,
  ceilDiv,
  checkBufferSize,
  checkInt,
  createOutput,
  createUniform,
  getPipeline,
  workgroupGrid,
} from '../kernels/gpu-kernel';
import { type ChannelTriple, checkNormalization } from './resize-input-cpu';

export interface ResizeNormalizeArgs {
  /** (height, width) RGBA8, one u32 per pixel with red in the low byte: an RgbaImage's bytes as-is. */
  image: GPUBuffer;
  width: number;
  height: number;
  /** Output side S (the model's input resolution). */
  size: number;
  mean: ChannelTriple;
  std: ChannelTriple;
}

/** Bytes of the Params uniform in resize-normalize.wgsl (two vec4f, then 8 words). */
const PARAMS_BYTES = 64;

/** Returns a new (1, 3, S, S) f32 buffer; the caller owns it. */
export function resizeNormalize(ctx: GpuKernelContext, args: ResizeNormalizeArgs): GPUBuffer {
  const { device } = ctx;
  const { width, height, size, mean, std } = args;
  checkInt('width', width, 1);
  checkInt('height', height, 1);
  checkInt('size', size, 1);
  checkNormalization(mean, std);
  checkBufferSize('image', args.image, width * height * 4);
  const out = createOutput(device, 'resize-normalize pixels', 3 * size * size * 4);

  const data = new ArrayBuffer(PARAMS_BYTES);
  const floats = new Float32Array(data);
  floats.set(mean, 0);
  floats.set(std, 4);
  new Uint32Array(data).set([width, height, size], 8);
  floats.set([bilinearScale(width, size), bilinearScale(height, size)], 11);
  const uniform = createUniform(device, 'resize-normalize params', data);

  const pipeline = getPipeline(device, 'resize-normalize', shaderSource, 'main');
  const encoder = device.createCommandEncoder({ label: 'resize-normalize' });
  const pass = encoder.beginComputePass();
  pass.setPipeline(pipeline);
  pass.setBindGroup(
    0,
    bindBuffers(device, pipeline, [uniform, args.image, out]),
  );
  pass.dispatchWorkgroups(...workgroupGrid(device, ceilDiv(size * size, WORKGROUP_SIZE)));
  pass.end();
  device.queue.submit([encoder.finish()]);
  // Destroying after submit is safe: the queue keeps it alive until the work completes.
  uniform.destroy();
  return out;
}
