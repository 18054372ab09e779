/** Calldata of the workload's transactions: the TraceToken ERC-20 and Monad's staking precompile. */
import { encodeDeployData, encodeFunctionData, encodePacked, keccak256, type Address, type Hex } from 'viem';
import { MonadStaking, TraceToken } from './contracts.generated.js';

export function tokenDeployData(): Hex {
  return encodeDeployData({ abi: TraceToken.abi, bytecode: TraceToken.bytecode });
}

export function mintData(to: Address, amount: bigint): Hex {
  return encodeFunctionData({ abi: TraceToken.abi, functionName: 'mint', args: [to, amount] });
}

export function tokenTransferData(to: Address, amount: bigint): Hex {
  return encodeFunctionData({ abi: TraceToken.abi, functionName: 'transfer', args: [to, amount] });
}

export function burnData(amount: bigint): Hex {
  return encodeFunctionData({ abi: TraceToken.abi, functionName: 'burn', args: [amount] });
}

/**
 * addValidator for validator `index` of the run with `seed`, its stake sent as value. The keys and
 * signatures are stand-ins of the right sizes (33-byte secp, 48-byte BLS; 64 and 96 bytes signed),
 * derived from the seed so that the same seed gives the same chain.
 */
export function addValidatorData(seed: number, index: number, auth: Address, amount: bigint, commission: bigint): Hex {
  const key = (label: string): Hex => keccak256(encodePacked(['string', 'uint32', 'uint32'], [label, seed, index]));
  const secp = `0x02${key('secp').slice(2)}` as Hex;
  const bls = `${key('bls-a')}${key('bls-b').slice(2, 34)}` as Hex;
  const payload = encodePacked(['bytes', 'bytes', 'address', 'uint256', 'uint256'], [secp, bls, auth, amount, commission]);
  const signedSecp = `${key('sig-secp-a')}${key('sig-secp-b').slice(2)}` as Hex;
  const signedBls = `${signedSecp}${key('sig-bls').slice(2)}` as Hex;
  return encodeFunctionData({ abi: MonadStaking.abi, functionName: 'addValidator', args: [payload, signedSecp, signedBls] });
}

export function delegateData(validatorId: number): Hex {
  return encodeFunctionData({ abi: MonadStaking.abi, functionName: 'delegate', args: [BigInt(validatorId)] });
}

export function undelegateData(validatorId: number, amount: bigint, withdrawId: number): Hex {
  return encodeFunctionData({ abi: MonadStaking.abi, functionName: 'undelegate', args: [BigInt(validatorId), amount, withdrawId] });
}

export function withdrawData(validatorId: number, withdrawId: number): Hex {
  return encodeFunctionData({ abi: MonadStaking.abi, functionName: 'withdraw', args: [BigInt(validatorId), withdrawId] });
}

export function claimRewardsData(validatorId: number): Hex {
  return encodeFunctionData({ abi: MonadStaking.abi, functionName: 'claimRewards', args: [BigInt(validatorId)] });
}
