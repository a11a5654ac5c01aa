// Headless Debian Chromium through playwright-core (Playwright cannot download browsers here).
import { chromium } from 'playwright-core';

export const chromiumArgs = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: chromiumArgs,
    headless: true,
  });
}

/**
 * A new page that records every request and fails the test on an uncaught error or a wasm
 * panic: a panic kills the whole dashboard, so none is tolerated.
 */
export async function openPage(browser, { viewport = { width: 1280, height: 800 } } = {}) {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  const errors = [];
  const requests = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error' && /panicked|RuntimeError|unreachable/.test(m.text())) errors.push(m.text());
  });
  page.on('request', (r) => requests.push({ url: r.url(), method: r.method(), headers: r.headers(), at: Date.now() }));
  return {
    page, context, errors, requests,
    assertNoErrors() {
      if (errors.length) throw new Error(`page errors:\n${errors.join('\n')}`);
    },
    async close() { await context.close(); },
  };
}

/**
 * Runs `body` with a new page (`openPage(browser, options)`), fails on the page's errors once
 * the body has passed, and always closes the page. `assertNoErrors: false` leaves the errors
 * unchecked.
 */
export async function withPage(browser, options, body) {
  if (typeof options === 'function') [options, body] = [{}, options];
  const { assertNoErrors = true, ...pageOptions } = options;
  const p = await openPage(browser, pageOptions);
  try {
    await body(p);
    if (assertNoErrors) p.assertNoErrors();
  } finally {
    await p.close();
  }
}
