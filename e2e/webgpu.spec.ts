import { dropSample, expect, samples, test } from './fixtures';

const sample = samples[0]!;

test('on WebGPU (SwiftShader here): the warm-up is announced, the adapter is named, Refer answers', async ({ page, requests }, testInfo) => {
  // The engine warms up every graph on WebGPU; on SwiftShader that took over 280 s (Nov 2026).
  test.setTimeout(900_000);
  expect(requests).toBeDefined();
  await page.goto('/');
  await expect(page.getByText('Compiling shaders and warming up…')).toBeVisible({ timeout: 120_000 });
  await page.screenshot({ path: testInfo.outputPath('warmup.png') });
  await expect(page.getByTestId('backend')).toHaveText('WebGPU', { timeout: 780_000 });
  await dropSample(page, sample);
  await page.getByLabel('Describe the object').fill(sample.expressions[0]!);
  await page.getByLabel('Describe the object').press('Enter');
  await expect(page.getByRole('heading', { name: 'Results' })).toBeVisible({ timeout: 120_000 });
  await page.screenshot({ path: testInfo.outputPath('webgpu-refer.png') });
});
