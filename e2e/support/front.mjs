// Fronts in front of a test agent, chosen by CARAVAN_E2E_FRONT:
//   serve  `caravan-agent serve --nomad-addr <agent> --port 0 --ui-dir dist`
//   nginx  Debian's nginx running deploy/nginx.conf, with only its CHANGE (and BASE) lines rewritten
//   caddy  Caddy running deploy/Caddyfile, with only its CHANGE lines rewritten (not run by
//          scripts/test.sh: Caddy is not a Debian package the project needs; `apt-get install caddy`)
// Either serves the dashboard at /ui/ (or `basePath`) and forwards /v1/* to the agent, and
// outlives the agent (a restarted agent on the same port is reached again).
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startProcess } from './process.mjs';
import { agentBinary as binary, dist, root } from './paths.mjs';

const nginxBinary = process.env.NGINX ?? '/usr/sbin/nginx';

export const frontKind = process.env.CARAVAN_E2E_FRONT || null;
if (frontKind && !['serve', 'nginx', 'caddy'].includes(frontKind)) {
  throw new Error(`CARAVAN_E2E_FRONT=${frontKind}: expected serve, nginx or caddy`);
}

/**
 * The Host deploy/nginx.conf sends the agent: nginx's default `$proxy_host`, the name of its
 * upstream block. The local agent answers only hosts it knows (DNS-rebinding protection), so an
 * agent behind that nginx is started with `--allowed-host` this name, as README.md says.
 */
