import fs from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/** Debian's Chromium (never a downloaded browser build). */
export const CHROMIUM_PATH = '/usr/bin/chromium';

/**
 * Headless Chromium with the flags a closed network needs (no background networking, updates or
 * sync). Returns null when the browser is not installed, so a page suite can say so and skip on a
 * developer machine; `.ci/run` installs it, so CI always runs those suites.
 */
export async function launchChromium(): Promise<Browser | null> {
  if (!fs.existsSync(CHROMIUM_PATH)) {
    if (process.env.CI) throw new Error(`${CHROMIUM_PATH} is missing: .ci/run installs Debian's chromium`);
    return null;
  }
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}
