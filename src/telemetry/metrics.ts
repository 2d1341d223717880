// Prometheus registry plumbing shared by the processes: one registry each, with the process
// metrics (CPU, memory, event loop lag) every scrape config expects. The metrics themselves
// belong to each process (src/operator/metrics.ts, src/runtime/metrics.ts).
import { collectDefaultMetrics, Registry } from 'prom-client';

export function makeRegistry(prefix: string): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: `${prefix}_` });
  return registry;
}
