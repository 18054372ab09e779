/**
 * Monad constants the devnet reproduces, from https://docs.monad.xyz/reference/staking/api.
 */
import { getAddress, parseAbi, parseEther, type Address, type Hex } from 'viem';

/** Monad testnet's chain id. */
export const MONAD_CHAIN_ID = 10143;

/** The staking precompile's address. */
export const STAKING_ADDRESS: Address = getAddress('0x0000000000000000000000000000000000001000');

/** The sender of Monad's system transactions (block reward, epoch change). */
export const SYSTEM_SENDER: Address = getAddress('0x6f49a8F621353f12378d0046E7d7e4b9B249DC9e');

/** Monad's REWARD: 25 MON minted per block. */
export const BLOCK_REWARD_WEI = parseEther('25');

/** Monad's selectors for the functions the devnet's staking contract implements. */
export const STAKING_SELECTORS: Readonly<Record<string, Hex>> = {
  'addValidator(bytes,bytes,bytes)': '0xf145204c',
  'delegate(uint64)': '0x84994fec',
  'undelegate(uint64,uint256,uint8)': '0x5cf41514',
  'withdraw(uint64,uint8)': '0xaed2ee73',
  'claimRewards(uint64)': '0xa76e2ca5',
  'getValidator(uint64)': '0x2b6d639a',
  'getDelegator(uint64,address)': '0x573c1ce0',
  'getWithdrawalRequest(uint64,address,uint8)': '0x56fa2045',
  'getEpoch()': '0x757991a8',
  'syscallOnEpochChange(uint64)': '0x1d4e9f02',
  'syscallReward(address)': '0x791bdcf3',
};

/**
 * Monad's staking interface (the subset the devnet implements), as Monad publishes it: decode the
 * devnet's staking logs and calls with this, exactly as on Monad.
 */
export const MONAD_STAKING_ABI = parseAbi([
  'event ValidatorRewarded(uint64 indexed validatorId, address indexed from, uint256 amount, uint64 epoch)',
  'event ValidatorCreated(uint64 indexed validatorId, address indexed authAddress, uint256 commission)',
  'event Delegate(uint64 indexed validatorId, address indexed delegator, uint256 amount, uint64 activationEpoch)',
  'event Undelegate(uint64 indexed validatorId, address indexed delegator, uint8 withdrawId, uint256 amount, uint64 activationEpoch)',
  'event Withdraw(uint64 indexed validatorId, address indexed delegator, uint8 withdrawId, uint256 amount, uint64 epoch)',
  'event ClaimRewards(uint64 indexed validatorId, address indexed delegator, uint256 amount, uint64 epoch)',
  'event EpochChanged(uint64 oldEpoch, uint64 newEpoch)',
  'function addValidator(bytes payload, bytes signedSecpMessage, bytes signedBlsMessage) payable returns (uint64 validatorId)',
  'function delegate(uint64 validatorId) payable returns (bool success)',
  'function undelegate(uint64 validatorId, uint256 amount, uint8 withdrawId) returns (bool success)',
  'function withdraw(uint64 validatorId, uint8 withdrawId) returns (bool success)',
  'function claimRewards(uint64 validatorId) returns (bool success)',
  'function getValidator(uint64 validatorId) view returns (address authAddress, uint64 flags, uint256 stake, uint256 accRewardPerToken, uint256 commission, uint256 unclaimedRewards, uint256 consensusStake, uint256 consensusCommission, uint256 snapshotStake, uint256 snapshotCommission, bytes secpPubkey, bytes blsPubkey)',
  'function getDelegator(uint64 validatorId, address delegator) returns (uint256 stake, uint256 accRewardPerToken, uint256 unclaimedRewards, uint256 deltaStake, uint256 nextDeltaStake, uint64 deltaEpoch, uint64 nextDeltaEpoch)',
  'function getWithdrawalRequest(uint64 validatorId, address delegator, uint8 withdrawId) returns (uint256 withdrawalAmount, uint256 accRewardPerToken, uint64 withdrawEpoch)',
  'function getEpoch() returns (uint64 epoch, bool inEpochDelayPeriod)',
  'function syscallReward(address blockAuthor)',
  'function syscallOnEpochChange(uint64 epoch)',
]);
