// Starts the local agent (target/debug/caravan-agent) on an ephemeral port for one test file.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..', '..');
const binary = process.env.CARAVAN_AGENT ?? path.join(root, 'target', 'debug', 'caravan-agent');

/** Starts an agent; resolves once it prints its address. `args` are extra CLI flags. */
export async function startAgent({ args = [], dataDir, port = 0 } = {}) {
  dataDir ??= mkdtempSync(path.join(tmpdir(), 'caravan-e2e-'));
  const argv = ['--port', String(port), '--data-dir', dataDir, '--ui-dir', path.join(root, 'dist'), ...args];
  const child = spawn(binary, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`agent did not start:\n${output}`)), 30_000);
    const onData = (chunk) => {
      output += chunk;
      const m = output.match(/listening on (http:\/\/[^\s]+)/);
      if (m) { clearTimeout(timer); resolve(m[1].replace(/\/$/, '')); }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`agent exited ${code}:\n${output}`)); });
  });
  const agent = {
    url, dataDir, child, args,
    get output() { return output; },
    /** ACL secrets written by `--acl`: { management, operator, readonly }. */
    tokens() { return JSON.parse(readFileSync(path.join(dataDir, 'acl-tokens.json'), 'utf8')); },
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
    async cleanup() { await agent.stop(); rmSync(dataDir, { recursive: true, force: true }); },
  };
  child.removeAllListeners('exit');
  return agent;
}

/** JSON API call against the agent; throws with Nomad's plain-text body on failure. */
export async function api(agent, method, pathAndQuery, { token, body } = {}) {
  const headers = token ? { 'X-Nomad-Token': token } : {};
  const res = await fetch(agent.url + pathAndQuery, { method, headers, body: body && JSON.stringify(body) });
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
