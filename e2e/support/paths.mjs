// Where the tests find what they run: the agent binary and the built dashboard.
import path from 'node:path';

export const root = path.resolve(import.meta.dirname, '..', '..');
// CARAVAN_AGENT: another build of the agent (the benchmarks use the release one).
export const agentBinary = process.env.CARAVAN_AGENT || path.join(root, 'target', 'debug', 'caravan-agent');
// CARAVAN_DIST: a dashboard built elsewhere (`trunk build --dist DIR`), so parallel work does not share dist/.
export const dist = process.env.CARAVAN_DIST || path.join(root, 'dist');
