// The to-do app's acceptance suite; runs in headless Chromium against the served workspace.
import { test, expect as baseExpect } from '@playwright/test';

// A missing element fails in 2 s, not Playwright's default 30 s.
test.use({ actionTimeout: 2_000 });
const expect = baseExpect.configure({ timeout: 2_000 });

async function add(page, text) {
  await page.getByRole('textbox', { name: 'New to-do' }).fill(text);
  await page.getByRole('textbox', { name: 'New to-do' }).press('Enter');
}

test('the page has a title and an empty list', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByRole('heading', { name: 'To-do' })).toBeVisible();
  await expect(page.getByRole('listitem')).toHaveCount(0);
});

test('Enter and the Add button both add an item', async ({ page }) => {
  await page.goto('/');
  await add(page, 'buy milk');
  await page.getByRole('textbox', { name: 'New to-do' }).fill('call Ada');
  await page.getByRole('button', { name: 'Add' }).click();
  await expect(page.getByRole('listitem')).toHaveText(['buy milk', 'call Ada']);
  await expect(page.getByRole('textbox', { name: 'New to-do' })).toHaveValue('');
});

test('blank items are not added', async ({ page }) => {
  await page.goto('/');
  await add(page, '   ');
  await expect(page.getByRole('listitem')).toHaveCount(0);
});

test('ticking an item updates the count of items left', async ({ page }) => {
  await page.goto('/');
  await add(page, 'a');
  await add(page, 'b');
  await expect(page.getByTestId('left')).toHaveText('2 items left');
  await page.getByRole('checkbox', { name: 'a' }).check();
  await expect(page.getByTestId('left')).toHaveText('1 item left');
});

test('an item can be deleted', async ({ page }) => {
  await page.goto('/');
  await add(page, 'a');
  await add(page, 'b');
  await page.getByRole('button', { name: 'Delete a' }).click();
  await expect(page.getByRole('listitem')).toHaveText(['b']);
});

test('the list survives a reload', async ({ page }) => {
  await page.goto('/');
  await add(page, 'persist me');
  await page.getByRole('checkbox', { name: 'persist me' }).check();
  await page.reload();
  await expect(page.getByRole('listitem')).toHaveText(['persist me']);
  await expect(page.getByRole('checkbox', { name: 'persist me' })).toBeChecked();
});
