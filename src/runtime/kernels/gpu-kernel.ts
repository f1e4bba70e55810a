/**
 * Shared plumbing for the mask post-processing kernels (shaders/*.wgsl): the context they run in,
 * the per-device pipeline cache, dispatch sizing, uniform upload, readback and argument checks.
 * Each kernel's own host module (mask-similarity.ts, ...) holds its bindings, uniform layout and
 * dispatch size; this file holds only what all of them repeat.
 */

/** Where kernels run. The device is the one onnxruntime-web created (platform.md: share it). */
export interface GpuKernelContext {
  readonly device: GPUDevice;
}

/**
 * 64 threads per workgroup: a multiple of every vendor's SIMD width (32 on NVIDIA/Apple/Intel,
 * 64 on AMD), and small enough that register-heavy kernels still reach good occupancy.
 */
export const WORKGROUP_SIZE = 64;

/**
 * No single buffer we create exceeds this, whatever the device allows: some devices report a
 * maxBufferSize of only 256 MiB (platform.md), and a huge allocation next to the model's weights
 * is the likeliest way to lose the device.
 */
export const MAX_BUFFER_BYTES = 256 * 1024 * 1024;

/** The largest storage buffer this device can bind, capped at MAX_BUFFER_BYTES. */
export function maxStorageBytes(device: GPUDevice): number {
  return Math.min(
    device.limits.maxStorageBufferBindingSize,
    device.limits.maxBufferSize,
    MAX_BUFFER_BYTES,
  );
}

const pipelineCache = new WeakMap<GPUDevice, Map<string, GPUComputePipeline>>();

/**
 * One compiled pipeline per (device, shader entry point). Shapes live in uniforms, so the key needs
 * nothing else, and a lost device takes its pipelines with it (WeakMap).
 */
export function getPipeline(
  device: GPUDevice,
  key: string,
  code: string,
  entryPoint: string,
): GPUComputePipeline {
  let perDevice = pipelineCache.get(device);
  if (perDevice === undefined) {
    perDevice = new Map();
    pipelineCache.set(device, perDevice);
  }
  const cacheKey = `${key}:${entryPoint}`;
  let pipeline = perDevice.get(cacheKey);
  if (pipeline === undefined) {
    const module = device.createShaderModule({ label: key, code });
    pipeline = device.createComputePipeline({
      label: cacheKey,
      layout: 'auto',
      compute: { module, entryPoint },
    });
    perDevice.set(cacheKey, pipeline);
  }
  return pipeline;
}

/**
 * Workgroup grid for `count` workgroups. Beyond maxComputeWorkgroupsPerDimension (65535 on most
 * devices) the grid folds into 2-D; shaders rebuild the linear index as
 * `wid.x + wid.y * num_workgroups.x` and ignore the few workgroups past `count`.
 */
export function workgroupGrid(device: GPUDevice, count: number): [number, number] {
  const limit = device.limits.maxComputeWorkgroupsPerDimension;
  if (count <= limit) return [count, 1];
  const y = Math.ceil(count / limit);
  if (y > limit) throw new RangeError(`dispatch of ${count} workgroups exceeds ${limit}^2`);
  return [Math.ceil(count / y), y];
}

/** A bind group with `buffers` at bindings 0, 1, 2, ... of group 0, the order every kernel declares. */
export function bindBuffers(device: GPUDevice, pipeline: GPUComputePipeline, buffers: readonly GPUBuffer[]): GPUBindGroup {
  return device.createBindGroup({
    layout: pipeline.getBindGroupLayout(0),
    entries: buffers.map((buffer, binding) => ({ binding, resource: { buffer } })),
  });
}

export function ceilDiv(a: number, b: number): number {
  return Math.ceil(a / b);
}

/** A uniform buffer holding `data` (its byteLength must be a multiple of 16, as WGSL pads structs). */
export function createUniform(device: GPUDevice, label: string, data: ArrayBuffer): GPUBuffer {
  const buffer = device.createBuffer({
    label,
    size: data.byteLength,
    usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST,
  });
  device.queue.writeBuffer(buffer, 0, data);
  return buffer;
}

/**
 * Usage of every kernel output: bindable, and readable back or feedable to the next stage.
 * A function, not a constant: GPUBufferUsage does not exist in Node, where the CPU twins run.
 */
export function outputUsage(): GPUBufferUsageFlags {
  return GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;
}

/** A zero-initialised output buffer of `bytes` (WebGPU zero-fills new buffers). */
export function createOutput(device: GPUDevice, label: string, bytes: number): GPUBuffer {
  if (bytes > maxStorageBytes(device)) {
    throw new RangeError(
      `${label}: ${bytes} bytes exceeds the ${maxStorageBytes(device)}-byte storage buffer limit`,
    );
  }
  return device.createBuffer({ label, size: bytes, usage: outputUsage() });
}

/** A storage buffer initialised from host data (for the small per-instance inputs). */
export function createInput(device: GPUDevice, label: string, data: ArrayBufferView): GPUBuffer {
  const buffer = device.createBuffer({ label, size: data.byteLength, usage: outputUsage() });
  device.queue.writeBuffer(buffer, 0, data.buffer, data.byteOffset, data.byteLength);
  return buffer;
}

/** Copies the first `bytes` of `buffer` back to the host. For tests and final readback. */
export async function readBuffer(
  device: GPUDevice,
  buffer: GPUBuffer,
  bytes: number,
): Promise<ArrayBuffer> {
  if (bytes === 0) return new ArrayBuffer(0);
  const staging = device.createBuffer({
    label: 'readback',
    size: bytes,
    usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
  });
  const encoder = device.createCommandEncoder({ label: 'readback' });
  encoder.copyBufferToBuffer(buffer, 0, staging, 0, bytes);
  device.queue.submit([encoder.finish()]);
  await staging.mapAsync(GPUMapMode.READ);
  const copy = staging.getMappedRange().slice(0);
  staging.destroy();
  return copy;
}

/** Throws a RangeError naming `name` unless `value` is an integer in [min, max]. */
export function checkInt(name: string, value: number, min: number, max = Number.MAX_SAFE_INTEGER): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`${name} must be an integer in [${min}, ${max}], got ${value}`);
  }
}

/** Throws a RangeError naming `name` unless the buffer holds at least `bytes`. */
export function checkBufferSize(name: string, buffer: GPUBuffer, bytes: number): void {
  if (buffer.size < bytes) {
    throw new RangeError(`${name} holds ${buffer.size} bytes, needs at least ${bytes}`);
  }
}

/** Throws a RangeError naming `name` unless the array has exactly `length` elements. */
export function checkLength(name: string, array: ArrayLike<number>, length: number): void {
  if (array.length !== length) {
    throw new RangeError(`${name} has ${array.length} elements, expected ${length}`);
  }
}
