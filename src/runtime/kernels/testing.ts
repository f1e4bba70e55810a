/**
 * Helpers shared by the kernel tests (node and browser): seeded data and GPU upload/readback.
 * Not used by the runtime.
 */
import { outputUsage, readBuffer } from './gpu-kernel';

/** Mulberry32: a tiny seeded PRNG, so every test case is reproducible from its seed. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `length` uniform values in [lo, hi). */
export function randomArray(random: () => number, length: number, lo = -1, hi = 1): Float32Array {
  return Float32Array.from({ length }, () => lo + (hi - lo) * random());
}

let devicePromise: Promise<GPUDevice> | undefined;
const errors: string[] = [];

/**
 * One device for a whole test file (requesting one per test is slow on SwiftShader). Validation
 * errors it raises are collected and reported by readChecked.
 */
export function testDevice(): Promise<GPUDevice> {
  devicePromise ??= (async () => {
    const adapter = await navigator.gpu.requestAdapter();
    if (adapter === null) throw new Error('no WebGPU adapter: check the Chromium flags');
    const device = await adapter.requestDevice({
      requiredLimits: {
        maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize,
        maxBufferSize: adapter.limits.maxBufferSize,
      },
    });
    device.addEventListener('uncapturederror', (event) => errors.push(event.error.message));
    return device;
  })();
  return devicePromise;
}

export function upload(device: GPUDevice, data: Float32Array | Uint32Array): GPUBuffer {
  const buffer = device.createBuffer({ size: Math.max(4, data.byteLength), usage: outputUsage() });
  device.queue.writeBuffer(buffer, 0, data);
  return buffer;
}

/** Reads `bytes` of a buffer, first throwing any WebGPU error the device reported so far. */
export async function readChecked(device: GPUDevice, buffer: GPUBuffer, bytes: number): Promise<ArrayBuffer> {
  const data = await readBuffer(device, buffer, bytes);
  if (errors.length > 0) throw new Error(`WebGPU errors: ${errors.splice(0).join('; ')}`);
  return data;
}
