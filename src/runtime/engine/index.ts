/** loadModel: package -> backend -> sessions -> a ready UfoModel. */
import type { Backend, LoadProgress, PackageSource, UfoModel } from '../api';
import type { Dtype } from '../config';
import { throwIfAborted } from '../errors';
import { decodeImage } from '../image/decode-image';
import { loadPackage, type LoadedPackage, type PackageCache } from '../package';
import { cpuMasks } from './masks';
import { EngineModel } from './model';
import { loadOrt, ortDevice, resolveBackend } from './ort';

export interface LoadModelOptions {
  /** 'webgpu' insists (and throws if it cannot), 'wasm' forces the CPU EP; default: WebGPU if it works. */
  backend?: Backend;
  dtype?: Dtype;
  onProgress?: (p: LoadProgress) => void;
  signal?: AbortSignal;
  cache?: PackageCache | null;
  /**
   * Run every graph once so the first real request does not pay for shader compilation.
   * Default: on for WebGPU, off for the CPU EPs (nothing to compile).
   */
  warmup?: boolean;
}

export async function loadModel(source: PackageSource, options: LoadModelOptions = {}): Promise<UfoModel> {
  const pkg = await loadPackage(source, { dtype: options.dtype, onProgress: options.onProgress, signal: options.signal, cache: options.cache });
  return createModel(pkg, options);
}

/** A model from a package already in memory (tests and tools load packages themselves). */
export async function createModel(pkg: LoadedPackage, options: LoadModelOptions = {}): Promise<UfoModel> {
  const info = await resolveBackend(options.backend);
  options.onProgress?.({ status: 'phase', phase: 'sessions', message: `Starting onnxruntime (${info.backend})…` });
  const ort = await loadOrt(info.backend);
  throwIfAborted(options.signal, 'Loading the model');
  const dims = [pkg.config.model.embedDim, pkg.config.mask.tokens] as const;
  const model = new EngineModel(ort, info, pkg, cpuMasks(...dims), (input, signal) => decodeImage(input, { signal }));
  await model.openSessions();
  throwIfAborted(options.signal, 'Loading the model');
  if (info.backend === 'webgpu') {
    const gpu = await import('./gpu-stages');
    const device = await ortDevice(ort);
    model.useGpuStages(gpu.gpuMasks(device, ...dims), gpu.gpuResize(device));
    // A lost device cannot be revived inside this onnxruntime instance: requests then fail with
    // a typed DeviceLostError, and the caller reloads the model (in a fresh worker).
    void device.lost.then((info) => model.markDeviceLost(info.message || info.reason));
  }
  if (options.warmup ?? info.backend === 'webgpu') {
    options.onProgress?.({ status: 'phase', phase: 'warmup', message: 'Compiling shaders and warming up…' });
    await model.warmup();
  }
  options.onProgress?.({ status: 'ready' });
  return model;
}

export { EngineModel } from './model';
export { MAX_EXPRESSION_TOKENS, cleanExpression } from './prompts';
