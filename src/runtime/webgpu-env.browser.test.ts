import { expect, test } from 'vitest';

// Guards the test environment itself: every WGSL test below needs a real adapter.
test('headless Chromium exposes a WebGPU adapter and device', async () => {
  expect(navigator.gpu, 'navigator.gpu is missing: check the Chromium flags').toBeDefined();
  const adapter = await navigator.gpu.requestAdapter();
  expect(adapter).not.toBeNull();
  const device = await adapter!.requestDevice();
  expect(device.limits.maxStorageBufferBindingSize).toBeGreaterThan(0);
  device.destroy();
});
