/**
 * The query cache's disk full: the query service's writes of cold files into its local cache fail
 * with ENOSPC (failpoint `queryCache.write`, armed in the query node for a few writes) while the
 * analytic queries are asked through the gateway. Each query must answer or fail with the clear
 * `cache_full` error (HTTP 503), the query node must stay up, and once the fault is cleared the
 * same queries must answer again: a file whose write was cut short is never served.
 */
import { askAnalyticQueries } from '../queryCheck.js';
import { armFailpoints, nodesWithRole, type FaultKind } from './faultKind.js';

/** Writes that fail per injection: the first query's cold files (one per cold range, 1-4) and some of the next's; the cache keeps no file between queries (QUERY_CACHE_BYTES). */
const FAILED_WRITES = 4;
/** The gateway's message for a query refused because the cache's disk is full (actors/query/queryFailures.ts). */
const CLEAR_ERROR = 'cache_full: ';

export const queryCacheFull: FaultKind = {
  name: 'query_cache_full',
  summary: "the query cache's disk full (ENOSPC on its writes) while queries run; then the same queries once it clears",
  async inject(ctx) {
    const node = (await nodesWithRole(ctx, 'query'))[0]!;
    const pid = node.pid;
    await armFailpoints(ctx, node, `queryCache.write=throw*${FAILED_WRITES}`);
    const during = await askAnalyticQueries(ctx.supervisor.gateway);
    await armFailpoints(ctx, node, 'queryCache.write=throw*0');
    const after = await askAnalyticQueries(ctx.supervisor.gateway);
    const refused = Object.values(during).filter((a) => a.includes(CLEAR_ERROR)).length;
    for (const [name, answer] of Object.entries(during)) {
      if (answer.startsWith('error: ') && !answer.includes(CLEAR_ERROR)) ctx.queryProblems.push(`${name} while the disk was full failed without the clear error: ${answer}`);
    }
    for (const [name, answer] of Object.entries(after)) if (answer.startsWith('error: ')) ctx.queryProblems.push(`${name} after the disk-full fault cleared: ${answer}`);
    if (!node.running || node.pid !== pid) ctx.queryProblems.push(`the query node (pid ${pid}) went down during the disk-full fault`);
    return `${FAILED_WRITES} cache writes made to fail with ENOSPC in ${node.name}: ${refused} of ${Object.keys(during).length} queries refused with cache_full, then ${Object.values(after).filter((a) => !a.startsWith('error: ')).length} answered`;
  },
};
