import { dropFile, dropSample, expect, openApp, runMode, samples, test } from './fixtures';

const sample = samples[3]!;

test('a bad file says so in plain words and the image and model stay usable', async ({ page, requests }, testInfo) => {
  expect(requests).toBeDefined();
  await openApp(page);
  await dropSample(page, sample);
  await dropFile(page, 'data:text/plain,not an image', 'notes.txt', 'text/plain');
  await expect(page.getByRole('alert')).toContainText('That file could not be opened');
  await expect(page.getByRole('alert')).toContainText('Choose a PNG, JPEG, WebP or GIF file');
  await page.screenshot({ path: testInfo.outputPath('bad-file.png') });
  await dropFile(page, 'data:image/png;base64,iVBORw0KGgoAAAAbad', 'broken.png', 'image/png');
  await expect(page.getByRole('alert')).toContainText('could not be decoded');
  await expect(page.getByRole('img', { name: `The image ${sample.file}` })).toBeVisible();
  await runMode(page, 'Caption');
  await expect(page.locator('p.caption')).not.toBeEmpty();
});

test('a model that fails to load, then switching back to the built-in one', async ({ page, requests }, testInfo) => {
  expect(requests).toBeDefined();
  await openApp(page);
  await dropSample(page, sample);
  await page.getByLabel('Describe the object').fill('the green star');
  await page.getByRole('radio', { name: 'URL' }).check();
  await page.getByLabel('Package URL').fill('/models/no-such-model/');
  await page.getByRole('button', { name: 'Load model' }).click();
  await expect(page.getByRole('alert')).toContainText('The model did not load', { timeout: 60_000 });
  await expect(page.getByRole('button', { name: 'Run Refer' })).toBeDisabled();
  await page.screenshot({ path: testInfo.outputPath('load-failed.png') });

  await page.getByRole('radio', { name: 'Built-in UFO-Tiny' }).check();
  await page.getByRole('button', { name: 'Load model' }).click();
  await expect(page.getByTestId('backend')).toBeVisible({ timeout: 240_000 });
  // What the user typed and the image survived the switch.
  await expect(page.getByLabel('Describe the object')).toHaveValue('the green star');
  await runMode(page, 'Refer');
  await expect(page.getByRole('heading', { name: 'Results' })).toBeVisible();
});

test('cancelling a load and a run leaves the app ready for the next request', async ({ page, requests }) => {
  expect(requests).toBeDefined();
  await openApp(page);
  await page.getByRole('button', { name: 'Load model' }).click();
  await page.getByRole('button', { name: 'Cancel loading' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Cancelled' })).toBeVisible();
  await page.getByRole('button', { name: 'Load model' }).click();
  await expect(page.getByTestId('backend')).toBeVisible({ timeout: 240_000 });

  await dropSample(page, sample);
  await page.getByRole('radio', { name: 'Instances' }).check();
  // The first run on a fresh model creates its sessions, which takes long enough to cancel.
  await page.getByRole('button', { name: 'Run Instances' }).click();
  await page.getByRole('button', { name: 'Cancel', exact: true }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Cancelled' })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Run Instances' })).toBeEnabled();
  await runMode(page, 'Instances');
  await expect(page.getByRole('heading', { name: 'Results' })).toBeVisible();
});
