/** Small helpers to build ORT tensors and read them back, identical on every backend. */
import type { Ort, Tensor } from './ort';

export function int64(ort: Ort, values: ArrayLike<number>, dims: readonly number[]): Tensor {
  const data = new BigInt64Array(values.length);
  for (let i = 0; i < values.length; i++) data[i] = BigInt(values[i]!);
  return new ort.Tensor('int64', data, dims);
}

export function float32(ort: Ort, data: Float32Array, dims: readonly number[]): Tensor {
  return new ort.Tensor('float32', data, dims);
}

/** Tensor contents on the CPU (downloads a GPU tensor). */
export async function readFloat(t: Tensor): Promise<Float32Array> {
  return (await t.getData()) as Float32Array;
}

export async function readInt(t: Tensor): Promise<number[]> {
  const data = (await t.getData()) as ArrayLike<bigint | number>;
  return Array.from(data as ArrayLike<bigint>, (v) => Number(v));
}

/** Free a tensor's GPU buffer; a no-op for CPU tensors. */
export function release(t: Tensor | undefined | null): void {
  if (t && t.location === 'gpu-buffer') t.dispose();
}
