/** After the GPU device is lost, requests fail with a typed DeviceLostError instead of ORT noise. */
import * as ort from 'onnxruntime-web/webgpu';
import { expect, test } from 'vitest';
import { DeviceLostError } from '../errors';
import { loadModel } from '.';

test('a lost device turns every later request into DeviceLostError', async () => {
  const model = await loadModel({ kind: 'url', url: '/src/runtime/engine/__fixtures__/micro/package/' }, { backend: 'webgpu', dtype: 'fp32', cache: null });
  const image = await model.addImage({ width: 32, height: 32, data: new Uint8ClampedArray(32 * 32 * 4).fill(90) });
  expect((await model.refer(image, 'the red circle')).tokens.length).toBeGreaterThan(0);
  // Simulate the loss: this test's page owns its own onnxruntime instance and device.
  const device = (await ort.env.webgpu.device) as GPUDevice;
  device.destroy();
  await device.lost;
  const err = await model.refer(image, 'the red circle').catch((e: unknown) => e);
  expect(err).toBeInstanceOf(DeviceLostError);
  expect((err as Error).message).toMatch(/GPU device was lost.*Reload the model/);
}, 300_000);
