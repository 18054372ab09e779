/**
 * Thread that signs a block's transactions. Signing (~0.3 ms each) is the seeder's largest
 * cost; on its own thread it overlaps with the JSON-RPC round trips of the block before.
 */
import type { Hex, TransactionSerializableEIP1559 } from 'viem';
import { privateKeyToAccount, type PrivateKeyAccount } from 'viem/accounts';
import { accountKey } from './genesis.js';
import { MONAD_CHAIN_ID } from './monad.js';
import type { PlannedTx } from './plannedTx.js';

export interface SignTask {
  seed: number;
  txs: PlannedTx[];
}

const accounts = new Map<string, PrivateKeyAccount>();

function account(seed: number, index: number): PrivateKeyAccount {
  const key = `${seed}:${index}`;
  let found = accounts.get(key);
  if (!found) {
    found = privateKeyToAccount(accountKey(seed, index));
    accounts.set(key, found);
  }
  return found;
}

export default async function sign({ seed, txs }: SignTask): Promise<Hex[]> {
  const raw: Hex[] = [];
  for (const tx of txs) {
    const request: TransactionSerializableEIP1559 = {
      type: 'eip1559',
      chainId: MONAD_CHAIN_ID,
      nonce: tx.nonce,
      to: tx.to,
      data: tx.data,
      value: tx.value,
      gas: tx.gas,
      maxFeePerGas: tx.maxFeePerGas,
      maxPriorityFeePerGas: tx.maxPriorityFeePerGas,
    };
    raw.push(await account(seed, tx.from).signTransaction(request));
  }
  return raw;
}
