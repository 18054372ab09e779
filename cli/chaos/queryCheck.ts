/**
 * A fixed set of analytic queries asked through the gateway at the end of every run: each kind's
 * answers must equal the undisturbed run's (`query_mismatch`). The suite's query service serves
 * blocks older than QUERY_HOT_BLOCKS below the tip from cold files, so the answers cover both
 * tiers and the query cache (whole relations are read: no block window leaves a file out).
 */
import { GatewayClient } from '../harness/gatewayClient.js';

/**
 * TRACE_HOT_RETENTION_BLOCKS of the query service alone (the dispatcher plans with the default, so
 * every range still writes hot rows): ranges ending 5+ blocks below the tip are read from their
 * files, 4 of the 5 ranges of a 24-block sync.
 */
export const QUERY_HOT_BLOCKS = 5;
/**
 * TRACE_QUERY_CACHE_BYTES of the query service: 1 byte, less than any file, so a file leaves the
 * cache as soon as no query holds it and every query fetches (writes) its cold files again; the
 * cache's write path, and a fault in it, is exercised by every query, not only the first of a file.
 */
export const QUERY_CACHE_BYTES = 1;

/** One query per dataset; integers and hashes only, so the answer does not depend on summation order. */
export const ANALYTIC_QUERIES: Readonly<Record<string, string>> = {
  blocks: 'SELECT block_number, block_hash FROM blocks ORDER BY block_number',
  transactions: 'SELECT block_number, count(*) AS n, min(transaction_hash) AS first_hash FROM transactions GROUP BY block_number ORDER BY block_number',
  logs: 'SELECT block_number, count(*) AS n, count(DISTINCT address) AS addresses FROM logs GROUP BY block_number ORDER BY block_number',
  geth_calls: 'SELECT typ, count(*) AS n, count(DISTINCT transaction_hash) AS transactions FROM geth_calls GROUP BY typ ORDER BY typ',
};

/** Each query's answer as JSON text, or `error: …` when it failed. */
export type QueryAnswers = Record<string, string>;

export async function askAnalyticQueries(gateway: string): Promise<QueryAnswers> {
  const client = new GatewayClient(gateway);
  const answers: QueryAnswers = {};
  for (const [name, sql] of Object.entries(ANALYTIC_QUERIES)) {
    answers[name] = await client.query({ sql }).then(
      (result) => JSON.stringify(result.rows),
      (err: unknown) => `error: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  return answers;
}

/** Queries that failed, or (against the undisturbed run's answers) answered differently. */
export function queryMismatches(baseline: QueryAnswers | undefined, run: QueryAnswers): string[] {
  return Object.entries(run)
    .filter(([name, answer]) => answer.startsWith('error: ') || (baseline !== undefined && baseline[name] !== answer))
    .map(([name, answer]) => `${name}: ${answer.startsWith('error: ') ? answer : `answer differs from the undisturbed run's (${answer.slice(0, 80)})`}`);
}
