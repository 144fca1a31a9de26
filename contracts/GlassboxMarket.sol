// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import {GlassboxRegistry} from "./GlassboxRegistry.sol";

/// @title GlassboxMarket
/// @notice An open proving market over the registry's models. A request carries its input (in the
///         event) and the input's Poseidon hash; its price rises from a floor to a ceiling over a
///         ramp (reverse Dutch auction). A staked prover locks it at the current price, putting up
///         the requested collateral, and alone may fulfil it until the lock deadline. A locker
///         that misses the lock deadline is slashed: half of the collateral goes to the
///         requester, the other half (and the price) to whoever fulfils it before the fulfil
///         deadline (the late locker included); if nobody does, the requester gets the price and
///         the whole collateral back. Provers are paid into their free stake.
/// @dev One contract with the registry (inheritance, not a second deployment): fulfilling then
///      verifies without an external call to a registry, and there is one address to trust and
///      to pin. The request's immutable terms are stored as one hash; callers pass the terms back
///      (they are in the `Requested` event), which keeps a request to two storage slots.
///      Payments are pulled (`withdraw`, to an address the payee names), state changes come
///      before any transfer, and the functions that transfer ETH are guarded against re-entry.
///      The only other external call is the verifier's STATICCALL, which cannot change state.
contract GlassboxMarket is GlassboxRegistry {
    // ---------------------------------------------------------------- types

    /// @notice What a requester asks for and pays. Fixed at request time; hashed into storage.
    struct Terms {
        address requester;
        bytes32 modelId;
        uint256 weightSet; // the weight commitment for committed-weights models, else 0
        uint256 inputHash; // Poseidon of the (packed, optionally salted) quantized input
        uint96 minPrice; // the price at createdAt
        uint96 maxPrice; // the price from createdAt + rampSeconds on; escrowed at request time
        uint96 collateral; // what a locker puts up from its stake
        uint40 createdAt;
        uint32 rampSeconds;
        uint32 lockWindow; // lock deadline = createdAt + lockWindow
        uint32 fulfilWindow; // fulfil deadline = createdAt + fulfilWindow (> lockWindow)
    }

    /// @notice What a requester chooses; the rest of the terms come from the transaction.
    struct Offer {
        bytes32 modelId;
        uint256 weightSet;
        uint256 inputHash;
        uint96 minPrice;
        uint96 collateral;
        uint32 rampSeconds;
        uint32 lockWindow;
        uint32 fulfilWindow;
    }

    enum Status {
        None,
        Open,
        Locked,
        Fulfilled,
        Cancelled,
        Expired
    }

    /// @dev One slot, rewritten in place by every transition.
    struct RequestState {
        Status status;
        address locker;
        uint40 lockedAt;
        uint48 createdBlock; // where clients find the `Requested` event (and the input)
    }

    struct Stake {
        uint128 free;
        uint128 locked;
    }

    // ---------------------------------------------------------------- constants and state

    /// @notice Largest input carried by a request, in bytes (a packed 28×28 16-bit image is 1.7 kB).
    uint256 public constant MAX_INPUT_BYTES = 16_384;
    /// @notice Share of a slashed collateral that compensates the requester, in basis points;
    ///         the rest rewards whoever fulfils the request late.
    uint256 public constant SLASH_TO_REQUESTER_BPS = 5_000;

    uint256 public requestCount;
    mapping(uint256 => bytes32) public termsHashOf;
    mapping(uint256 => RequestState) internal _state;
    mapping(address => Stake) public stakeOf;
    /// @notice What an account can `withdraw`: requesters' refunds and slash shares. Provers are
    ///      paid into their free stake (`withdrawStake`).
    mapping(address => uint256) public balanceOf;

    uint256 private _entered = 1;

    // ---------------------------------------------------------------- events

    event Requested(uint256 indexed requestId, bytes32 indexed modelId, address indexed requester, Terms terms, bytes input);
    event Locked(uint256 indexed requestId, address indexed prover, uint256 price);
    event Fulfilled(uint256 indexed requestId, address indexed prover, bytes32 statement, uint256 payout, bool late);
    event Cancelled(uint256 indexed requestId);
    event Expired(uint256 indexed requestId, uint256 refund);
    event Slashed(uint256 indexed requestId, address indexed locker, uint256 collateral);
    event StakeDeposited(address indexed prover, uint256 amount);
    event StakeWithdrawn(address indexed prover, address to, uint256 amount);
    event Withdrawn(address indexed account, address to, uint256 amount);

    // ---------------------------------------------------------------- errors

    error ModelIsDeprecated(bytes32 modelId);
    error WeightSetIsDeprecated(bytes32 modelId, uint256 commitment);
    error NoInputHash(bytes32 modelId);
    error UnexpectedWeightSet(bytes32 modelId, uint256 weightSet);
    error InputHashNotInField(uint256 inputHash);
    error InputTooLarge(uint256 size, uint256 max);
    error InvalidPrice(uint256 minPrice, uint256 maxPrice);
    error ZeroCollateral();
    error InvalidWindows(uint256 lockWindow, uint256 fulfilWindow);
    error UnknownRequest(uint256 requestId);
    error TermsMismatch(uint256 requestId);
    error RequestNotOpen(uint256 requestId, Status status);
    error RequestNotLocked(uint256 requestId, Status status);
    error LockDeadlinePassed(uint256 requestId, uint256 deadline);
    error FulfilDeadlinePassed(uint256 requestId, uint256 deadline);
    error FulfilDeadlineNotPassed(uint256 requestId, uint256 deadline);
    error NotLocker(uint256 requestId, address locker);
    error NotRequester(uint256 requestId);
    error InsufficientStake(uint256 available, uint256 required);
    error NothingToWithdraw();
    error TransferFailed(address to);
    error ReentrantCall();
    error ValueTooLarge(uint256 value);

    modifier nonReentrant() {
        if (_entered != 1) revert ReentrantCall();
        _entered = 2;
        _;
        _entered = 1;
    }

    // ---------------------------------------------------------------- requests

    /// @notice Asks for an inference. The value sent is the price ceiling, held in escrow; what
    ///         the lock price leaves of it is refunded at lock time.
    /// @param input The input, as the packed quantized field elements the hash is computed over
    ///        (32 bytes each); empty for a private (salted) request whose input is given to the
    ///        locker off-chain. Not checked on-chain: an honest prover recomputes the hash first.
    function request(Offer calldata offer, bytes calldata input) external payable returns (uint256 requestId) {
        Model storage m = _models[offer.modelId];
        Verification memory v = m.verification;
        if (v.verifier == address(0)) revert UnknownModel(offer.modelId);
        if (m.deprecated) revert ModelIsDeprecated(offer.modelId);
        if (v.inputHashIndex == NONE) revert NoInputHash(offer.modelId);
        if (v.weightsIndex == NONE) {
            if (offer.weightSet != 0) revert UnexpectedWeightSet(offer.modelId, offer.weightSet);
        } else {
            WeightSetStatus ws = weightSets[offer.modelId][offer.weightSet];
            if (ws == WeightSetStatus.None) revert UnknownWeightSet(offer.modelId, offer.weightSet);
            if (ws == WeightSetStatus.Deprecated) revert WeightSetIsDeprecated(offer.modelId, offer.weightSet);
        }
        if (offer.inputHash >= SNARK_SCALAR_FIELD) revert InputHashNotInField(offer.inputHash);
        if (input.length > MAX_INPUT_BYTES) revert InputTooLarge(input.length, MAX_INPUT_BYTES);
        if (msg.value > type(uint96).max) revert ValueTooLarge(msg.value);
        if (msg.value == 0 || offer.minPrice > msg.value) revert InvalidPrice(offer.minPrice, msg.value);
        if (offer.collateral == 0) revert ZeroCollateral();
        if (offer.lockWindow == 0 || offer.fulfilWindow <= offer.lockWindow) revert InvalidWindows(offer.lockWindow, offer.fulfilWindow);

        Terms memory t = Terms({
            requester: msg.sender,
            modelId: offer.modelId,
            weightSet: offer.weightSet,
            inputHash: offer.inputHash,
            minPrice: offer.minPrice,
            maxPrice: uint96(msg.value),
            collateral: offer.collateral,
            createdAt: uint40(block.timestamp),
            rampSeconds: offer.rampSeconds,
            lockWindow: offer.lockWindow,
            fulfilWindow: offer.fulfilWindow
        });
        requestId = ++requestCount;
        termsHashOf[requestId] = keccak256(abi.encode(t));
        _state[requestId] = RequestState({status: Status.Open, locker: address(0), lockedAt: 0, createdBlock: uint48(block.number)});
        emit Requested(requestId, offer.modelId, msg.sender, t, input);
    }

    /// @notice The price of a request at `time`: minPrice at creation, rising linearly to
    ///         maxPrice over the ramp.
    function priceAt(Terms calldata t, uint256 time) public pure returns (uint256) {
        if (t.rampSeconds == 0) return t.maxPrice;
        if (time <= t.createdAt) return t.minPrice;
        uint256 elapsed = time - t.createdAt;
        if (elapsed >= t.rampSeconds) return t.maxPrice;
        return t.minPrice + (uint256(t.maxPrice - t.minPrice) * elapsed) / t.rampSeconds;
    }

    /// @notice A request's state: status, locker, lock time, and the block of its `Requested` event.
    function requests(uint256 requestId)
        external
        view
        returns (Status status, address locker, uint256 lockedAt, uint256 createdBlock, bytes32 termsHash)
    {
        RequestState memory s = _state[requestId];
        return (s.status, s.locker, s.lockedAt, s.createdBlock, termsHashOf[requestId]);
    }

    /// @notice Locks an open request at the current price; its collateral moves from the sender's
    ///         free stake to its locked stake, so stake bounds how much work one prover holds.
    ///         An honest prover checks the input against `inputHash` off-chain before locking.
    function lock(uint256 requestId, Terms calldata t) external {
        RequestState storage s = _checkedState(requestId, t);
        if (s.status != Status.Open) revert RequestNotOpen(requestId, s.status);
        uint256 lockDeadline = uint256(t.createdAt) + t.lockWindow;
        if (block.timestamp > lockDeadline) revert LockDeadlinePassed(requestId, lockDeadline);
        Stake storage stake = stakeOf[msg.sender];
        if (stake.free < t.collateral) revert InsufficientStake(stake.free, t.collateral);

        uint256 price = priceAt(t, block.timestamp);
        stake.free -= t.collateral;
        stake.locked += t.collateral;
        s.status = Status.Locked;
        s.locker = msg.sender;
        s.lockedAt = uint40(block.timestamp);
        if (t.maxPrice > price) balanceOf[t.requester] += t.maxPrice - price;
        emit Locked(requestId, msg.sender, price);
    }

    /// @notice Answers a locked request with a proof. Until the lock deadline only the locker may;
    ///         then anyone may until the fulfil deadline, and the locker is slashed.
    /// @param outputs The public signals the contract does not know, in order: every signal
    ///        except the prover (the sender), the input hash and the weight set (from the terms).
    function fulfil(uint256 requestId, Terms calldata t, uint256[8] calldata proof, uint256[] calldata outputs)
        external
        returns (bytes32 statement)
    {
        RequestState storage s = _checkedState(requestId, t);
        bool late = _checkFulfilWindow(requestId, s, t);
        statement = _verifyForRequest(t, proof, outputs);
        _settle(requestId, s, t, late, statement);
    }

    /// @notice After the fulfil deadline, settles a locked request nobody fulfilled: the locker
    ///         is slashed and the requester gets the price and the whole collateral. Anyone may call.
    function expire(uint256 requestId, Terms calldata t) external {
        RequestState storage s = _checkedState(requestId, t);
        if (s.status != Status.Locked) revert RequestNotLocked(requestId, s.status);
        uint256 fulfilDeadline = uint256(t.createdAt) + t.fulfilWindow;
        if (block.timestamp <= fulfilDeadline) revert FulfilDeadlineNotPassed(requestId, fulfilDeadline);

        uint256 refund = priceAt(t, s.lockedAt) + t.collateral;
        s.status = Status.Expired;
        stakeOf[s.locker].locked -= t.collateral;
        balanceOf[t.requester] += refund;
        emit Slashed(requestId, s.locker, t.collateral);
        emit Expired(requestId, refund);
    }

    /// @notice The requester withdraws an unlocked request; its escrow becomes withdrawable.
    ///         A locked request cannot be cancelled: the locker has committed collateral to it.
    function cancel(uint256 requestId, Terms calldata t) external {
        RequestState storage s = _checkedState(requestId, t);
        if (msg.sender != t.requester) revert NotRequester(requestId);
        if (s.status != Status.Open) revert RequestNotOpen(requestId, s.status);
        s.status = Status.Cancelled;
        balanceOf[t.requester] += t.maxPrice;
        emit Cancelled(requestId);
    }

    // ---------------------------------------------------------------- stake and payments

    /// @notice Adds the value sent to the sender's free stake.
    function deposit() external payable {
        if (msg.value > type(uint128).max - stakeOf[msg.sender].free) revert ValueTooLarge(msg.value);
        stakeOf[msg.sender].free += uint128(msg.value);
        emit StakeDeposited(msg.sender, msg.value);
    }

    /// @notice Sends `amount` of the sender's free (unlocked) stake, payouts included, to `to`.
    function withdrawStake(uint256 amount, address payable to) external nonReentrant {
        Stake storage stake = stakeOf[msg.sender];
        if (amount == 0) revert NothingToWithdraw();
        if (stake.free < amount) revert InsufficientStake(stake.free, amount);
        stake.free -= uint128(amount);
        emit StakeWithdrawn(msg.sender, to, amount);
        _send(to, amount);
    }

    /// @notice Sends everything the sender is owed (refunds, slash shares) to `to`, an
    ///         address the sender names: a contract that cannot receive ETH names another one.
    function withdraw(address payable to) external nonReentrant returns (uint256 amount) {
        amount = balanceOf[msg.sender];
        if (amount == 0) revert NothingToWithdraw();
        balanceOf[msg.sender] = 0;
        emit Withdrawn(msg.sender, to, amount);
        _send(to, amount);
    }

    // ---------------------------------------------------------------- internals

    /// @dev Who may fulfil now: the locker until the lock deadline, anyone until the fulfil deadline.
    function _checkFulfilWindow(uint256 requestId, RequestState storage s, Terms calldata t) internal view returns (bool late) {
        if (s.status != Status.Locked) revert RequestNotLocked(requestId, s.status);
        uint256 lockDeadline = uint256(t.createdAt) + t.lockWindow;
        late = block.timestamp > lockDeadline;
        if (!late && msg.sender != s.locker) revert NotLocker(requestId, s.locker);
        uint256 fulfilDeadline = uint256(t.createdAt) + t.fulfilWindow;
        if (block.timestamp > fulfilDeadline) revert FulfilDeadlinePassed(requestId, fulfilDeadline);
    }

    function _verifyForRequest(Terms calldata t, uint256[8] calldata proof, uint256[] calldata outputs) internal returns (bytes32 statement) {
        Model storage m = _models[t.modelId];
        Verification memory v = m.verification;
        uint256[] memory signals = _assembleSignals(v, outputs, t.inputHash, t.weightSet);
        // A cached statement is as good as a fresh proof: its prover signal is the sender.
        (statement,) = _verifyStatement(t.modelId, m, v, proof, signals);
    }

    /// @dev Pays a fulfilment into the fulfiller's free stake (one slot the in-time path writes
    ///      anyway, so paying costs no extra storage write; `withdrawStake` takes it out). In
    ///      time: the lock price, and the locker's collateral back. Late: the locker's collateral
    ///      is slashed, half to the requester, half (with the lock price) to the fulfiller.
    function _settle(uint256 requestId, RequestState storage s, Terms calldata t, bool late, bytes32 statement) internal {
        address locker = s.locker;
        uint256 payout = priceAt(t, s.lockedAt);
        s.status = Status.Fulfilled;
        Stake storage stake = stakeOf[locker];
        stake.locked -= t.collateral;
        if (late) {
            uint256 toRequester = (uint256(t.collateral) * SLASH_TO_REQUESTER_BPS) / 10_000;
            balanceOf[t.requester] += toRequester;
            payout += t.collateral - toRequester;
            emit Slashed(requestId, locker, t.collateral);
            stakeOf[msg.sender].free += uint128(payout);
        } else {
            stake.free += uint128(payout + t.collateral);
        }
        emit Fulfilled(requestId, msg.sender, statement, payout, late);
    }

    function _checkedState(uint256 requestId, Terms calldata t) internal view returns (RequestState storage s) {
        bytes32 stored = termsHashOf[requestId];
        if (stored == bytes32(0)) revert UnknownRequest(requestId);
        if (keccak256(abi.encode(t)) != stored) revert TermsMismatch(requestId);
        s = _state[requestId];
    }

    /// @dev The full public-signal vector: the caller's outputs in the free positions, the sender
    ///      as prover, and the request's input hash and weight set. Nothing the request fixes is
    ///      taken from the caller, so there is nothing to compare.
    function _assembleSignals(Verification memory v, uint256[] calldata outputs, uint256 inputHash, uint256 weightSet)
        internal
        view
        returns (uint256[] memory signals)
    {
        uint256 n = v.nPublic;
        uint256 bound = 2 + (v.weightsIndex == NONE ? 0 : 1);
        if (outputs.length + bound != n) revert WrongSignalCount(n - bound, outputs.length);
        signals = new uint256[](n);
        uint256 k;
        for (uint256 i = 0; i < n; ++i) {
            if (i == v.proverIndex) signals[i] = uint256(uint160(msg.sender));
            else if (i == v.inputHashIndex) signals[i] = inputHash;
            else if (i == v.weightsIndex) signals[i] = weightSet;
            else signals[i] = outputs[k++];
        }
    }

    /// @dev All remaining gas, so contract wallets can receive; every caller has already updated
    ///      its state and holds the re-entrancy lock.
    function _send(address payable to, uint256 amount) internal {
        (bool sent,) = to.call{value: amount}("");
        if (!sent) revert TransferFailed(to);
    }
}
