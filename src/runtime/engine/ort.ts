/**
 * The only module that imports onnxruntime. The browser (page or worker) gets onnxruntime-web's
 * WebGPU build, which also carries the wasm EP; Node gets onnxruntime-node. Both expose the same
 * onnxruntime-common API, so the rest of the engine is written once against these types.
 */
import type * as OrtWeb from 'onnxruntime-web';
import type { Backend, BackendInfo } from '../api';
import { PackageError, WebGpuUnavailableError } from '../errors';

export type Ort = typeof OrtWeb;
export type Session = OrtWeb.InferenceSession;
export type Tensor = OrtWeb.Tensor;
export type Feeds = Record<string, Tensor>;

export const inNode = typeof process !== 'undefined' && typeof process.versions?.node === 'string' && typeof window === 'undefined' && typeof self === 'undefined';

/** The ORT module for a backend. `cpu` is Node's native binding; webgpu/wasm are onnxruntime-web. */
export async function loadOrt(backend: Backend): Promise<Ort> {
  if (backend === 'cpu') {
    // A variable specifier keeps bundlers from pulling the Node binding into the browser build.
    const name = 'onnxruntime-node';
    return (await import(/* @vite-ignore */ name)) as Ort;
  }
  const ort = (await import('onnxruntime-web/webgpu')) as unknown as Ort;
  // transformers.js may point wasmPaths at a CDN when it loads; the app must stay offline, and
  // Vite serves ORT's own wasm from the page's origin when wasmPaths is unset.
  ort.env.wasm.wasmPaths = undefined as unknown as string;
  return ort;
}

/** Choose the backend: WebGPU when an adapter works, else wasm, with the reason (never silent). */
export async function resolveBackend(requested: Backend | undefined): Promise<BackendInfo> {
  if (inNode) return { backend: 'cpu' };
  if (requested === 'wasm') return { backend: 'wasm' };
  if (typeof navigator === 'undefined' || !('gpu' in navigator) || !navigator.gpu) {
    return fallback(requested, 'this browser has no WebGPU (navigator.gpu is missing)');
  }
  try {
    const adapter = await navigator.gpu.requestAdapter();
    if (!adapter) return fallback(requested, 'no WebGPU adapter is available on this device');
    const info = adapter.info;
    const adapterName = [info.vendor, info.architecture, info.description].filter(Boolean).join(' ') || 'unknown adapter';
    return { backend: 'webgpu', adapter: adapterName };
  } catch (err) {
    return fallback(requested, `requesting a WebGPU adapter failed (${(err as Error).message})`);
  }
}

function fallback(requested: Backend | undefined, reason: string): BackendInfo {
  if (requested === 'webgpu') throw new WebGpuUnavailableError(reason);
  return { backend: 'wasm', fallbackReason: reason };
}

export interface SessionSpec {
  name: string;
  model: Uint8Array;
  weights: { path: string; data: Uint8Array };
  /** Outputs to leave on the GPU (WebGPU only): tensors that feed the next graph or our WGSL. */
  gpuOutputs: readonly string[];
}

export async function createSession(ort: Ort, info: BackendInfo, spec: SessionSpec): Promise<Session> {
  const options: OrtWeb.InferenceSession.SessionOptions = {
    executionProviders: [info.backend === 'webgpu' ? 'webgpu' : info.backend === 'wasm' ? 'wasm' : 'cpu'],
    externalData: [{ path: spec.weights.path, data: spec.weights.data }],
    graphOptimizationLevel: 'all',
  };
  if (info.backend === 'webgpu' && spec.gpuOutputs.length > 0) {
    options.preferredOutputLocation = Object.fromEntries(spec.gpuOutputs.map((o) => [o, 'gpu-buffer' as const]));
  }
  try {
    return await ort.InferenceSession.create(spec.model, options);
  } catch (err) {
    throw new PackageError(`The graph "${spec.name}" could not be loaded: ${(err as Error).message}`, { graph: spec.name });
  }
}

/** The GPUDevice onnxruntime-web created; our WGSL kernels run on it (platform.md). */
export async function ortDevice(ort: Ort): Promise<GPUDevice> {
  return (await ort.env.webgpu.device) as GPUDevice;
}
