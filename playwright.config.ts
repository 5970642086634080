import { defineConfig } from '@playwright/test';
import { chromiumLaunchOptions } from './e2e-tests/support/chromium';
import { liveTargets } from './e2e-tests/support/liveTargets';

// Live mode (README): the app under test is already running against real systems.
const live = liveTargets();
const appUrl = live?.appUrl ?? 'http://localhost:3000';

export default defineConfig({
  testDir: 'e2e-tests',
  testMatch: '**/*.spec.ts',
  timeout: 120_000,
  expect: { timeout: 30_000 },
  fullyParallel: false,
  workers: 1,
  forbidOnly: !!process.env.CI,
  retries: process.env.CI ? 1 : 0,
  reporter: [['list'], ['json']],
  globalSetup: live ? undefined : './e2e-tests/globalSetup.ts',
  outputDir: 'node_modules/.cache/e2e-test-results',
  webServer: live
    ? undefined
    : {
        command: 'bash scripts/serve.sh',
        url: appUrl,
        reuseExistingServer: !process.env.CI,
        timeout: 300_000,
        // serve.sh stops the process groups it started when it receives SIGTERM
        gracefulShutdown: { signal: 'SIGTERM', timeout: 30_000 },
        stdout: 'ignore',
        stderr: 'pipe',
      },
  use: {
    baseURL: appUrl,
    screenshot: 'only-on-failure',
    trace: 'retain-on-failure',
    launchOptions: chromiumLaunchOptions,
  },
  projects: [{ name: 'chromium', use: { browserName: 'chromium' } }],
});
