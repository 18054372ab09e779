/**
 * How the synthetic chain's transactions and logs are encoded: function selectors and event
 * topics (staking ones from Monad's ABI, as the devnet emits them), 32-byte ABI words, and the
 * fixed addresses and code it writes.
 */
import { toEventSelector, type AbiEvent, type Address, type Hash, type Hex } from 'viem';
import { MONAD_STAKING_ABI, STAKING_ADDRESS, STAKING_SELECTORS, SYSTEM_SENDER } from '../../drivers/devnet/monad.js';

const event = (name: string): Hex => {
  const item = MONAD_STAKING_ABI.find((e) => e.type === 'event' && e.name === name) as AbiEvent | undefined;
  if (!item) throw new Error(`MONAD_STAKING_ABI has no event ${name}`);
  return toEventSelector(item);
};
/** topic0 of the events the chain's logs carry. */
export const TOPICS = {
  transfer: toEventSelector('Transfer(address,address,uint256)'),
  validatorCreated: event('ValidatorCreated'),
  delegate: event('Delegate'),
  undelegate: event('Undelegate'),
  validatorRewarded: event('ValidatorRewarded'),
} as const;

/** Function selectors, no 0x. */
export const SELECTOR = {
  transfer: 'a9059cbb', // transfer(address,uint256)
  mint: '40c10f19', // mint(address,uint256)
  burn: '42966c68', // burn(uint256)
  delegate: STAKING_SELECTORS['delegate(uint64)']!.slice(2),
  undelegate: STAKING_SELECTORS['undelegate(uint64,uint256,uint8)']!.slice(2),
  addValidator: STAKING_SELECTORS['addValidator(bytes,bytes,bytes)']!.slice(2),
  reward: STAKING_SELECTORS['syscallReward(address)']!.slice(2),
} as const;

const lower = (address: Address): Address => `0x${address.slice(2).toLowerCase()}`;
export const STAKING = lower(STAKING_ADDRESS);
export const SYSTEM = lower(SYSTEM_SENDER);
export const ZERO_ADDRESS: Address = `0x${'00'.repeat(20)}`;
export const ZERO_HASH: Hash = `0x${'00'.repeat(32)}`;
/** A fixed stand-in for the token's creation code (what the deploy transaction carries). */
export const DEPLOY_CODE: Hex = `0x608060405234801561001057600080fd5b50${'6080604052'.repeat(60)}${'00'.repeat(400)}`;

/** A 32-byte big-endian word, no 0x. */
export const word = (value: bigint | number): string => value.toString(16).padStart(64, '0');
/** An address (0x…) left-padded to a 32-byte ABI argument, no 0x. */
export const addressWord = (address: Address): string => `${'0'.repeat(24)}${address.slice(2)}`;
/** An address (0x…) left-padded to a 32-byte topic, 0x-prefixed. */
export const addressTopic = (address: Address): Hex => `0x${addressWord(address)}`;
