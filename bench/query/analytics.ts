/**
 * The analytics measured: the six stored templates with parameters covering the whole window
 * (`top_holders` and `holder_balance_history` for the ERC-20, from Transfer logs, and again for the
 * native coin, from `geth_balance_diffs`), each with a check of its answer against what the generator knows
 * the chain adds up to, so a benchmark of a trivial or wrong answer fails instead of printing.
 */
import type { ResultCell, ResultColumn } from '../../actors/query/queryTypes.js';
import type { SyntheticChain } from './chain.js';

export interface Answer {
  columns: ResultColumn[];
  rows: ResultCell[][];
}

export interface AnalyticCase {
  /** Key in the report: the template name, `_native` for the native-coin variants. */
  key: string;
  template: string;
  params: Record<string, string | number>;
  /** Throws when the answer is empty, trivial, or disagrees with the generator's totals. */
  check(answer: Answer): void;
}

class WrongAnswer extends Error {
  constructor(key: string, what: string) {
    super(`${key}: ${what}`);
  }
}

const text = (cell: ResultCell | undefined): string => String(cell);

export function analyticCases(chain: SyntheticChain, chainId: number): AnalyticCase[] {
  const truth = chain.truth;
  const last = truth.lastBlock;
  const step = chain.sampleStep;
  const samples = Math.floor(last / step) + 1 + (last % step === 0 ? 0 : 1);
  const n = 10;
  const k = 5;
  const token = chain.tokenAddress;
  const window = { chain_id: chainId, from_block: 0, to_block: last, step };

  const expectRows = (key: string, answer: Answer, count: number): void => {
    if (answer.rows.length !== count) throw new WrongAnswer(key, `${answer.rows.length} rows, expected ${count}`);
  };
  const expectHolders = (key: string, answer: Answer, holders: ReadonlyArray<{ address: string; balance: bigint }>): void => {
    const expected = holders.slice(0, n);
    expectRows(key, answer, expected.length);
    expected.forEach((h, i) => {
      const row = answer.rows[i]!;
      if (text(row[0]) !== String(i + 1) || row[1] !== h.address || text(row[2]) !== String(h.balance)) {
        throw new WrongAnswer(key, `rank ${i + 1} is ${JSON.stringify(row)}, expected ${h.address} with ${h.balance}`);
      }
    });
  };
  const expectHistory = (key: string, answer: Answer, holders: ReadonlyArray<{ address: string; balance: bigint }>): void => {
    const top = holders.slice(0, n);
    expectRows(key, answer, samples * top.length);
    if (answer.rows.some((r) => r[2] === null)) throw new WrongAnswer(key, 'a sampled balance is NULL');
    const atTip = new Map(answer.rows.filter((r) => r[0] === last).map((r) => [text(r[1]), text(r[2])]));
    for (const h of top) {
      if (atTip.get(h.address) !== String(h.balance)) throw new WrongAnswer(key, `${h.address} at ${last}: ${atTip.get(h.address)}, expected ${h.balance}`);
    }
    if (new Set(answer.rows.map((r) => text(r[2]))).size < samples) throw new WrongAnswer(key, 'the series barely moves');
  };
  const expectSeries = (key: string, answer: Answer, finalValue: bigint): void => {
    expectRows(key, answer, samples);
    const lastRow = answer.rows.at(-1)!;
    if (lastRow[0] !== last || text(lastRow[1]) !== String(finalValue)) {
      throw new WrongAnswer(key, `last sample ${JSON.stringify(lastRow)}, expected [${last}, ${finalValue}]`);
    }
    if (new Set(answer.rows.map((r) => text(r[1]))).size < samples / 2) throw new WrongAnswer(key, 'the series barely moves');
  };

  const staked = truth.stakes.filter((s) => s > 0n);
  return [
    {
      key: 'total_supply_native',
      template: 'total_supply_native',
      params: { ...window, genesis_supply_wei: String(truth.genesisSupplyWei) },
      check: (a) => expectSeries('total_supply_native', a, truth.nativeSupplyWei),
    },
    {
      key: 'total_supply_erc20',
      template: 'total_supply_erc20',
      params: { ...window, token },
      check: (a) => expectSeries('total_supply_erc20', a, truth.tokenSupply),
    },
    {
      key: 'top_holders',
      template: 'top_holders',
      params: { chain_id: chainId, token, n, block: last },
      check: (a) => expectHolders('top_holders', a, truth.topToken),
    },
    {
      key: 'holder_balance_history',
      template: 'holder_balance_history',
      params: { ...window, token, n },
      check: (a) => expectHistory('holder_balance_history', a, truth.topToken),
    },
    {
      key: 'stake_by_validator',
      template: 'stake_by_validator',
      params: { chain_id: chainId, block: last },
      check: (a) => {
        expectRows('stake_by_validator', a, truth.stakes.length);
        truth.stakes.forEach((stake, i) => {
          const row = a.rows[i]!;
          if (row[0] !== i + 1 || text(row[1]) !== String(stake)) throw new WrongAnswer('stake_by_validator', `${JSON.stringify(row)}, expected [${i + 1}, ${stake}]`);
        });
      },
    },
    {
      key: 'stake_concentration',
      template: 'stake_concentration',
      params: { chain_id: chainId, block: last, k },
      check: (a) => {
        expectRows('stake_concentration', a, 1);
        const [gini, topK, nakamoto, hhi, validators] = a.rows[0]!;
        const expected = concentration(staked, k);
        const close = (x: ResultCell | undefined, y: number): boolean => typeof x === 'number' && Math.abs(x - y) <= 1e-9 * Math.max(1, Math.abs(y));
        if (validators !== staked.length || nakamoto !== expected.nakamoto || !close(gini, expected.gini) || !close(topK, expected.topK) || !close(hhi, expected.hhi)) {
          throw new WrongAnswer('stake_concentration', `${JSON.stringify(a.rows[0])}, expected ${JSON.stringify({ ...expected, validators: staked.length })}`);
        }
      },
    },
    {
      key: 'top_holders_native',
      template: 'top_holders',
      params: { chain_id: chainId, token: 'native', n, block: last },
      check: (a) => expectHolders('top_holders_native', a, truth.topNative),
    },
    {
      key: 'holder_balance_history_native',
      template: 'holder_balance_history',
      params: { ...window, token: 'native', n },
      check: (a) => expectHistory('holder_balance_history_native', a, truth.topNative),
    },
  ];
}

/** The template's concentration figures computed here from the generator's stakes (doubles). */
function concentration(stakes: readonly bigint[], k: number): { gini: number; topK: number; nakamoto: number; hhi: number } {
  const ascending = [...stakes].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const n = BigInt(ascending.length);
  const total = ascending.reduce((a, b) => a + b, 0n);
  const weighted = ascending.reduce((sum, x, i) => sum + BigInt(i + 1) * x, 0n);
  const gini = Number(2n * weighted - (n + 1n) * total) / Number(n * total);
  const descending = [...ascending].reverse();
  const topK = Number(descending.slice(0, k).reduce((a, b) => a + b, 0n)) / Number(total);
  let running = 0n;
  let nakamoto = 0;
  for (const x of descending) {
    running += x;
    nakamoto++;
    if (3n * running > total) break;
  }
  const hhi = 10_000 * descending.reduce((sum, x) => sum + (Number(x) / Number(total)) ** 2, 0);
  return { gini, topK, nakamoto, hhi };
}
