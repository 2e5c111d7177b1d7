import * as fs from 'node:fs';
import type { Browser, Page } from 'playwright-core';

/**
 * Where a Chromium or Chrome may already be installed, most likely first. The tests drive one
 * through playwright-core and never download a browser: CHROMIUM_PATH names any other.
 */
const CANDIDATES = [
  '/usr/bin/chromium', // Debian's `chromium`
  '/usr/bin/chromium-browser', // Ubuntu, Alpine, Fedora
  '/snap/bin/chromium',
  '/usr/bin/google-chrome-stable',
  '/usr/bin/google-chrome',
  '/opt/google/chrome/chrome',
  '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
  '/Applications/Chromium.app/Contents/MacOS/Chromium',
  'C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe',
];

export const INSTALL_HINT =
  'The dashboard tests need a Chromium or Chrome and found none. Install one: ' +
  'Debian/Ubuntu `sudo apt-get install chromium` (Ubuntu: `chromium-browser`), Fedora `sudo dnf install chromium`, ' +
  'macOS `brew install --cask chromium` (or Google Chrome); or point CHROMIUM_PATH at an installed one.';

/** The browser to drive: CHROMIUM_PATH if set (it must exist), else the first candidate installed. */
export function findChromium(): string {
  const named = process.env.CHROMIUM_PATH;
  if (named) {
    if (!fs.existsSync(named)) throw new Error(`CHROMIUM_PATH is ${named}, which does not exist. ${INSTALL_HINT}`);
    return named;
  }
  const found = CANDIDATES.find((p) => fs.existsSync(p));
  if (!found) throw new Error(`${INSTALL_HINT} Looked in: ${CANDIDATES.join(', ')}.`);
  return found;
}

/** Headless, with nothing that reaches the internet. */
export async function launchChromium(): Promise<Browser> {
  const executablePath = findChromium();
  // Loaded here, not at the top: the check alone (ensure-chromium.sh) should not pay for it.
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/**
 * Signs in through the dashboard's form and answers the login's status. It returns once the next
 * document (the signed-in page after the 303, or the form again) has fired `load`, stylesheet
 * included: the form and the signed-in page share one URL, so waiting for the URL would return
 * at once, and a layout measured then is the unstyled page's.
 */
export async function signInWithKey(page: Page, baseUrl: string, key: string): Promise<number> {
  await page.goto(`${baseUrl}/dashboard`);
  await page.fill('input[name="key"]', key);
  const [res] = await Promise.all([
    page.waitForResponse((r) => r.url().endsWith('/dashboard/login')),
    page.waitForEvent('load'),
    page.click('button[type="submit"]'),
  ]);
  return res.status();
}

// `sh test/support/ensure-chromium.sh` runs this file: print the browser found, or say what to install.
if (require.main === module) {
  try {
    console.log(`browser for the dashboard tests: ${findChromium()}`);
  } catch (e) {
    console.error((e as Error).message);
    process.exit(1);
  }
}
