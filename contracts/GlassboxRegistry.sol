// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// @title GlassboxRegistry
/// @notice Records verified inferences of registered models and pays bounties for requested ones.
/// @dev Each model has its own snarkjs-generated Groth16 verifier whose `verifyProof` takes a
///      fixed-size `uint[N]` of public signals, N differing per model. The registry cannot declare
///      one Solidity interface for all of them, so it derives the selector from N at registration
///      and calls the verifier with a hand-encoded staticcall (see `_verify`).
contract GlassboxRegistry {
    // ---------------------------------------------------------------- types

    /// @dev Everything a submission needs, packed into one storage slot (30 bytes) so that
    ///      verifying reads one slot, not the whole entry.
    struct Verification {
        address verifier;
        bytes4 selector; // verifyProof(uint256[2],uint256[2][2],uint256[2],uint256[N])
        uint16 nPublic;
        uint16 proverIndex;
        uint16 inputHashIndex; // NO_INDEX when the model does not expose its input
    }

    /// @dev Owner and hashes are never read on-chain; they are there for auditors and clients.
    struct Model {
        Verification verification;
        address owner; // the registrant
        bytes32 vkeyHash;
        bytes32 weightCommitment;
    }

    enum RequestStatus {
        None,
        Open,
        Fulfilled,
        Cancelled
    }

    struct Request {
        address requester; // 20 bytes
        uint64 deadline; // provers may answer until this time (inclusive), refunds only after it
        RequestStatus status;
        bytes32 modelId;
        uint256 inputHash;
        uint256 bounty;
    }

    // ---------------------------------------------------------------- constants and state

    /// @dev BN254 scalar field order. Signals are field elements; refusing values >= r keeps the
    ///      inference key canonical (x and x + r would otherwise be two keys for one inference).
    uint256 internal constant SNARK_SCALAR_FIELD =
        21888242871839275222246405745257275088548364400416034343698204186575808495617;

    /// @notice Pass as `inputHashIndex` for models whose input is not a public signal; such models
    ///         cannot take bounty requests because a request names its input by hash.
    uint256 public constant NO_INPUT_HASH = type(uint256).max;

    /// @dev Stored in place of NO_INPUT_HASH (indices are stored as uint16).
    uint16 internal constant NO_INDEX = type(uint16).max;

    /// @notice How long a request stays answerable; the requester can reclaim the bounty after it.
    /// @dev Fixed per deployment (not per request) so provers can rely on a known minimum window.
    uint64 public immutable requestTimeout;

    mapping(bytes32 => Model) internal _models;

    /// @notice Inference key => prover that first recorded it (zero if never recorded).
    mapping(bytes32 => address) public inferenceProver;

    mapping(uint256 => Request) public requests;

    /// @notice Id of the last request; ids start at 1 so 0 never names a request.
    uint256 public requestCount;

    // ---------------------------------------------------------------- events

    event ModelRegistered(
        bytes32 indexed modelId,
        address indexed owner,
        address verifier,
        uint256 nPublic,
        uint256 proverIndex,
        uint256 inputHashIndex,
        bytes32 vkeyHash,
        bytes32 weightCommitment
    );
    event InferenceVerified(bytes32 indexed modelId, bytes32 indexed key, address indexed prover, uint256[] publicSignals);
    event InferenceRequested(
        uint256 indexed requestId, bytes32 indexed modelId, address indexed requester, uint256 inputHash, uint256 bounty, uint64 deadline
    );
    event RequestFulfilled(uint256 indexed requestId, bytes32 indexed key, address indexed prover, uint256 bounty);
    event RequestCancelled(uint256 indexed requestId, address indexed requester, uint256 refund);

    // ---------------------------------------------------------------- errors

    error ModelAlreadyRegistered(bytes32 modelId);
    error UnknownModel(bytes32 modelId);
    error VerifierNotAContract(address verifier);
    error InvalidLayout(uint256 nPublic, uint256 proverIndex, uint256 inputHashIndex);
    error WrongSignalCount(uint256 expected, uint256 actual);
    error SignalNotInField(uint256 index);
    error ProverMismatch(uint256 expected, uint256 actual);
    error InferenceAlreadyRecorded(bytes32 key);
    error InvalidProof();
    error NoInputHash(bytes32 modelId);
    error ZeroBounty();
    error UnknownRequest(uint256 requestId);
    error RequestNotOpen(uint256 requestId);
    error RequestExpired(uint256 requestId, uint64 deadline);
    error RequestNotExpired(uint256 requestId, uint64 deadline);
    error InputHashMismatch(uint256 expected, uint256 actual);
    error NotRequester(uint256 requestId);
    error TransferFailed();

    // ---------------------------------------------------------------- construction

    /// @param requestTimeout_ Seconds a bounty request stays answerable (e.g. 1 day).
    constructor(uint64 requestTimeout_) {
        requestTimeout = requestTimeout_;
    }

    // ---------------------------------------------------------------- models

    /// @notice Registers a model; the caller becomes its owner. An id can be registered once, so an
    ///         entry (and the proofs recorded against it) cannot be redirected to another verifier.
    /// @param modelId Caller-chosen id, e.g. keccak256 of the manifest.
    /// @param verifier The model's generated Groth16 verifier.
    /// @param nPublic Number of public signals the verifier takes.
    /// @param proverIndex Position of the `prover` address signal.
    /// @param inputHashIndex Position of the input hash signal, or NO_INPUT_HASH.
    function register(
        bytes32 modelId,
        address verifier,
        uint256 nPublic,
        uint256 proverIndex,
        uint256 inputHashIndex,
        bytes32 vkeyHash,
        bytes32 weightCommitment
    ) external {
        if (_models[modelId].verification.verifier != address(0)) revert ModelAlreadyRegistered(modelId);
        // An EOA would answer every staticcall with success and no data; refuse it up front.
        if (verifier.code.length == 0) revert VerifierNotAContract(verifier);
        bool inputOk = inputHashIndex == NO_INPUT_HASH || (inputHashIndex < nPublic && inputHashIndex != proverIndex);
        if (nPublic == 0 || nPublic >= NO_INDEX || proverIndex >= nPublic || !inputOk) {
            revert InvalidLayout(nPublic, proverIndex, inputHashIndex);
        }

        _models[modelId] = Model({
            verification: Verification({
                verifier: verifier,
                selector: _selectorFor(nPublic),
                nPublic: uint16(nPublic),
                proverIndex: uint16(proverIndex),
                inputHashIndex: inputHashIndex == NO_INPUT_HASH ? NO_INDEX : uint16(inputHashIndex)
            }),
            owner: msg.sender,
            vkeyHash: vkeyHash,
            weightCommitment: weightCommitment
        });
        emit ModelRegistered(modelId, msg.sender, verifier, nPublic, proverIndex, inputHashIndex, vkeyHash, weightCommitment);
    }

    /// @notice A registered model's entry (all zero if unknown).
    function models(bytes32 modelId)
        external
        view
        returns (
            address owner,
            address verifier,
            uint256 nPublic,
            uint256 proverIndex,
            uint256 inputHashIndex,
            bytes32 vkeyHash,
            bytes32 weightCommitment
        )
    {
        Model storage m = _models[modelId];
        Verification memory l = m.verification;
        uint256 inputIdx = l.inputHashIndex == NO_INDEX ? NO_INPUT_HASH : l.inputHashIndex;
        return (m.owner, l.verifier, l.nPublic, l.proverIndex, inputIdx, m.vkeyHash, m.weightCommitment);
    }

    /// @notice The key under which an inference is recorded.
    function inferenceKey(bytes32 modelId, uint256[] calldata publicSignals) public pure returns (bytes32) {
        // Packed is unambiguous here: every element is 32 bytes and N is fixed per model.
        return keccak256(abi.encodePacked(modelId, publicSignals));
    }

    // ---------------------------------------------------------------- submissions

    /// @notice Verifies a proof and records the inference. The prover signal must be the sender's
    ///         address, so a proof seen in the mempool is worthless to anyone else.
    function submit(
        bytes32 modelId,
        uint256[2] calldata a,
        uint256[2][2] calldata b,
        uint256[2] calldata c,
        uint256[] calldata publicSignals
    ) external returns (bytes32 key) {
        Verification memory m = _checkedVerification(modelId, publicSignals);
        key = inferenceKey(modelId, publicSignals);
        if (inferenceProver[key] != address(0)) revert InferenceAlreadyRecorded(key);
        _verify(m, a, b, c, publicSignals);

        inferenceProver[key] = msg.sender;
        emit InferenceVerified(modelId, key, msg.sender, publicSignals);
    }

    // ---------------------------------------------------------------- bounties

    /// @notice Asks for the inference of `modelId` on the input with hash `inputHash`; the value sent
    ///         is the bounty for the first prover who answers before the deadline.
    function requestInference(bytes32 modelId, uint256 inputHash) external payable returns (uint256 requestId) {
        Verification memory m = _models[modelId].verification;
        if (m.verifier == address(0)) revert UnknownModel(modelId);
        if (m.inputHashIndex == NO_INDEX) revert NoInputHash(modelId);
        if (msg.value == 0) revert ZeroBounty();

        requestId = ++requestCount;
        uint64 deadline = uint64(block.timestamp) + requestTimeout;
        requests[requestId] = Request({
            requester: msg.sender,
            deadline: deadline,
            status: RequestStatus.Open,
            modelId: modelId,
            inputHash: inputHash,
            bounty: msg.value
        });
        emit InferenceRequested(requestId, modelId, msg.sender, inputHash, msg.value, deadline);
    }

    /// @notice Answers an open request with a proof and collects its bounty.
    /// @dev Unlike `submit`, an inference that is already recorded is accepted: two requesters may
    ///      ask for the same input, and the deterministic answer (same signals, same key) must be
    ///      able to serve both. Replay is prevented by the request closing, and theft by the
    ///      prover check, so only the original prover can reuse their proof.
    function submitForRequest(
        uint256 requestId,
        uint256[2] calldata a,
        uint256[2][2] calldata b,
        uint256[2] calldata c,
        uint256[] calldata publicSignals
    ) external returns (bytes32 key) {
        // Checks.
        Request storage r = requests[requestId];
        if (r.status == RequestStatus.None) revert UnknownRequest(requestId);
        if (r.status != RequestStatus.Open) revert RequestNotOpen(requestId);
        if (block.timestamp > r.deadline) revert RequestExpired(requestId, r.deadline);
        bytes32 modelId = r.modelId;
        Verification memory m = _checkedVerification(modelId, publicSignals);
        if (publicSignals[m.inputHashIndex] != r.inputHash) {
            revert InputHashMismatch(r.inputHash, publicSignals[m.inputHashIndex]);
        }
        _verify(m, a, b, c, publicSignals);

        // Effects: close the request before paying, so a re-entrant call finds it not open.
        uint256 bounty = r.bounty;
        r.status = RequestStatus.Fulfilled;
        r.bounty = 0;
        key = inferenceKey(modelId, publicSignals);
        if (inferenceProver[key] == address(0)) {
            inferenceProver[key] = msg.sender;
            emit InferenceVerified(modelId, key, msg.sender, publicSignals);
        }
        emit RequestFulfilled(requestId, key, msg.sender, bounty);

        // Interaction last.
        _pay(msg.sender, bounty);
    }

    /// @notice Refunds an unanswered request once its deadline has passed. Refunds only after the
    ///         deadline so a prover who starts proving on an open request cannot be raced by the
    ///         requester withdrawing the bounty.
    function cancelRequest(uint256 requestId) external {
        Request storage r = requests[requestId];
        if (r.status == RequestStatus.None) revert UnknownRequest(requestId);
        if (r.requester != msg.sender) revert NotRequester(requestId);
        if (r.status != RequestStatus.Open) revert RequestNotOpen(requestId);
        if (block.timestamp <= r.deadline) revert RequestNotExpired(requestId, r.deadline);

        uint256 refund = r.bounty;
        r.status = RequestStatus.Cancelled;
        r.bounty = 0;
        emit RequestCancelled(requestId, msg.sender, refund);

        _pay(msg.sender, refund);
    }

    // ---------------------------------------------------------------- internals

    /// @dev Loads what verifying needs and checks the signals' shape, range and prover binding.
    function _checkedVerification(bytes32 modelId, uint256[] calldata publicSignals) internal view returns (Verification memory m) {
        m = _models[modelId].verification;
        if (m.verifier == address(0)) revert UnknownModel(modelId);
        if (publicSignals.length != m.nPublic) revert WrongSignalCount(m.nPublic, publicSignals.length);
        for (uint256 i = 0; i < publicSignals.length; ++i) {
            if (publicSignals[i] >= SNARK_SCALAR_FIELD) revert SignalNotInField(i);
        }
        uint256 sender = uint256(uint160(msg.sender));
        if (publicSignals[m.proverIndex] != sender) revert ProverMismatch(sender, publicSignals[m.proverIndex]);
    }

    /// @dev Calls verifyProof(uint[2],uint[2][2],uint[2],uint[N]). The ABI encoding of that all-static
    ///      tuple is its 8 + N words in order, which is exactly what encodePacked produces for
    ///      32-byte elements (a dynamic array's length word is omitted by encodePacked).
    ///      Success alone is not enough: snarkjs verifiers *return false* when a pairing precompile
    ///      runs out of gas, so the call must succeed AND return exactly one word equal to 1.
    function _verify(
        Verification memory m,
        uint256[2] calldata a,
        uint256[2][2] calldata b,
        uint256[2] calldata c,
        uint256[] calldata publicSignals
    ) internal view {
        bytes memory data = abi.encodePacked(m.selector, a, b, c, publicSignals);
        (bool ok, bytes memory ret) = m.verifier.staticcall(data);
        if (!ok || ret.length != 32 || abi.decode(ret, (uint256)) != 1) revert InvalidProof();
    }

    /// @dev Selector of verifyProof for N public signals, built from the canonical signature.
    function _selectorFor(uint256 n) internal pure returns (bytes4) {
        return bytes4(
            keccak256(abi.encodePacked("verifyProof(uint256[2],uint256[2][2],uint256[2],uint256[", _decimal(n), "])"))
        );
    }

    /// @dev Base-10 representation of n (n > 0 here, but 0 is handled too).
    function _decimal(uint256 n) internal pure returns (bytes memory s) {
        if (n == 0) return "0";
        uint256 digits;
        for (uint256 t = n; t != 0; t /= 10) ++digits;
        s = new bytes(digits);
        for (; n != 0; n /= 10) s[--digits] = bytes1(uint8(48 + (n % 10)));
    }

    /// @dev Sends ETH with all remaining gas so contract wallets can receive; safe because every
    ///      caller has already closed the request (checks-effects-interactions).
    function _pay(address to, uint256 amount) internal {
        (bool sent,) = payable(to).call{value: amount}("");
        if (!sent) revert TransferFailed();
    }
}
