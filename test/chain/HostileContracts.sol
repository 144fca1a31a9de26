// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// Test-only contracts playing the attacker against GlassboxMarket.

/// A "verifier" that burns every unit of gas it is given.
contract GasBurner {
    fallback(bytes calldata) external returns (bytes memory) {
        while (true) {}
        return "";
    }
}

/// A "verifier" that answers with a huge blob, so a caller copying it pays for the memory.
contract ReturnBomb {
    fallback(bytes calldata) external returns (bytes memory out) {
        out = new bytes(60_000);
        out[31] = 0x01;
    }
}

/// A "verifier" that accepts everything (what a squatter would register).
contract AcceptAll {
    fallback(bytes calldata) external returns (bytes memory) {
        return abi.encode(uint256(1));
    }
}

interface IMarket {
    function deposit() external payable;
    function withdraw(address payable to) external returns (uint256);
    function withdrawStake(uint256 amount, address payable to) external;
}

/// A prover contract that re-enters the market when it is paid.
contract ReentrantProver {
    address public immutable market;
    address public immutable operator;
    /// Selector of the error the re-entrant call got (zero until it tried).
    bytes4 public reentryError;
    uint256 public received;

    constructor(address market_) {
        market = market_;
        operator = msg.sender;
    }

    /// Forwards any call to the market (lock, fulfil, ...) as this contract.
    function act(bytes calldata data) external payable returns (bytes memory) {
        require(msg.sender == operator, "operator only");
        (bool ok, bytes memory ret) = market.call{value: msg.value}(data);
        if (!ok) {
            assembly {
                revert(add(ret, 32), mload(ret))
            }
        }
        return ret;
    }

    receive() external payable {
        received += msg.value;
        if (reentryError != bytes4(0)) return;
        // Try to be paid twice: withdraw the same stake again from inside the payment.
        (bool ok, bytes memory ret) = market.call(abi.encodeCall(IMarket.withdrawStake, (msg.value, payable(address(this)))));
        reentryError = ok ? bytes4(0xffffffff) : bytes4(ret);
    }
}

/// A payee that refuses ETH.
contract RefusesEth {
    receive() external payable {
        revert("no thanks");
    }
}
