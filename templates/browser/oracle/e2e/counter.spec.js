// Runs in headless Chromium against the app served in the oracle sandbox.
import { test, expect } from '@playwright/test';

// A missing button fails in 5 s instead of Playwright's default 30 s per test.
test.use({ actionTimeout: 5_000 });

test('shows a count of zero', async ({ page }) => {
  await page.goto('/');
  await expect(page.locator('#count')).toHaveText('0');
});

test('the Add button increments the count', async ({ page }) => {
  await page.goto('/');
  await page.getByRole('button', { name: 'Add' }).click();
  await page.getByRole('button', { name: 'Add' }).click();
  await expect(page.locator('#count')).toHaveText('2');
});
