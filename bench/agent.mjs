// Issue 16 benchmark: the local agent under load, with no browser. Prints figures; asserts
// nothing. Run through scripts/bench.sh (it builds the release agent) or as
// `CARAVAN_AGENT=target/release/caravan-agent node bench/agent.mjs`.
// - Wake-up: QUERIES blocking `GET /v1/allocations?index=N&wait=5m` held at once, then one write
//   (a job registered); for each query, the time from the write sent to the query's answer. Not
//   from the write's answer: the agent wakes the queries as the change is made, before it
//   answers the write, so most queries are answered first.
// - Log streams: STREAMS followed `/v1/client/fs/logs` of a task printing a stamped line every
//   100 ms; how many get data within WITHIN s, and each line's delay from printed to arrived.
// - Idle sockets: IDLE TCP connections that send nothing, held while 50 sequential
//   `GET /v1/agent/health` are timed, each on a new connection (as a new client would).
// - The agent's RSS throughout (VmRSS every 200 ms): start, peak per phase, end.
// The agent runs under a descriptor limit of AGENT_NOFILE (default 1024, `prlimit`; empty for
// this shell's), where a thousand idle sockets once locked every client out: its connection
// cap is then 768, so the idle sockets go over it. Node raises its own soft limit to the hard
// one at start, so this process needs no prlimit unless the hard limit is under ~1,700.
// All traffic is to 127.0.0.1; every phase is bounded in count and time.
import http from 'node:http';
import net from 'node:net';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';

const QUERIES = Number(process.env.QUERIES ?? 500);
const ROUNDS = Number(process.env.ROUNDS ?? 5);
const STREAMS = Number(process.env.STREAMS ?? 50);
const WITHIN = 5;
const IDLE = Number(process.env.IDLE ?? 1100);
const HEALTH = 50;
const NOFILE = process.env.AGENT_NOFILE ?? '1024';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const pct = (xs, p) => { const s = [...xs].sort((a, b) => a - b); return s.length ? s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] : NaN; };
const ms = (x) => `${x.toFixed(1)} ms`;
const spread = (xs) => `p50 ${ms(pct(xs, 50))}, p99 ${ms(pct(xs, 99))}, max ${ms(Math.max(...xs))} (${xs.length})`;

// The agent under `prlimit`: the e2e helper spawns CARAVAN_AGENT, so a wrapper that execs it
// (the same pid, for the RSS samples). Set before the helper is imported: it reads the path then.
const wrapDir = mkdtempSync(path.join(tmpdir(), 'caravan-bench-'));
if (NOFILE) {
  const wrapper = path.join(wrapDir, 'agent');
  const binary = path.resolve(process.env.CARAVAN_AGENT ?? path.join(import.meta.dirname, '..', 'target', 'release', 'caravan-agent'));
  writeFileSync(wrapper, `#!/bin/sh\nexec prlimit --nofile=${NOFILE}:${NOFILE} -- '${binary}' "$@"\n`);
  chmodSync(wrapper, 0o755);
  process.env.CARAVAN_AGENT = wrapper;
}
const { startAgent, eventually } = await import('../e2e/support/agent.mjs');
const { runJob, shellTask } = await import('../e2e/support/jobs.mjs');

/** One request on `agent` (a pool, or false for a connection of its own): resolves with its
 *  status, X-Nomad-Index, body and the moment its body ended. */
function request(base, method, pathAndQuery, { agent = false, body, timeout = 10_000 } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request(base + pathAndQuery, { method, agent, signal: AbortSignal.timeout(timeout) }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => { text += c; });
      res.on('end', () => resolve({ status: res.statusCode, index: Number(res.headers['x-nomad-index']), body: text, at: performance.now() }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body && JSON.stringify(body));
  });
}

