import { readFile } from 'node:fs/promises';
import { dropSample, expect, openApp, runMode, samples, test } from './fixtures';

const sample = samples[11]!;

test('every mode the model declares runs on a sample scene and shows its result', async ({ page, requests }, testInfo) => {
  expect(requests).toBeDefined();
  await openApp(page);
  // The gallery opens a scene in one click.
  await page.getByRole('button', { name: `Open sample 12: ${sample.caption}` }).click();
  await expect(page.getByRole('img', { name: `The image ${sample.file}` })).toBeVisible();

  await page.getByLabel('Describe the object').fill(sample.expressions[0]!);
  await runMode(page, 'Refer');
  await expect(page.locator('.answer')).toContainText(`Asked: ${sample.expressions[0]}`);
  await expect(page.getByRole('table', { name: 'Last run' })).toBeVisible();

  for (const mode of ['Detect', 'Instances'] as const) {
    await runMode(page, mode);
    await expect(page.getByRole('heading', { name: 'Results' })).toBeVisible();
    await expect(page.locator('.results li, .results .hint').first()).toBeVisible();
    await page.screenshot({ path: testInfo.outputPath(`${mode.toLowerCase()}.png`) });
  }
  // The threshold slider trims the list to what scores above it.
  const slider = page.getByRole('slider', { name: /Minimum score/ });
  await slider.fill('1');
  await expect(page.getByRole('checkbox')).toHaveCount(0);
  await slider.fill('0');

  await runMode(page, 'Semantic');
  await expect(page.getByRole('heading', { name: 'Legend' })).toBeVisible();
  await page.screenshot({ path: testInfo.outputPath('semantic.png') });

  await runMode(page, 'Caption');
  await expect(page.getByRole('heading', { name: 'Caption' })).toBeVisible();
  await expect(page.locator('p.caption')).not.toBeEmpty();
  await page.screenshot({ path: testInfo.outputPath('caption.png') });

  // The image with its overlay exports as a PNG of the image's size.
  const download = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Save PNG' }).click();
  const png = await readFile(await (await download).path());
  expect(png.subarray(1, 4).toString()).toBe('PNG');
  expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([sample.width, sample.height]);
});

test('the empty page, the model panel and a phone-width layout', async ({ page, requests }, testInfo) => {
  expect(requests).toBeDefined();
  await page.setViewportSize({ width: 390, height: 844 });
  await openApp(page);
  await expect(page.getByText('Drop an image anywhere on the page')).toBeVisible();
  await expect(page.getByText('ufo-tiny on wasm')).toBeVisible();
  await page.screenshot({ path: testInfo.outputPath('phone-empty.png'), fullPage: true });
  // Keyboard: Tab reaches the controls, and the mode radios move with the arrow keys.
  await page.getByRole('radio', { name: 'Refer' }).focus();
  await page.keyboard.press('ArrowRight');
  await expect(page.getByRole('radio', { name: 'Detect' })).toBeChecked();
});
