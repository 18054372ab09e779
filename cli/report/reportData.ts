/**
 * What the static report shows, as the demo gathers it. Amounts in wei (and token base units) are
 * decimal strings: they exceed 2^53 and often 2^64, so they never pass through a JS number unscaled.
 */
export interface ReportTable { title: string; sql?: string; columns: string[]; rows: (string | number | boolean | null)[][] }
export interface ReportData {
  generatedAt: string;            // ISO time
  chainId: number;
  window: { fromBlock: number; toBlock: number };   // inclusive
  sync: { blocks: number; transactions: number; logs: number; seconds: number };
  tables: ReportTable[];          // tip query, history query, analytics tables as printed
  nativeSupply: { block_number: number; total_supply_wei: string }[];
  erc20Supply: { token: string; points: { block_number: number; total_supply: string }[] } | null;
  holders: { token: string /* 'native' or 0x address */; leaderboard: { rank: number; address: string; balance: string }[]; history: { block_number: number; address: string; balance: string }[] }[];
  stake: { block: number; k: number; byValidator: { validator_id: number; stake_wei: string }[];
           /** Stake of every validator at the sampled blocks of the window (stake over time). */
           history: { block_number: number; validator_id: number; stake_wei: string }[];
           concentration: { gini: number; top_k_share: number; nakamoto_33: number; hhi: number; validators: number } };
}