const agent = await startAgent({ args: ['--no-demo'] });
const base = agent.apiUrl;
const rss = { phase: 'start', samples: [], peaks: {} };
const sample = () => {
  const kb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${agent.child.pid}/status`, 'utf8'))?.[1]);
  if (!kb) return;
  rss.samples.push(kb);
  rss.peaks[rss.phase] = Math.max(rss.peaks[rss.phase] ?? 0, kb);
};
const sampler = setInterval(() => { try { sample(); } catch { /* the agent has exited */ } }, 200);
const open = [];
try {
  sample();
  const limit = readFileSync(`/proc/${agent.child.pid}/limits`, 'utf8').match(/Max open files\s+(\d+)/)?.[1];
  console.log(`agent ${agent.child.pid}: descriptor limit ${limit}`);

  // Wake-up of blocking queries: each round parks QUERIES queries on the current index, then
  // registers a batch job (no deployment, so no later health update wakes anything early).
  // One job first: an empty allocations table has index 0, and `index=0` does not block.
  rss.phase = 'blocking';
  const batchJob = (id) => ({ ID: id, Name: id, Type: 'batch', Datacenters: ['dc1'], TaskGroups: [{ Name: id, Count: 1, Tasks: [shellTask('main', 'sleep 600')] }] });
  await runJob(agent, { id: 'warm-up', type: 'batch', tasks: batchJob('warm-up').TaskGroups[0].Tasks });
  await sleep(1000);
  const pool = new http.Agent({ keepAlive: true, maxSockets: Infinity });
  const wakes = [];
  for (let round = 0; round < ROUNDS; round++) {
    const { index } = await request(base, 'GET', '/v1/allocations');
    let early = 0, written = false;
    const queries = Array.from({ length: QUERIES }, () =>
      request(base, 'GET', `/v1/allocations?index=${index}&wait=5m`, { agent: pool, timeout: 30_000 })
        .then((r) => (r.index > index ? r.at : null), () => null)
        .finally(() => { if (!written) early++; }));
    await sleep(2000);
    const id = `wake-${round}`;
    const t0 = performance.now();
    written = true;
    const write = await request(base, 'PUT', '/v1/jobs', { body: { Job: batchJob(id) } });
    const answered = (await Promise.all(queries)).filter((at) => at !== null);
    const round_ = answered.map((at) => at - t0);
    wakes.push(...round_);
    console.log(`  round ${round + 1}: write ${write.status} in ${ms(write.at - t0)}; ${answered.length}/${QUERIES} woken, ${early} answered before the write; ${spread(round_)}`);
    // Quiet before the next round: the allocation running, its updates written.
    await eventually(async () => JSON.parse((await request(base, 'GET', `/v1/job/${id}/allocations`)).body).some((a) => a.ClientStatus === 'running'), { message: `${id} running` });
    await sleep(1000);
  }
  pool.destroy();
  console.log(`blocking queries: ${QUERIES} held, ${ROUNDS} rounds; write sent to query answered: ${spread(wakes)}`);

  // Followed log streams: frames are flat JSON objects back to back, so each ends at the first
  // `}` (base64 data and file names hold none).
  rss.phase = 'logs';
  const [alloc] = await runJob(agent, { id: 'ticker', tasks: [shellTask('ticker', 'while :; do echo "T=$(date +%s%3N)"; sleep 0.1; done')] });
  const opened = performance.now();
  const delays = [];
  const firstData = [];
  for (let i = 0; i < STREAMS; i++) {
    const req = http.get(`${base}/v1/client/fs/logs/${alloc.ID}?task=ticker&type=stdout&follow=true&origin=end&offset=0`, { agent: false }, (res) => {
      let frames = '', lines = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => {
        frames += chunk;
        for (let end; (end = frames.indexOf('}')) >= 0; frames = frames.slice(end + 1)) {
          const data = JSON.parse(frames.slice(0, end + 1)).Data;
          if (!data) continue;
          firstData[i] ??= performance.now() - opened;
          lines += Buffer.from(data, 'base64').toString();
          const done = lines.split('\n');
          lines = done.pop();
          for (const line of done) { const m = /^T=(\d+)$/.exec(line); if (m) delays.push(Date.now() - Number(m[1])); }
        }
      });
      res.on('error', () => {});
    });
    req.on('error', () => {});
    open.push(req);
  }
  await sleep(WITHIN * 1000 + 5000);
  open.splice(0).forEach((r) => r.destroy());
  const fed = firstData.filter((t) => t !== undefined && t <= WITHIN * 1000);
  console.log(`log streams: ${fed.length}/${STREAMS} got data within ${WITHIN} s (first data after ${spread(fed)}); line printed to arrived: ${spread(delays)}`);

  // Health while idle sockets are held.
  rss.phase = 'idle sockets';
  let connected = 0, closedByAgent = 0, closing = false;
  await Promise.race([sleep(10_000), Promise.all(Array.from({ length: IDLE }, () => new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port: Number(new URL(base).port) }, () => { connected++; resolve(); });
    s.on('error', resolve);
    s.on('close', () => { if (!closing) closedByAgent++; resolve(); });
    open.push(s);
  })))]);
  await sleep(1000);
  const health = [];
  let failed = 0;
  for (let i = 0; i < HEALTH; i++) {
    const t0 = performance.now();
    const r = await request(base, 'GET', '/v1/agent/health', { timeout: 5000 }).catch(() => null);
    if (r?.status === 200) health.push(r.at - t0); else failed++;
  }
  const closedBefore = closedByAgent;
  closing = true;
  open.splice(0).forEach((s) => s.destroy());
  console.log(`idle sockets: ${connected}/${IDLE} connected, ${closedBefore} closed by the agent; health on a new connection each: ${spread(health)}, ${failed} failed`);

  rss.phase = 'end';
  await sleep(1000);
  const mb = (kb) => `${(kb / 1024).toFixed(1)} MB`;
  const peaks = Object.entries(rss.peaks).map(([p, kb]) => `${p} ${mb(kb)}`).join(', ');
  console.log(`agent RSS: start ${mb(rss.samples[0])}, peak ${mb(Math.max(...rss.samples))}, end ${mb(rss.samples.at(-1))} (peak by phase: ${peaks}; ${rss.samples.length} samples)`);
} finally {
  clearInterval(sampler);
  open.forEach((x) => x.destroy());
  await agent.cleanup();
  rmSync(wrapDir, { recursive: true, force: true });
}
