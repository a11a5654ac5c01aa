// Headless Chromium driven over a bare DevTools connection, for benchmarks that must not pay
// for the harness. Playwright enables the Network domain on every page without limits, so
// Chromium keeps (and decodes as text) a copy of every response body for the inspector: ~19 ms
// of the page's main thread per 7 MB allocation list, which no user has. Here the Network
// domain is enabled with no body buffer, only to count requests.
// Needs a global WebSocket: Node 22+, or `node --experimental-websocket` on Node 20 (scripts/bench.sh).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromiumArgs } from '../../e2e/support/browser.mjs';
import { startProcess } from '../../e2e/support/process.mjs';

/** A browser with one page (1280×800) on a DevTools session of its own. */
export async function launchBare() {
  if (typeof WebSocket !== 'function') throw new Error('no global WebSocket: run with Node 22+, or node --experimental-websocket');
  const profile = mkdtempSync(path.join(tmpdir(), 'caravan-bench-chromium-'));
  const chromium = await startProcess(process.env.CHROMIUM ?? '/usr/bin/chromium',
    [...chromiumArgs, '--headless', '--remote-debugging-port=0', '--window-size=1280,800', `--user-data-dir=${profile}`, 'about:blank'],
    { ready: /DevTools listening on (ws:\S+)/, what: 'chromium' });
  const socket = new WebSocket(chromium.match[1]);
  await new Promise((resolve, reject) => { socket.onopen = resolve; socket.onerror = reject; });
  let next = 0;
  const pending = new Map();
  const listeners = [];
  socket.onmessage = ({ data }) => {
    const message = JSON.parse(data);
    if (message.id === undefined) return listeners.forEach((l) => l(message));
    const { resolve, reject } = pending.get(message.id);
    pending.delete(message.id);
    if (message.error) reject(new Error(`${message.error.message} (${message.error.code})`));
    else resolve(message.result);
  };
  const send = (method, params = {}, sessionId) => new Promise((resolve, reject) => {
    pending.set(++next, { resolve, reject });
    socket.send(JSON.stringify({ id: next, method, params, sessionId }));
  });
  const { targetId } = await send('Target.createTarget', { url: 'about:blank' });
  const { sessionId } = await send('Target.attachToTarget', { targetId, flatten: true });
  const page = {
    send: (method, params) => send(method, params, sessionId),
    /** Calls `listener(params)` for each of the page's `method` events. */
    on(method, listener) { listeners.push((m) => m.sessionId === sessionId && m.method === method && listener(m.params)); },
    /** The value of an expression (a promise is awaited); a thrown error rejects. */
    async evaluate(expression) {
      const { result, exceptionDetails } = await send('Runtime.evaluate', { expression, awaitPromise: true, returnByValue: true }, sessionId);
      if (exceptionDetails) throw new Error(`${expression.slice(0, 80)}…: ${exceptionDetails.exception?.description ?? exceptionDetails.text}`);
      return result.value;
    },
  };
  const errors = [];
  page.on('Runtime.exceptionThrown', ({ exceptionDetails: d }) => errors.push(d.exception?.description ?? d.text));
  await page.send('Runtime.enable');
  await page.send('Page.enable');
  await page.send('Network.enable', { maxTotalBufferSize: 0, maxResourceBufferSize: 0 });
  return {
    page, errors,
    /** The browser's own session (Tracing, Target). */
    send,
    /** Calls `listener(params)` for each of the browser session's `method` events. */
    on(method, listener) { listeners.push((m) => !m.sessionId && m.method === method && listener(m.params)); },
    async close() {
      socket.close();
      await chromium.stop();
      // Chromium's helpers may still be leaving files as it exits; a profile left in the
      // temporary directory is no reason to lose a run's figures.
      try {
        rmSync(profile, { recursive: true, force: true, maxRetries: 5 });
      } catch (e) {
        console.warn(`left ${profile}: ${e.message}`);
      }
    },
  };
}
