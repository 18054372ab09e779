/**
 * The staking analytics templates against the chain's own answers.
 * A seeded Monad-like devnet (real anvil) is synced through a real node (Postgres, embedded S3)
 * for this file (test/helpers/analyticsDevnet.ts), then the templates run through the Query Service
 * and are compared with the staking precompile's getValidator at the same historic blocks.
 */
import test from 'ava';
import { big, columns, descending, double, int } from '../helpers/analyticsAnswers.js';
import { useAnalyticsDevnet } from '../helpers/analyticsDevnet.js';

const ready = useAnalyticsDevnet();

/** Exact ratio of two bigints as a double (18 significant decimals before rounding). */
function ratio(numerator: bigint, denominator: bigint): number {
  const SCALE = 10n ** 18n;
  return Number((numerator * SCALE) / denominator) / 1e18;
}

test('stake_by_validator = getValidator(id).stake for every validator, at sampled historic blocks', async (t) => {
  const s = ready();
  for (const block of [1, 2, 15, 38, s.last]) {
    const result = await s.qs.query({ template: 'stake_by_validator', params: { block } });
    t.deepEqual(columns(result), ['validator_id:BIGINT', 'stake_wei:HUGEINT']);
    const stakes = await s.answers.validatorStakes(block);
    t.true(stakes.size > 0, `block ${block}: validators exist`);
    t.deepEqual(
      result.rows.map((r) => [int(r[0]), big(r[1])]),
      [...stakes].sort(([a], [b]) => a - b),
      `block ${block}: every created validator with its stake`,
    );
  }
});

test('stake_history = getValidator(id).stake of every validator at every sampled block (0 before it existed)', async (t) => {
  const s = ready();
  const result = await s.qs.query({ template: 'stake_history', params: { from_block: 0, to_block: s.last, step: 15 } });
  t.deepEqual(columns(result), ['block_number:BIGINT', 'validator_id:BIGINT', 'stake_wei:HUGEINT']);
  const blocks = [...new Set(result.rows.map((r) => int(r[0])))];
  t.deepEqual(blocks, [...new Set([0, 15, 30, 45, s.last])]);
  const everyValidator = [...(await s.answers.validatorStakes(s.last)).keys()].sort((a, b) => a - b);
  for (const block of blocks) {
    const stakes = await s.answers.validatorStakes(block);
    t.deepEqual(
      result.rows.filter((r) => int(r[0]) === block).map((r) => [int(r[1]), big(r[2])]),
      everyValidator.map((id) => [id, stakes.get(id) ?? 0n]),
      `block ${block}`,
    );
  }
});

test('stake_concentration = Gini, top-3 share, Nakamoto and HHI recomputed from the chain stakes', async (t) => {
  const s = ready();
  for (const block of [2, 20, s.last]) {
    const result = await s.qs.query({ template: 'stake_concentration', params: { block, k: 3 } });
    t.deepEqual(columns(result), ['gini:DOUBLE', 'top_k_share:DOUBLE', 'nakamoto_33:INTEGER', 'hhi:DOUBLE', 'validators:BIGINT']);
    const x = [...(await s.answers.validatorStakes(block)).values()].filter((stake) => stake > 0n).sort(descending);
    const n = BigInt(x.length);
    const total = x.reduce((a, b) => a + b, 0n);
    // Gini as the mean absolute difference over twice the mean: Σ_i Σ_j |x_i − x_j| / (2 n² μ) = … / (2 n S).
    let absDiff = 0n;
    for (const a of x) for (const b of x) absDiff += a > b ? a - b : b - a;
    const gini = ratio(absDiff, 2n * n * total);
    const top3 = ratio(x.slice(0, 3).reduce((a, b) => a + b, 0n), total);
    let nakamoto = 0;
    for (let running = 0n; 3n * running <= total; nakamoto++) running += x[nakamoto]!;
    const hhi = ratio(10_000n * x.reduce((sum, v) => sum + v * v, 0n), total * total);

    const [row] = result.rows;
    t.is(result.rows.length, 1);
    t.true(Math.abs(double(row![0]) - gini) <= 1e-9, `block ${block}: gini ${row![0]} vs ${gini}`);
    t.true(Math.abs(double(row![1]) - top3) <= 1e-9, `block ${block}: top-3 share ${row![1]} vs ${top3}`);
    t.is(int(row![2]), nakamoto, `block ${block}: Nakamoto coefficient`);
    t.true(Math.abs(double(row![3]) - hhi) <= 1e-9, `block ${block}: HHI ${row![3]} vs ${hhi}`);
    t.is(int(row![4]), x.length, `block ${block}: validators`);
    t.true(gini >= 0 && gini <= 1 && hhi > 0 && hhi <= 10_000);
  }
});
