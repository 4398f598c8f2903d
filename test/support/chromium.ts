import fs from 'node:fs';
import { chromium, type Browser, type BrowserServer } from 'playwright-core';

/** Debian's Chromium (never a downloaded browser build). */
export const CHROMIUM_PATH = '/usr/bin/chromium';

/** Where the run's shared Chromium listens (set by the global setup, inherited by the test workers). */
const SHARED_ENV = 'TONGMEN_TEST_CHROMIUM_WS';

/** The flags a closed network needs (no background networking, updates or sync). */
const LAUNCH = {
  executablePath: CHROMIUM_PATH,
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
};

function installed(): boolean {
  if (fs.existsSync(CHROMIUM_PATH)) return true;
  if (process.env.CI) throw new Error(`${CHROMIUM_PATH} is missing: .ci/run installs Debian's chromium`);
  return false;
}

/**
 * Global setup: one headless Chromium for the whole run, which every test file connects to — a
 * launch per file would cost about a second of CPU each. Returns its teardown.
 */
export async function startSharedChromium(): Promise<() => Promise<void>> {
  if (!installed()) return async () => {};
  const server: BrowserServer = await chromium.launchServer(LAUNCH);
  process.env[SHARED_ENV] = server.wsEndpoint();
  return () => server.close();
}

/**
 * Headless Chromium: the run's shared one when the global setup started it, else a launch of its own.
 * Returns null when the browser is not installed, so a page suite can say so and skip on a developer
 * machine; `.ci/run` installs it, so CI always runs those suites. Closing the returned browser closes
 * only what this test file opened in it.
 */
export async function launchChromium(): Promise<Browser | null> {
  if (!installed()) return null;
  const shared = process.env[SHARED_ENV];
  return shared ? chromium.connect(shared) : chromium.launch(LAUNCH);
}
