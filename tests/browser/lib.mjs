// tests/browser/lib.mjs - the web apps in Debian's chromium, driven by playwright-core, against
// a real server (tests/http/lib.mjs). Screenshots go to tests/browser/artifacts/ (ignored by
// git): look at them, they are what people see.
//   const { browser, page } = await openBrowser({ camera: 'frames.y4m' });
//   await page.goto(srv.base + '/manager/'); await shot(page, 'manager-login');
import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../http/lib.mjs';

export const ARTIFACTS = join(ROOT, 'tests/browser/artifacts');
export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

// flags for a root, network-less, headless machine; a fake camera fed from a Y4M file when
// `camera` is given (`camera: false` runs with no camera device at all)
export async function openBrowser({ camera = null, width = 1366, height = 768 } = {}) {
  const args = [
    '--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
    '--disable-dev-shm-usage',
  ];
  if (camera) args.push('--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream',
    `--use-file-for-fake-video-capture=${camera}`);
  const browser = await chromium.launch({ executablePath: CHROMIUM, args, headless: true });
  const context = await browser.newContext({ viewport: { width, height } });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  return { browser, context, page, errors };
}

export async function shot(page, name) {
  mkdirSync(ARTIFACTS, { recursive: true });
  const file = join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: false });
  return file;
}
