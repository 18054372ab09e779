/**
 * The chaos suite bites: with a safeguard switched off in the services (TRACE_TEST_FAILPOINTS,
 * `name=skip`), the bug it prevents comes back, and the suite names the kind, the invariant and the
 * seed, and exits 1. Here: hot rows appended instead of replaced when a range is committed again,
 * which a worker dying after its commit but before recording success forces (every second
 * crash_after_commit injection: four make two such crashes). Which range the worker dies on depends
 * on timing: a `blocks` range committed twice trips the hot table's unique (chain_id, block_hash) key,
 * so that range fails for good and the sync never completes; a `logs` or `transactions` range gets
 * its rows twice. Either way the suite must name the kind and exit 1 with the seed. And: a cold
 * file whose write into the query cache failed (ENOSPC) published as complete, which
 * query_cache_full forces: the truncated file is read by every later query of it. And: staging
 * keys recorded after their upload instead of before, which s3_faults' lost puts (stored by the
 * server, failed for the client) turn into objects nothing references (four injections: each
 * window of 3 s has held one to four lost puts in the runs seen). And: the tip
 * follower never finding a reorg, which tip_reorg's reorgs of blocks that ranges in flight cover
 * expose (rows of the replaced fork stay, or the commits' fork check refuses the new fork's ranges
 * for good).
 */
import test, { type ExecutionContext } from 'ava';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { CLI_ENTRY } from '../../cli/processes/traceNode.js';

const execFileAsync = promisify(execFile);
/** As chaos.test.ts: minutes, most of them traces on a loaded machine. */
const RUN_TIMEOUT_MS = 15 * 60_000;
// Every run below is serial: each is a PostgreSQL, an S3 server, anvil and four node processes, and
// two at once beside the suite's other files (2 cores) made their timing-sensitive tests fail.

/** Enough ranges (7 per stream) that claims and commits are still coming when the injections do. */
const CRASH_AFTER_COMMIT_BLOCKS = 36;

interface BrokenRunOptions {
  kind: string;
  injections: number;
  seed: number;
  safeguard: string;
  /** The devnet's seeded blocks (`--blocks`); the suite's default when left out. */
  blocks?: number;
}

interface BrokenRunResult {
  stderr: string;
  faults: ({ kind: string; data_identical: boolean } & Record<string, unknown>)[];
}

/** Runs `kind` with `safeguard` switched off in the services; it must exit 1, BROKEN with the seed and `ok: false`. */
async function failingRun(t: ExecutionContext, options: BrokenRunOptions): Promise<BrokenRunResult> {
  t.timeout(RUN_TIMEOUT_MS);
  const blocks = options.blocks === undefined ? [] : ['--blocks', String(options.blocks)];
  const error = await t.throwsAsync(
    execFileAsync(process.execPath, [CLI_ENTRY, 'chaos', '--kinds', options.kind, '--injections', String(options.injections), ...blocks, '--seed', String(options.seed), '--json'], {
      timeout: RUN_TIMEOUT_MS,
      maxBuffer: 16 * 1024 * 1024,
      env: { ...process.env, TRACE_TEST_FAILPOINTS: `${options.safeguard}=skip` },
    }),
  );
  const { code, stdout, stderr } = error as Error & { code?: number; stdout: string; stderr: string };
  t.is(code, 1);
  t.regex(stderr, new RegExp(`BROKEN \\(reproduce with --seed ${options.seed}\\)`));
  const result = JSON.parse(stdout.trim().split('\n').at(-1)!) as { ok: boolean; faults: BrokenRunResult['faults'] };
  t.false(result.ok);
  t.deepEqual(result.faults.map((f) => f.kind), [options.kind]);
  return { stderr, faults: result.faults };
}

/** As failingRun, and the kind's data is not the undisturbed run's (data_identical false). */
async function brokenRun(t: ExecutionContext, options: BrokenRunOptions): Promise<string> {
  const { stderr, faults } = await failingRun(t, { blocks: 12, ...options });
  t.regex(stderr, new RegExp(`${options.kind}: data_identical = false`));
  t.false(faults[0]!.data_identical);
  return stderr;
}

test.serial('hot rows appended on a re-commit (safeguard hotRows.deleteBeforeCopy off): crash_after_commit breaks hot_rows_mismatch or the sync, data_identical false, exit 1 with the seed', async (t) => {
  // 36 blocks, not 12: with warm ingest threads 12 blocks' ranges were all claimed and committed before the
  // first injection under the full suite's load, and its four failpoints were never reached.
  const stderr = await brokenRun(t, { kind: 'crash_after_commit', injections: 4, seed: 5, safeguard: 'hotRows.deleteBeforeCopy', blocks: CRASH_AFTER_COMMIT_BLOCKS });
  t.regex(stderr, /crash_after_commit: hot_rows_mismatch = [1-9]|the sync did not complete/);
});

test.serial('reorgs never detected (safeguard syncJobs.detectReorgs off): tip_reorg leaves ranges read from a replaced fork, data_identical false, exit 1 with the seed', async (t) => {
  await brokenRun(t, { kind: 'tip_reorg', injections: 2, seed: 7, safeguard: 'syncJobs.detectReorgs' });
});

test.serial('a failed query-cache write published as the file (safeguard queryCache.discardFailedWrite off): query_cache_full breaks query_mismatch, exit 1 with the seed', async (t) => {
  const { stderr } = await failingRun(t, { kind: 'query_cache_full', injections: 2, seed: 7, safeguard: 'queryCache.discardFailedWrite' });
  t.regex(stderr, /query_cache_full: query_mismatch = [1-9]/);
});

test.serial('staging keys recorded after their upload (safeguard outputs.recordStagedBeforePut off): s3_faults breaks untracked_objects, exit 1 with the seed', async (t) => {
  const { stderr } = await failingRun(t, { kind: 's3_faults', injections: 4, seed: 7, safeguard: 'outputs.recordStagedBeforePut' });
  t.regex(stderr, /s3_faults: untracked_objects = [1-9]/);
  t.regex(stderr, /untracked_objects: s3:\/\/chaos-1-datasets\/staging\//);
});
