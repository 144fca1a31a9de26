// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// @title GlassboxRegistry
/// @notice Models (a pinned Groth16 verifier and its public-signal layout), their weight sets and
///         metadata, and the statements their verifiers accepted.
/// @dev Written against an attacker who can send any transaction, front-run any other and deploy
///      any contract:
///      - A model id is derived on-chain from its owner, the verifier's code hash and the layout;
///        nobody chooses it. Registering the same verifier from another account gives another id,
///        so a front-runner can neither squat an id nor own someone else's metadata.
///      - The verifier's code hash is recorded at registration and checked (EXTCODEHASH) before
///        every verification: a redeployed (CREATE2 + SELFDESTRUCT) or re-delegated contract at
///        the same address is refused instead of silently accepting other proofs. EIP-7702
///        delegated accounts are refused outright (their code is a pointer, not a verifier).
///        A proxy keeps its code hash while changing what it does, so clients compare the code
///        at the verifier address with the runtime code compiled from the build's Verifier.sol.
///      - The verifier is called with a gas cap, so a hostile verifier burns at most the cap.
///      - A statement (model id + every public signal) is verified once; `verifiedBy` is then
///        the cheap answer. The prover address is a public signal, so a statement names its
///        prover and replaying it gains nobody anything.
///      Each model's snarkjs verifier takes a fixed-size `uint[N]`, so the selector is derived
///      from N at registration and the call is hand-encoded (see `_callVerifier`).
contract GlassboxRegistry {
    // ---------------------------------------------------------------- layout roles

    /// @dev One byte per public signal, in snarkjs order, in the `layout` given at registration.
    uint8 internal constant ROLE_OUTPUT = 0;
    uint8 internal constant ROLE_CLASS = 1;
    uint8 internal constant ROLE_INPUT_HASH = 2;
    uint8 internal constant ROLE_INPUT = 3;
    uint8 internal constant ROLE_PROVER = 4;
    uint8 internal constant ROLE_WEIGHTS_COMMITMENT = 5;
    /// @dev A word of packed outputs (and class): opaque here, like an output; clients decode it
    ///      with the build's manifest. One signal instead of one per output saves ~6.2k gas each.
    uint8 internal constant ROLE_PACKED_OUTPUTS = 6;

    /// @dev Index value for "this model has no such signal".
    uint16 internal constant NONE = type(uint16).max;

    /// @dev BN254 scalar field order. Signals are field elements.
    uint256 internal constant SNARK_SCALAR_FIELD =
        21888242871839275222246405745257275088548364400416034343698204186575808495617;

    /// @notice Gas the verifier call gets: a base for the 4-pair pairing (181k) plus calldata
    ///         handling, and a per-signal amount for its scalar multiplication and addition
    ///         (6.15k). A snarkjs verifier needs about 200k + 6.2k per signal; a hostile one is
    ///         stopped at the cap.
    uint256 public constant VERIFY_GAS_BASE = 240_000;
    uint256 public constant VERIFY_GAS_PER_SIGNAL = 10_000;

    /// @dev Domain separator of model ids, so an id can never collide with another keccak use.
    bytes32 internal constant MODEL_ID_DOMAIN = keccak256("glassbox.model.v1");

    // ---------------------------------------------------------------- types

    /// @dev Exactly one storage slot: what every verification reads.
    struct Verification {
        address verifier;
        bytes4 selector; // verifyProof(uint256[2],uint256[2][2],uint256[2],uint256[N])
        uint16 nPublic;
        uint16 proverIndex;
        uint16 inputHashIndex; // NONE when the input is not hashed into a public signal
        uint16 weightsIndex; // NONE for constant weights (no commitment signal)
    }

    struct Model {
        Verification verification;
        bytes32 codehash;
        address owner;
        bool dev; // set up with a dev powers of tau: insecure, whoever made it can forge proofs
        bool deprecated; // the owner's word: no new requests
        bytes32 transcriptHash; // SHA-256 of the setup transcript (zero if none was recorded)
    }

    /// @notice Where a model's build artifacts live and their SHA-256. The manifest pins every
    ///         artifact; the proving key and the witness generator are pinned directly because a
    ///         prover fetches them first.
    struct Artifacts {
        string uri;
        bytes32 manifestSha256;
        bytes32 zkeySha256;
        bytes32 wasmSha256;
    }

    enum WeightSetStatus {
        None,
        Active,
        Deprecated
    }

    // ---------------------------------------------------------------- state

    mapping(bytes32 => Model) internal _models;
    mapping(bytes32 => Artifacts) internal _artifacts;
    /// @notice Model id => weight commitment => status.
    mapping(bytes32 => mapping(uint256 => WeightSetStatus)) public weightSets;
    /// @notice Statement => the prover bound into it, once verified (zero otherwise).
    mapping(bytes32 => address) public verifiedBy;

    // ---------------------------------------------------------------- events

    event ModelRegistered(
        bytes32 indexed modelId, address indexed owner, address verifier, bytes32 codehash, bytes signalRoles, bool dev, bytes32 transcriptHash
    );
    event ArtifactsSet(bytes32 indexed modelId, string uri, bytes32 manifestSha256, bytes32 zkeySha256, bytes32 wasmSha256);
    event ModelDeprecated(bytes32 indexed modelId);
    event WeightSetRegistered(bytes32 indexed modelId, uint256 indexed commitment);
    event WeightSetDeprecated(bytes32 indexed modelId, uint256 indexed commitment);
    /// @dev The signals are in the transaction's calldata; copying them into the log would only cost
    ///      gas. A market fulfilment reports its statement in `Fulfilled` instead.
    event StatementVerified(bytes32 indexed modelId, bytes32 indexed statement, address indexed prover);

    // ---------------------------------------------------------------- errors

    error ModelAlreadyRegistered(bytes32 modelId);
    error UnknownModel(bytes32 modelId);
    error VerifierNotAContract(address verifier);
    error VerifierIsDelegated(address verifier);
    error InvalidLayout(uint256 position);
    error NotModelOwner(bytes32 modelId, address caller);
    error WeightSetAlreadyRegistered(bytes32 modelId, uint256 commitment);
    error NoWeightCommitment(bytes32 modelId);
    error CommitmentNotInField(uint256 commitment);
    error UnknownWeightSet(bytes32 modelId, uint256 commitment);
    error WrongSignalCount(uint256 expected, uint256 actual);
    error ProverMismatch(address expected, uint256 actual);
    error StatementAlreadyVerified(bytes32 statement);
    error VerifierCodeChanged(address verifier, bytes32 expected, bytes32 actual);
    error InsufficientGasForVerifier(uint256 required, uint256 available);
    error VerifierCallFailed(address verifier);
    error InvalidProof();

    // ---------------------------------------------------------------- models

    /// @notice The id `owner` gets for a verifier with code hash `codehash` and this layout.
    function modelIdOf(address owner, bytes32 codehash, bytes memory signalRoles) public pure returns (bytes32) {
        return keccak256(abi.encode(MODEL_ID_DOMAIN, owner, codehash, keccak256(signalRoles)));
    }

    /// @notice Registers a model owned by the sender.
    /// @param verifier The model's Groth16 verifier (snarkjs `verifyProof(..., uint[N])`).
    /// @param signalRoles One role byte per public signal: 0 output, 1 class, 2 input hash, 3 input
    ///        value, 4 prover, 5 weights commitment, 6 packed outputs. Exactly one prover; at most one input hash
    ///        and one weights commitment.
    /// @param dev True when the key comes from a dev powers of tau (insecure).
    /// @param transcriptHash SHA-256 of the setup transcript, or zero.
    /// @return modelId `modelIdOf(msg.sender, verifier.codehash, layout)`.
    function register(address verifier, bytes calldata signalRoles, bool dev, bytes32 transcriptHash) external returns (bytes32 modelId) {
        uint256 size = verifier.code.length;
        if (size == 0) revert VerifierNotAContract(verifier);
        // EIP-7702: a delegated EOA's code is 0xef0100 || delegate (23 bytes).
        if (size == 23 && bytes3(verifier.code) == 0xef0100) revert VerifierIsDelegated(verifier);
        bytes32 codehash = verifier.codehash;
        modelId = modelIdOf(msg.sender, codehash, signalRoles);
        if (_models[modelId].verification.verifier != address(0)) revert ModelAlreadyRegistered(modelId);

        Verification memory v = _parseLayout(signalRoles);
        v.verifier = verifier;
        _models[modelId] = Model({
            verification: v,
            codehash: codehash,
            owner: msg.sender,
            dev: dev,
            deprecated: false,
            transcriptHash: transcriptHash
        });
        emit ModelRegistered(modelId, msg.sender, verifier, codehash, signalRoles, dev, transcriptHash);
    }

    /// @notice A model's entry; `verifier` is zero for an unknown id. Indices are NONE (65535) when absent.
    function models(bytes32 modelId)
        external
        view
        returns (
            address owner,
            address verifier,
            bytes32 codehash,
            uint256 nPublic,
            uint256 proverIndex,
            uint256 inputHashIndex,
            uint256 weightsIndex,
            bool dev,
            bool deprecated,
            bytes32 transcriptHash
        )
    {
        Model storage m = _models[modelId];
        Verification memory v = m.verification;
        return (m.owner, v.verifier, m.codehash, v.nPublic, v.proverIndex, v.inputHashIndex, v.weightsIndex, m.dev, m.deprecated, m.transcriptHash);
    }

    /// @notice A model's artifacts URI and pins (empty until its owner sets them).
    function artifacts(bytes32 modelId) external view returns (Artifacts memory) {
        return _artifacts[modelId];
    }

    /// @notice Owner only: where the build artifacts are, pinned by SHA-256. May be updated (a
    ///         new mirror); the pins say what the files must hash to wherever they are fetched from.
    function setArtifacts(bytes32 modelId, string calldata uri, bytes32 manifestSha256, bytes32 zkeySha256, bytes32 wasmSha256) external {
        _onlyOwner(modelId);
        _artifacts[modelId] = Artifacts({uri: uri, manifestSha256: manifestSha256, zkeySha256: zkeySha256, wasmSha256: wasmSha256});
        emit ArtifactsSet(modelId, uri, manifestSha256, zkeySha256, wasmSha256);
    }

    /// @notice Owner only: no new requests for this model. Statements already verified and
    ///         requests already made stand (a locked prover must still be able to deliver).
    function deprecate(bytes32 modelId) external {
        _onlyOwner(modelId);
        _models[modelId].deprecated = true;
        emit ModelDeprecated(modelId);
    }

    /// @notice Owner only: registers a weight set (its Poseidon commitment) under a
    ///         committed-weights architecture. Proofs must carry a registered commitment.
    function registerWeightSet(bytes32 modelId, uint256 commitment) external {
        _onlyOwner(modelId);
        if (_models[modelId].verification.weightsIndex == NONE) revert NoWeightCommitment(modelId);
        if (commitment >= SNARK_SCALAR_FIELD) revert CommitmentNotInField(commitment);
        if (weightSets[modelId][commitment] != WeightSetStatus.None) revert WeightSetAlreadyRegistered(modelId, commitment);
        weightSets[modelId][commitment] = WeightSetStatus.Active;
        emit WeightSetRegistered(modelId, commitment);
    }

    /// @notice Owner only: no new requests for this weight set (its proofs still verify).
    function deprecateWeightSet(bytes32 modelId, uint256 commitment) external {
        _onlyOwner(modelId);
        if (weightSets[modelId][commitment] != WeightSetStatus.Active) revert UnknownWeightSet(modelId, commitment);
        weightSets[modelId][commitment] = WeightSetStatus.Deprecated;
        emit WeightSetDeprecated(modelId, commitment);
    }

    // ---------------------------------------------------------------- statements

    /// @notice The key of a statement: keccak256 of the model id and every public signal.
    function statementOf(bytes32 modelId, uint256[] memory publicSignals) public pure returns (bytes32) {
        // Packed is unambiguous: every element is 32 bytes and N is fixed per model.
        return keccak256(abi.encodePacked(modelId, publicSignals));
    }

    /// @notice Gas the verifier of a model with `nPublic` signals is given.
    function verifyGasLimit(uint256 nPublic) public pure returns (uint256) {
        return VERIFY_GAS_BASE + VERIFY_GAS_PER_SIGNAL * nPublic;
    }

    /// @notice Verifies a proof and records its statement. The `prover` signal must be the
    ///         sender, so a proof seen in the mempool is worthless to anyone else.
    /// @param proof a[0], a[1], b[0][0], b[0][1], b[1][0], b[1][1], c[0], c[1] as the verifier takes them.
    function verify(bytes32 modelId, uint256[8] calldata proof, uint256[] calldata publicSignals) external returns (bytes32 statement) {
        Model storage m = _models[modelId];
        Verification memory v = m.verification;
        if (v.verifier == address(0)) revert UnknownModel(modelId);
        if (publicSignals.length != v.nPublic) revert WrongSignalCount(v.nPublic, publicSignals.length);
        if (publicSignals[v.proverIndex] != uint256(uint160(msg.sender))) revert ProverMismatch(msg.sender, publicSignals[v.proverIndex]);
        if (v.weightsIndex != NONE) _requireWeightSet(modelId, publicSignals[v.weightsIndex]);
        uint256[] memory signals = publicSignals;
        bool cached;
        (statement, cached) = _verifyStatement(modelId, m, v, proof, signals);
        if (cached) revert StatementAlreadyVerified(statement);
        emit StatementVerified(modelId, statement, msg.sender);
    }

    // ---------------------------------------------------------------- internals

    /// @dev Verifies `signals` for a model unless the statement is already verified, and records it.
    ///      Field range: a signal >= r is refused by the snarkjs verifier itself (checkField), so
    ///      the registry does not loop over them a second time; a non-canonical statement can
    ///      therefore never be recorded.
    function _verifyStatement(bytes32 modelId, Model storage m, Verification memory v, uint256[8] calldata proof, uint256[] memory signals)
        internal
        returns (bytes32 statement, bool cached)
    {
        statement = statementOf(modelId, signals);
        if (verifiedBy[statement] != address(0)) return (statement, true);
        _callVerifier(m, v, proof, signals);
        verifiedBy[statement] = msg.sender;
    }

    /// @dev Calls verifyProof(uint[2],uint[2][2],uint[2],uint[N]) with a gas cap. The ABI encoding
    ///      of that all-static tuple is its 8 + N words in order, which is exactly what
    ///      encodePacked produces for 32-byte elements. snarkjs verifiers *return false* when a
    ///      precompile runs out of gas, so enough gas for the full cap is required up front: a
    ///      `false` is then an invalid proof, never a starved verifier.
    function _callVerifier(Model storage m, Verification memory v, uint256[8] calldata proof, uint256[] memory signals) internal view {
        bytes32 actual = v.verifier.codehash;
        if (actual != m.codehash) revert VerifierCodeChanged(v.verifier, m.codehash, actual);
        uint256 cap = verifyGasLimit(v.nPublic);
        // 63/64 rule (EIP-150): the callee gets at most 63/64 of what is left.
        uint256 needed = (cap * 64) / 63 + 5_000;
        if (gasleft() < needed) revert InsufficientGasForVerifier(needed, gasleft());
        bytes memory data = abi.encodePacked(v.selector, proof, signals);
        address verifier = v.verifier;
        bool ok;
        uint256 size;
        uint256 result;
        // Only the first word of the answer is copied (into scratch space): a hostile verifier
        // returning a huge blob cannot make the caller pay for copying it (a "return bomb").
        assembly ("memory-safe") {
            ok := staticcall(cap, verifier, add(data, 32), mload(data), 0, 32)
            size := returndatasize()
            result := mload(0)
        }
        if (!ok) revert VerifierCallFailed(verifier);
        if (size != 32 || result != 1) revert InvalidProof();
    }

    function _requireWeightSet(bytes32 modelId, uint256 commitment) internal view {
        if (weightSets[modelId][commitment] == WeightSetStatus.None) revert UnknownWeightSet(modelId, commitment);
    }

    function _onlyOwner(bytes32 modelId) internal view {
        address owner = _models[modelId].owner;
        if (owner == address(0)) revert UnknownModel(modelId);
        if (owner != msg.sender) revert NotModelOwner(modelId, msg.sender);
    }

    /// @dev Validates a layout and returns its indices and selector (verifier left zero).
    function _parseLayout(bytes calldata roles) internal pure returns (Verification memory v) {
        uint256 n = roles.length;
        if (n == 0 || n >= NONE) revert InvalidLayout(n);
        v.nPublic = uint16(n);
        v.proverIndex = NONE;
        v.inputHashIndex = NONE;
        v.weightsIndex = NONE;
        for (uint256 i = 0; i < n; ++i) {
            uint8 role = uint8(roles[i]);
            if (role == ROLE_PROVER) {
                if (v.proverIndex != NONE) revert InvalidLayout(i);
                v.proverIndex = uint16(i);
            } else if (role == ROLE_INPUT_HASH) {
                if (v.inputHashIndex != NONE) revert InvalidLayout(i);
                v.inputHashIndex = uint16(i);
            } else if (role == ROLE_WEIGHTS_COMMITMENT) {
                if (v.weightsIndex != NONE) revert InvalidLayout(i);
                v.weightsIndex = uint16(i);
            } else if (role > ROLE_PACKED_OUTPUTS) {
                revert InvalidLayout(i);
            }
        }
        if (v.proverIndex == NONE) revert InvalidLayout(n);
        v.selector = bytes4(keccak256(abi.encodePacked("verifyProof(uint256[2],uint256[2][2],uint256[2],uint256[", _decimal(n), "])")));
    }

    /// @dev Base-10 representation of n > 0.
    function _decimal(uint256 n) internal pure returns (bytes memory s) {
        uint256 digits;
        for (uint256 t = n; t != 0; t /= 10) ++digits;
        s = new bytes(digits);
        for (; n != 0; n /= 10) s[--digits] = bytes1(uint8(48 + (n % 10)));
    }
}
