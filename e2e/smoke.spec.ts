import { expect, test } from '@playwright/test';

test('the page loads from 127.0.0.1 and names the app', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByRole('heading', { name: 'UFO Web' })).toBeVisible();
});
