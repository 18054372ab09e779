import { HOT_DATASETS } from '../../drivers/datasets/catalog.js';
import { withTransaction, type PgPool, type Queryable } from '../../drivers/postgres/postgres.js';
import { loadStatements } from '../../drivers/postgres/sqlStatements.js';
import { compactionGroups, type CompactionCandidate, type CompactionGroup, type CompactionLimits } from './compactionGroups.js';
import type { TaskStore } from './tasks/taskStore.js';

const SQL = loadStatements('state/compactions.sql', ['lockPlanner', 'compactionsInFlight', 'compactionCandidates', 'tierSpans'] as const);

/** The operator every planned compaction runs (sql/state/compactions.sql spells it out for its index). */
export const COMPACT_OPERATOR = 'compact';

/**
 * What a compaction task is given: the span it merges and the ids of the live versions the planner
 * chose to merge (they cover the span exactly); it commits those or nothing.
 */
export interface CompactParams {
  dataset: string;
  chain_id: number;
  start: number;
  end: number;
  versions: string[];
}

/** A compaction planned as a task. */
export interface PlannedCompaction extends CompactionGroup {
  taskId: string;
}

export interface TierPolicy extends CompactionLimits {
  /** The newest blocks of each dataset that form its hot tier (TRACE_HOT_RETENTION_BLOCKS). */
  retentionBlocks: number;
}

/** Where a dataset's blocks are served from, and what compaction still has to merge. */
export interface DatasetTiers {
  /** Blocks of live versions in the hot tier, [from, to). */
  hot: { from: number; to: number } | null;
  /** Blocks of live versions in the cold tier, [from, to), and their files. */
  cold: { from: number; to: number; files: number } | null;
  /** Small cold-tier versions not merged yet: how many, their blocks, and how many a running compaction covers. */
  backlog: { versions: number; blocks: number; in_flight: number };
}

/**
 * Compaction planning and the tier picture. The planner merges each full group of small cold-tier
 * versions (compactionGroups.ts) with one `compact` task, planned in one transaction under a lock
 * only one planner holds at a time, so a span is never planned twice.
 */
export class Compactions {
  constructor(
    private readonly pool: PgPool,
    private readonly tasks: TaskStore,
    private readonly policy: TierPolicy,
  ) {}

  /** Plans compactions (of one dataset, or all) while fewer than `maxInFlight` run; returns them. */
  async planOnce(options: { dataset?: string; maxInFlight: number }): Promise<PlannedCompaction[]> {
    return withTransaction(this.pool, async (client) => {
      await client.query(SQL.lockPlanner);
      const running = (await client.query<{ n: number }>(SQL.compactionsInFlight)).rows[0]!.n;
      const datasets = options.dataset === undefined ? HOT_DATASETS : [options.dataset];
      const groups = compactionGroups(await this.candidates(client, datasets), this.policy).slice(0, Math.max(0, options.maxInFlight - running));
      const planned: PlannedCompaction[] = [];
      for (const g of groups) {
        const params: CompactParams = { dataset: g.dataset, chain_id: g.chainId, start: g.start, end: g.end, versions: g.versionIds };
        const { tasks } = await this.tasks.runs.submitRunIn(client, {
          name: `compact/${g.dataset}/${g.chainId}/${g.start}-${g.end}`,
          tasks: [{ name: 'compact', operator: COMPACT_OPERATOR, params: { ...params }, depends_on: [] }],
        });
        planned.push({ ...g, taskId: tasks.compact! });
      }
      return planned;
    });
  }

  /** Per dataset of chain `chainId`: its hot span, cold span and compaction backlog. */
  async tiers(chainId: number, datasets: readonly string[]): Promise<Record<string, DatasetTiers>> {
    const { retentionBlocks } = this.policy;
    const spans = (
      await this.pool.query<{ dataset: string; hot_from: string | null; hot_to: string | null; cold_from: string | null; cold_to: string | null; cold_versions: number }>(
        SQL.tierSpans,
        [chainId, datasets, retentionBlocks],
      )
    ).rows;
    const candidates = (await this.candidates(this.pool, datasets)).filter((c) => Number(c.chain_id) === chainId);
    const tiers: Record<string, DatasetTiers> = {};
    for (const dataset of datasets) {
      const span = spans.find((s) => s.dataset === dataset);
      const small = candidates.filter((c) => c.dataset === dataset);
      tiers[dataset] = {
        hot: span?.hot_from ? { from: Number(span.hot_from), to: Number(span.hot_to) } : null,
        cold: span?.cold_from ? { from: Number(span.cold_from), to: Number(span.cold_to), files: span.cold_versions } : null,
        backlog: {
          versions: small.length,
          blocks: small.reduce((n, c) => n + Number(c.range_end) - Number(c.range_start), 0),
          in_flight: small.filter((c) => c.in_flight).length,
        },
      };
    }
    return tiers;
  }

  private async candidates(db: Queryable, datasets: readonly string[]): Promise<CompactionCandidate[]> {
    const { retentionBlocks, blocks, bytes } = this.policy;
    return (await db.query<CompactionCandidate>(SQL.compactionCandidates, [datasets, retentionBlocks, blocks, bytes])).rows;
  }
}
