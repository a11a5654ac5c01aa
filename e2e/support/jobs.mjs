// Jobs for tests run against `--no-demo` agents: submitted through Nomad's PUT /v1/jobs.
import { api, eventually } from './agent.mjs';

/** A raw_exec task running `script` under /bin/sh, as the agent's demo tasks do. */
export function shellTask(name, script, extra = {}) {
  return {
    Name: name, Driver: 'raw_exec',
    Config: { command: '/bin/sh', args: ['-c', script], ...(extra.config ?? {}) },
    Resources: { CPU: 100, MemoryMB: 64 },
    KillTimeout: 5e9,
    LogConfig: { MaxFiles: 10, MaxFileSizeMB: 10 },
  };
}

/** A task that keeps running and reports the signals it gets. */
export const TRAP_SCRIPT = `
trap 'echo "got USR1"' USR1
trap 'echo "got INT"; exit 0' INT
trap 'echo "got TERM"; exit 0' TERM
echo ready
while :; do sleep 0.1; done
`;

/** Submits a one-group job and resolves with its allocations once all are running. */
export async function runJob(agent, { id, type = 'service', count = 1, tasks, namespace = 'default', token, restartPolicy }) {
  const group = { Name: id, Count: count, Tasks: tasks };
  if (restartPolicy) group.RestartPolicy = restartPolicy;
  // Datacenters named, as Nomad up to 1.4 requires (1.5 defaults them to ["*"]).
  const job = { ID: id, Name: id, Type: type, Namespace: namespace, Datacenters: ['dc1'], TaskGroups: [group] };
  await api(agent, 'PUT', '/v1/jobs', { token, body: { Job: job } });
  return eventually(async () => {
    const allocs = await api(agent, 'GET', `/v1/job/${id}/allocations?namespace=${namespace}`, { token });
    return allocs.length === count && allocs.every((a) => a.ClientStatus === 'running') && allocs;
  }, { message: `job ${id} running` });
}

/** A task's stdout log as the agent's /v1/client/fs/cat serves it. */
export async function taskLog(agent, allocId, task, { token, type = 'stdout' } = {}) {
  const res = await fetch(`${agent.url}/v1/client/fs/cat/${allocId}?path=alloc/logs/${task}.${type}.0`, {
    headers: token ? { 'X-Nomad-Token': token } : {},
  });
  return res.ok ? res.text() : '';
}
