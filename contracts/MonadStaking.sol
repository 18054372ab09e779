// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

/// @title Devnet stand-in for Monad's staking precompile
/// @notice Placed at 0x0000000000000000000000000000000000001000 with anvil_setCode, so no constructor
/// runs: every storage slot starts at zero (validator ids start at 1, epoch at 0).
/// Function selectors, return layouts and event signatures (including indexed fields) are Monad's,
/// per https://docs.monad.xyz/reference/staking/api. The bookkeeping is simplified: stake changes take
/// effect at once (getValidator's stake is always Σ delegate − Σ undelegate), the epoch advances only
/// through syscallOnEpochChange, and pubkeys/signatures in addValidator are stored, not verified.
contract MonadStaking {
    /// Monad's system sender; the only caller allowed to run the syscalls.
    address internal constant SYSTEM_SENDER = 0x6f49a8F621353f12378d0046E7d7e4b9B249DC9e;
    /// Monad's ACCUMULATOR_DENOMINATOR: reward-per-token is scaled by 1e36.
    uint256 internal constant UNIT_BIAS = 1e36;
    /// Monad's MAX_COMMISSION (100% = 1e18).
    uint256 internal constant MAX_COMMISSION = 1e18;
    /// Monad's WITHDRAWAL_DELAY in epochs.
    uint64 internal constant WITHDRAWAL_DELAY = 1;
    /// addValidator payload: secp pubkey (33) ‖ bls pubkey (48) ‖ auth address (20) ‖ amount (32) ‖ commission (32).
    uint256 internal constant PAYLOAD_LENGTH = 165;

    event ValidatorRewarded(uint64 indexed validatorId, address indexed from, uint256 amount, uint64 epoch);
    event ValidatorCreated(uint64 indexed validatorId, address indexed authAddress, uint256 commission);
    event Delegate(uint64 indexed validatorId, address indexed delegator, uint256 amount, uint64 activationEpoch);
    event Undelegate(
        uint64 indexed validatorId, address indexed delegator, uint8 withdrawId, uint256 amount, uint64 activationEpoch
    );
    event Withdraw(uint64 indexed validatorId, address indexed delegator, uint8 withdrawId, uint256 amount, uint64 epoch);
    event ClaimRewards(uint64 indexed validatorId, address indexed delegator, uint256 amount, uint64 epoch);
    event EpochChanged(uint64 oldEpoch, uint64 newEpoch);

    error NotSystemSender();
    error InvalidInput();
    error UnknownValidator();
    error InsufficientStake();
    error WithdrawalSlotInUse();
    error WithdrawalNotReady();
    error TransferFailed();

    struct Validator {
        address authAddress;
        uint64 flags;
        uint256 stake;
        uint256 accRewardPerToken;
        uint256 commission;
        uint256 unclaimedRewards;
        uint256 consensusStake;
        uint256 consensusCommission;
        uint256 snapshotStake;
        uint256 snapshotCommission;
        bytes secpPubkey;
        bytes blsPubkey;
    }

    struct Delegator {
        uint256 stake;
        uint256 accRewardPerToken;
        uint256 rewards;
    }

    struct WithdrawalRequest {
        uint256 amount;
        uint256 accRewardPerToken;
        uint64 epoch;
    }

    uint64 internal lastValidatorId;
    uint64 internal currentEpoch;
    mapping(uint64 => Validator) internal validators;
    mapping(address => uint64) internal validatorIdByAuth;
    mapping(uint64 => mapping(address => Delegator)) internal delegators;
    mapping(uint64 => mapping(address => mapping(uint8 => WithdrawalRequest))) internal withdrawals;

    modifier onlySystem() {
        if (msg.sender != SYSTEM_SENDER) revert NotSystemSender();
        _;
    }

    // ---- state-modifying functions (Monad selectors) ----

    /// 0xf145204c
    function addValidator(bytes calldata payload, bytes calldata signedSecpMessage, bytes calldata signedBlsMessage)
        external
        payable
        returns (uint64 validatorId)
    {
        if (payload.length != PAYLOAD_LENGTH || signedSecpMessage.length == 0 || signedBlsMessage.length == 0) {
            revert InvalidInput();
        }
        address authAddress = address(bytes20(payload[81:101]));
        uint256 amount = uint256(bytes32(payload[101:133]));
        uint256 commission = uint256(bytes32(payload[133:165]));
        if (amount != msg.value || amount == 0 || commission > MAX_COMMISSION || validatorIdByAuth[authAddress] != 0) {
            revert InvalidInput();
        }
        validatorId = ++lastValidatorId;
        Validator storage v = validators[validatorId];
        v.authAddress = authAddress;
        v.commission = commission;
        v.secpPubkey = payload[0:33];
        v.blsPubkey = payload[33:81];
        validatorIdByAuth[authAddress] = validatorId;
        emit ValidatorCreated(validatorId, authAddress, commission);
        _delegate(validatorId, authAddress, amount);
    }

    /// 0x84994fec
    function delegate(uint64 validatorId) external payable returns (bool success) {
        if (msg.value == 0) revert InvalidInput();
        _delegate(validatorId, msg.sender, msg.value);
        return true;
    }

    /// 0x5cf41514
    function undelegate(uint64 validatorId, uint256 amount, uint8 withdrawId) external returns (bool success) {
        Validator storage v = _validator(validatorId);
        Delegator storage d = _settle(validatorId, v, msg.sender);
        if (amount == 0 || amount > d.stake) revert InsufficientStake();
        WithdrawalRequest storage w = withdrawals[validatorId][msg.sender][withdrawId];
        if (w.amount != 0) revert WithdrawalSlotInUse();
        d.stake -= amount;
        v.stake -= amount;
        uint64 activationEpoch = currentEpoch + 1;
        w.amount = amount;
        w.accRewardPerToken = v.accRewardPerToken;
        w.epoch = activationEpoch;
        emit Undelegate(validatorId, msg.sender, withdrawId, amount, activationEpoch);
        return true;
    }

    /// 0xaed2ee73
    function withdraw(uint64 validatorId, uint8 withdrawId) external returns (bool success) {
        WithdrawalRequest storage w = withdrawals[validatorId][msg.sender][withdrawId];
        uint256 amount = w.amount;
        if (amount == 0) revert InvalidInput();
        if (currentEpoch < w.epoch + WITHDRAWAL_DELAY) revert WithdrawalNotReady();
        delete withdrawals[validatorId][msg.sender][withdrawId];
        emit Withdraw(validatorId, msg.sender, withdrawId, amount, currentEpoch);
        _send(msg.sender, amount);
        return true;
    }

    /// 0xa76e2ca5
    function claimRewards(uint64 validatorId) external returns (bool success) {
        Validator storage v = _validator(validatorId);
        Delegator storage d = _settle(validatorId, v, msg.sender);
        uint256 amount = d.rewards;
        d.rewards = 0;
        v.unclaimedRewards -= amount;
        emit ClaimRewards(validatorId, msg.sender, amount, currentEpoch);
        _send(msg.sender, amount);
        return true;
    }

    // ---- syscalls (system sender only) ----

    /// 0x791bdcf3: the block reward, minted into msg.value by the system transaction.
    function syscallReward(address blockAuthor) external payable onlySystem {
        uint64 validatorId = validatorIdByAuth[blockAuthor];
        Validator storage v = _validator(validatorId);
        if (v.stake == 0) revert InsufficientStake();
        uint256 commission = msg.value * v.commission / MAX_COMMISSION;
        // The commission goes to the validator's own delegator account; the rest to all stake pro rata.
        _settle(validatorId, v, v.authAddress).rewards += commission;
        v.accRewardPerToken += (msg.value - commission) * UNIT_BIAS / v.stake;
        v.unclaimedRewards += msg.value;
        emit ValidatorRewarded(validatorId, msg.sender, msg.value, currentEpoch);
    }

    /// 0x1d4e9f02: consensus view ← execution view, snapshot view ← previous consensus view.
    function syscallOnEpochChange(uint64 newEpoch) external onlySystem {
        uint64 oldEpoch = currentEpoch;
        if (newEpoch <= oldEpoch) revert InvalidInput();
        for (uint64 id = 1; id <= lastValidatorId; ++id) {
            Validator storage v = validators[id];
            v.snapshotStake = v.consensusStake;
            v.snapshotCommission = v.consensusCommission;
            v.consensusStake = v.stake;
            v.consensusCommission = v.commission;
        }
        currentEpoch = newEpoch;
        emit EpochChanged(oldEpoch, newEpoch);
    }

    // ---- views (Monad selectors and return layouts) ----

    /// 0x2b6d639a
    function getValidator(uint64 validatorId)
        external
        view
        returns (
            address authAddress,
            uint64 flags,
            uint256 stake,
            uint256 accRewardPerToken,
            uint256 commission,
            uint256 unclaimedRewards,
            uint256 consensusStake,
            uint256 consensusCommission,
            uint256 snapshotStake,
            uint256 snapshotCommission,
            bytes memory secpPubkey,
            bytes memory blsPubkey
        )
    {
        Validator storage v = validators[validatorId];
        return (
            v.authAddress,
            v.flags,
            v.stake,
            v.accRewardPerToken,
            v.commission,
            v.unclaimedRewards,
            v.consensusStake,
            v.consensusCommission,
            v.snapshotStake,
            v.snapshotCommission,
            v.secpPubkey,
            v.blsPubkey
        );
    }

    /// 0x573c1ce0: unclaimedRewards includes rewards accrued since the delegator's last action.
    function getDelegator(uint64 validatorId, address delegator)
        external
        view
        returns (
            uint256 stake,
            uint256 accRewardPerToken,
            uint256 unclaimedRewards,
            uint256 deltaStake,
            uint256 nextDeltaStake,
            uint64 deltaEpoch,
            uint64 nextDeltaEpoch
        )
    {
        Delegator storage d = delegators[validatorId][delegator];
        uint256 pending = d.stake * (validators[validatorId].accRewardPerToken - d.accRewardPerToken) / UNIT_BIAS;
        return (d.stake, d.accRewardPerToken, d.rewards + pending, 0, 0, 0, 0);
    }

    /// 0x56fa2045
    function getWithdrawalRequest(uint64 validatorId, address delegator, uint8 withdrawId)
        external
        view
        returns (uint256 withdrawalAmount, uint256 accRewardPerToken, uint64 withdrawEpoch)
    {
        WithdrawalRequest storage w = withdrawals[validatorId][delegator][withdrawId];
        return (w.amount, w.accRewardPerToken, w.epoch);
    }

    /// 0x757991a8
    function getEpoch() external view returns (uint64 epoch, bool inEpochDelayPeriod) {
        return (currentEpoch, false);
    }

    // ---- internals ----

    function _validator(uint64 validatorId) internal view returns (Validator storage v) {
        v = validators[validatorId];
        if (v.authAddress == address(0)) revert UnknownValidator();
    }

    /// Credits rewards accrued since the delegator's last action and moves its accumulator to now.
    function _settle(uint64 validatorId, Validator storage v, address delegator)
        internal
        returns (Delegator storage d)
    {
        d = delegators[validatorId][delegator];
        uint256 acc = v.accRewardPerToken;
        if (d.stake != 0) d.rewards += d.stake * (acc - d.accRewardPerToken) / UNIT_BIAS;
        d.accRewardPerToken = acc;
    }

    function _delegate(uint64 validatorId, address delegator, uint256 amount) internal {
        Validator storage v = _validator(validatorId);
        Delegator storage d = _settle(validatorId, v, delegator);
        d.stake += amount;
        v.stake += amount;
        emit Delegate(validatorId, delegator, amount, currentEpoch + 1);
    }

    function _send(address to, uint256 amount) internal {
        (bool ok,) = to.call{value: amount}("");
        if (!ok) revert TransferFailed();
    }
}
