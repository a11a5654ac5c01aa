// Child processes of the browser tests: started, awaited until they say they are ready, stopped.
import { spawn } from 'node:child_process';

/**
 * Starts `command` and resolves once its output (stdout and stderr) matches `ready`, with the
 * match; rejects if it exits or stays silent for 30 s first.
 */
export async function startProcess(command, argv, { ready, what = command, env }) {
  const child = spawn(command, argv, { stdio: ['ignore', 'pipe', 'pipe'], env });
  let output = '';
  const match = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what} did not start:\n${output}`)), 30_000);
    const onData = (chunk) => {
      output += chunk;
      const m = output.match(ready);
      if (m) { clearTimeout(timer); resolve(m); }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`${what} exited ${code}:\n${output}`)); });
    child.once('error', (e) => { clearTimeout(timer); reject(e); });
  });
  child.removeAllListeners('exit');
  return {
    child, match,
    get output() { return output; },
    /** SIGTERM, then SIGKILL after 10 s; resolves once it has exited. */
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
