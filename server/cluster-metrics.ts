import cluster from 'node:cluster';
import crypto from 'node:crypto';
import { AggregatorRegistry, type Registry } from 'prom-client';

/**
 * Metrics of a node with WORKERS > 1 (node:cluster). A scrape reaches one worker; it asks the
 * primary, which asks every worker for its registry (prom-client's AggregatorRegistry, over the
 * cluster's IPC channel) and answers the sum (counters and histograms add up; process gauges as
 * prom-client aggregates them).
 */
const ASK = 'tongmen:metrics-ask';
const ANSWER = 'tongmen:metrics-answer';
const TIMEOUT_MS = 5000;

interface Answer { type: typeof ANSWER; id: string; text?: string; error?: string }

/** In a worker: its registry is the one the primary collects. */
export function joinClusterMetrics(registry: Registry): void {
  // The constructor adds prom-client's worker-side listener; setRegistries names what it reports.
  new AggregatorRegistry();
  AggregatorRegistry.setRegistries([registry]);
}

/** In the primary: answers the workers' requests for the node's aggregated metrics. */
export function serveClusterMetrics(): void {
  const aggregator = new AggregatorRegistry();
  cluster.on('message', (worker, message: { type?: string; id?: string }) => {
    const id = message?.type === ASK ? message.id : undefined;
    if (typeof id !== 'string') return;
    aggregator.clusterMetrics().then(
      (text) => worker.send({ type: ANSWER, id, text } satisfies Answer),
      (err: unknown) => worker.send({ type: ANSWER, id, error: String(err) } satisfies Answer),
    );
  });
}

/** In a worker: the node's metrics, from the primary. */
export function askPrimaryForMetrics(): Promise<string> {
  const id = crypto.randomUUID();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => finish(new Error('the primary did not answer with the metrics')), TIMEOUT_MS);
    const onMessage = (m: Answer) => {
      if (m?.type === ANSWER && m.id === id) finish(m.error ? new Error(m.error) : undefined, m.text ?? '');
    };
    function finish(err?: Error, text = '') {
      clearTimeout(timer);
      process.off('message', onMessage);
      if (err) reject(err);
      else resolve(text);
    }
    process.on('message', onMessage);
    process.send?.({ type: ASK, id });
  });
}
