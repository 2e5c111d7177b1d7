/**
 * The browser tests find an installed Chromium or Chrome, and where there is none the test
 * command stops at once saying what to install (README, "The two commands").
 */
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { findChromium, INSTALL_HINT, launchChromium } from './support/browser';

const ROOT = path.resolve(__dirname, '..');

describe('finding a browser', () => {
  const saved = process.env.CHROMIUM_PATH;
  afterEach(() => {
    if (saved === undefined) delete process.env.CHROMIUM_PATH;
    else process.env.CHROMIUM_PATH = saved;
  });

  it('finds the installed one and drives it', async () => {
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      await page.setContent('<title>ok</title>');
      expect(await page.title()).toBe('ok');
    } finally {
      await browser.close();
    }
    expect(findChromium()).toMatch(/chrom/i);
  });

  it('names what to install when CHROMIUM_PATH points nowhere, and the test command stops', () => {
    process.env.CHROMIUM_PATH = '/nonexistent/chromium';
    expect(() => findChromium()).toThrow('CHROMIUM_PATH is /nonexistent/chromium, which does not exist');
    const run = spawnSync('sh', [path.join(ROOT, 'test/support/ensure-chromium.sh')], {
      env: { ...process.env, CHROMIUM_PATH: '/nonexistent/chromium' },
      encoding: 'utf8',
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(INSTALL_HINT);
    expect(run.stderr).toContain('sudo apt-get install chromium');
  });
});