export const nginxUpstreamHost = (() => {
  const conf = readFileSync(path.join(root, 'deploy', 'nginx.conf'), 'utf8');
  const upstream = conf.match(/^upstream (\S+) \{/m);
  if (!upstream) throw new Error('deploy/nginx.conf has no upstream block');
  return upstream[1];
})();

/** The agent flags the front chosen by CARAVAN_E2E_FRONT needs (the Host it sends allowed). */
export function frontAgentArgs() {
  return frontKind === 'nginx' ? ['--allowed-host', nginxUpstreamHost] : [];
}

/** Starts the front chosen by CARAVAN_E2E_FRONT before `apiUrl`, or returns null without one. */
export async function startFront(apiUrl) {
  if (frontKind === 'serve') return startServe(apiUrl);
  if (frontKind === 'nginx') return startNginx(apiUrl);
  if (frontKind === 'caddy') return startCaddy(apiUrl);
  return null;
}

/**
 * `caravan-agent serve` before `apiUrl`: the dashboard in `ui` (default: the tests' dist) at
 * `basePath`, `args` added to its command line.
 */
export async function startServe(apiUrl, { basePath = '/ui/', ui = dist, args = [] } = {}) {
  const argv = ['serve', '--nomad-addr', apiUrl, '--port', '0', '--ui-dir', ui, '--base-path', basePath, ...args];
  const proc = await startProcess(binary, argv, { ready: /listening on (http:\/\/[^\s/]+)/, what: 'caravan-agent serve' });
  return { kind: 'serve', url: proc.match[1], stop: () => proc.stop(), get output() { return proc.output; } };
}

/** A port nothing listens on now (nginx cannot be asked for an ephemeral one). */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/**
 * deploy/nginx.conf with its CHANGE lines pointed at this test's agent, port and dist, and the
 * last /ui of each BASE line made `basePath`, as its comments tell people to.
 */
export function nginxSite({ apiUrl, port, basePath = '/ui/', ui = dist }) {
  const agent = new URL(apiUrl).host;
  return changeLines('nginx.conf', [
    [/^(\s*)server \S+;(\s*# CHANGE)/m, `$1server ${agent};$2`],
    [/^(\s*)listen \S+;(\s*# CHANGE)/m, `$1listen 127.0.0.1:${port};$2`],
    [/^(\s*)alias \S+;(\s*# CHANGE)/m, `$1alias ${ui}/;$2`],
    [/^(.*)\/ui(?!.*\/ui)(.*# BASE)$/gm, `$1${basePath.replace(/\/$/, '')}$2`],
  ]);
}

/** Rewrites the lines of a deploy/ file that `replacements` ([pattern, replacement]) match; each must match. */
function changeLines(file, replacements) {
  const site = readFileSync(path.join(root, 'deploy', file), 'utf8');
  return replacements.reduce((text, [pattern, replacement]) => {
    if (!pattern.test(text)) throw new Error(`deploy/${file} has no line matching ${pattern}`);
    return text.replace(pattern, replacement);
  }, site);
}

/** deploy/Caddyfile with its CHANGE lines pointed at this test's agent, port and dist. */
export function caddySite({ apiUrl, port, ui = dist }) {
  return changeLines('Caddyfile', [
    [/^\S+ \{(\s*# CHANGE)/m, `http://127.0.0.1:${port} {$1`],
    [/^(\s*)root \* \S+(\s*# CHANGE)/m, `$1root * ${ui}$2`],
    [/^(\s*)reverse_proxy \S+ \{(\s*# CHANGE)/m, `$1reverse_proxy ${new URL(apiUrl).host} {$2`],
  ]);
}

async function startCaddy(apiUrl) {
  const dir = mkdtempSync(path.join(tmpdir(), 'caravan-caddy-'));
  const port = await freePort();
  // No admin endpoint: its fixed port would be shared by every Caddy of every test.
  writeFileSync(path.join(dir, 'Caddyfile'), `{\n\tadmin off\n}\n${caddySite({ apiUrl, port })}`);
  const env = { ...process.env, XDG_DATA_HOME: dir, XDG_CONFIG_HOME: dir };
  const argv = ['run', '--adapter', 'caddyfile', '--config', path.join(dir, 'Caddyfile')];
  const proc = await startProcess(process.env.CADDY ?? 'caddy', argv, { ready: /serving initial configuration/, what: 'caddy', env })
    .catch((e) => { rmSync(dir, { recursive: true, force: true }); throw e; });
  return localFront('caddy', port, proc, dir);
}

/** A front `proc` runs on 127.0.0.1:`port` with its files in `dir`, removed when it stops. */
function localFront(kind, port, proc, dir) {
  return {
    kind,
    url: `http://127.0.0.1:${port}`,
    get output() { return proc.output; },
    async stop() {
      await proc.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Debian's nginx running deploy/nginx.conf before `apiUrl` (options as `nginxSite`'s). */
export async function startNginx(apiUrl, { basePath, ui } = {}) {
  const dir = mkdtempSync(path.join(tmpdir(), 'caravan-nginx-'));
  // Workers run as nobody when the tests run as root: they must reach their temp directories.
  chmodSync(dir, 0o755);
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    writeFileSync(path.join(dir, 'caravan.conf'), nginxSite({ apiUrl, port, basePath, ui }));
    // What Debian's /etc/nginx/nginx.conf provides around conf.d/, with every path in `dir`.
    writeFileSync(path.join(dir, 'nginx.conf'), `
daemon off;
pid ${dir}/nginx.pid;
error_log stderr notice;
worker_processes 1;
events { worker_connections 512; }
http {
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    sendfile on;
    access_log off;
    client_body_temp_path ${dir}/body;
    proxy_temp_path ${dir}/proxy;
    fastcgi_temp_path ${dir}/fastcgi;
    uwsgi_temp_path ${dir}/uwsgi;
    scgi_temp_path ${dir}/scgi;
    include ${dir}/caravan.conf;
}
`);
    let proc;
    try {
      proc = await startProcess(nginxBinary, ['-p', dir, '-c', path.join(dir, 'nginx.conf')], { ready: /start worker process/, what: 'nginx' });
    } catch (e) {
      // Another process took the port between freePort and nginx's bind: try another.
      if (attempt < 3 && /Address already in use/.test(e.message)) continue;
      rmSync(dir, { recursive: true, force: true });
      throw e;
    }
    return localFront('nginx', port, proc, dir);
  }
}
