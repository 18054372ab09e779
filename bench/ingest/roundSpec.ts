/** What one raw or full round of the ingest benchmark reads. */

export type Dataset = 'blocks' | 'transactions' | 'logs' | 'geth_calls';
/** The stream set measured per chunk size; geth_calls is measured apart. */
export const MAIN_STREAMS: readonly Dataset[] = ['blocks', 'transactions', 'logs'];

/** The devnet's blocks [0, end) of `datasets`, cut every `chunkSize` blocks, `maxInflight` ranges at a time per stream. */
export interface RoundSpec {
  url: string;
  chainId: number;
  datasets: readonly Dataset[];
  end: number;
  chunkSize: number;
  maxInflight: number;
}
