// Starts the local agent (target/debug/caravan-agent) on an ephemeral port for one test file,
// behind the front CARAVAN_E2E_FRONT names (serve or nginx, see front.mjs) if any.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { frontAgentArgs, startFront } from './front.mjs';
import { startProcess } from './process.mjs';
import { agentBinary as binary, dist } from './paths.mjs';


const listening = /listening on (http:\/\/[^\s/]+)/;

/** The Nomad release every test agent answers as (`--nomad-version`), unless a test names its
 *  own: scripts/test.sh runs each pass of the suite as another release, so that the dashboard
 *  is checked against the oldest and the newest supported Nomad without a longer run. Empty
 *  means the agent's default, the newest. */
export const nomadVersion = process.env.CARAVAN_E2E_NOMAD_VERSION || null;

/**
 * Starts an agent; `args` are extra CLI flags. `url` is where the browser goes: the front when
 * CARAVAN_E2E_FRONT is set, else the agent; `apiUrl` is always the agent itself. `stop()` stops
 * the agent only (a front keeps running and answers 502 meanwhile), `restart()` starts it again
 * on the same port and data directory (same URLs; the agent restores its state from the data
 * directory, as Nomad does: same jobs, allocations and ACL tokens, tasks started again; not
 * with `persist: false`).
 */
export async function startAgent({ args = [], dataDir, port = 0, persist = true } = {}) {
  dataDir ??= mkdtempSync(path.join(tmpdir(), 'caravan-e2e-'));
  // Without `persist`, a dev agent (`nomad agent -dev`): nothing kept, so nothing saved either
  // (a benchmark's 10,000 synthetic allocations would be written every few seconds).
  const stateDir = persist ? ['--data-dir', dataDir] : [];
  const version = nomadVersion && !args.includes('--nomad-version') ? ['--nomad-version', nomadVersion] : [];
  const argv = (p) => ['--port', String(p), ...stateDir, '--ui-dir', dist, ...version, ...frontAgentArgs(), ...args];
  // Tasks and exec sessions inherit the agent's environment: an empty HOME keeps the machine
  // user's shell start-up files (which may block, e.g. on a stale pyenv rehash lock) out of them.
  const home = mkdtempSync(path.join(tmpdir(), 'caravan-e2e-home-'));
  const env = { ...process.env, HOME: home };
  const launch = (p) => startProcess(binary, argv(p), { ready: listening, what: 'agent', env });
  let proc = await launch(port);
  const apiUrl = proc.match[1];
  const front = await startFront(apiUrl).catch(async (e) => { await proc.stop(); throw e; });
  const agent = {
    url: front?.url ?? apiUrl, apiUrl, front, dataDir, args,
    get child() { return proc.child; },
    get output() { return proc.output; },
    /** ACL secrets written by `--acl`: { management, operator, readonly }. */
    tokens() { return JSON.parse(readFileSync(path.join(dataDir, 'acl-tokens.json'), 'utf8')); },
    async stop() { await proc.stop(); },
    async restart() {
      await proc.stop();
      proc = await launch(new URL(apiUrl).port);
    },
    async cleanup() {
      await proc.stop();
      await front?.stop();
      rmSync(dataDir, { recursive: true, force: true });
      rmSync(home, { recursive: true, force: true });
    },
  };
  return agent;
}

/** Runs `body` with an agent of its own (`startAgent(options)`), cleaned up whatever happens. */
export async function withAgent(options, body) {
  const agent = await startAgent(options);
  try {
    await body(agent);
  } finally {
    await agent.cleanup();
  }
}

/**
 * JSON API call against the agent itself (not through a front: test set-up should not depend
 * on it); throws with Nomad's plain-text body on failure.
 */
export async function api(agent, method, pathAndQuery, { token, body } = {}) {
  const headers = token ? { 'X-Nomad-Token': token } : {};
  const res = await fetch(agent.apiUrl + pathAndQuery, { method, headers, body: body && JSON.stringify(body) });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${pathAndQuery}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

/** Polls `fn` until it returns a truthy value. */
export async function eventually(fn, { timeout = 15_000, interval = 200, message = 'condition' } = {}) {
  const deadline = Date.now() + timeout;
  let last;
  while (Date.now() < deadline) {
    try { const v = await fn(); if (v) return v; } catch (e) { last = e; }
    await new Promise((r) => setTimeout(r, interval));
  }
  throw new Error(`timed out waiting for ${message}${last ? `: ${last.message}` : ''}`);
}
