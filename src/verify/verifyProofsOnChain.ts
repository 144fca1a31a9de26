import { readFile } from 'node:fs/promises'
import { Interface } from 'ethers'
import { buildPaths } from '../artifacts/buildPaths.js'
import { readManifest, verifyArtifacts } from '../artifacts/manifest.js'
import { chainFailure } from '../chain/chainFailure.js'
import { checkVerifierCode } from '../chain/checkVerifierCode.js'
import { connectChain, type ConnectChainReturnType } from '../chain/connectChain.js'
import { deployVerifier } from '../chain/deployVerifier.js'
import { proofToCalldata } from '../chain/proofToCalldata.js'
import { verifyOnChain } from '../chain/verifyOnChain.js'
import { waitForReceipt } from '../chain/waitForReceipt.js'
import { ChainError } from '../errors.js'
import type { Logger } from '../logger.js'
import { silentLogger } from '../logger.js'
import { readProofs } from './readProofs.js'

export type OnChainCheck = { id: string; valid: boolean }

export type VerifyProofsOnChainParameters = {
  buildDir: string
  proofsPath: string
  /** A JSON-RPC URL; without one an embedded anvil on 127.0.0.1 is started and stopped. */
  rpcUrl?: string | undefined
  /** Required with an `rpcUrl` to another machine; checked against the node. */
  chainId?: bigint | number | undefined
  /** Allow plain http to another machine. */
  insecure?: boolean | undefined
  /**
   * Use an already deployed verifier instead of deploying the model's Verifier.sol. Its code is
   * compared with the runtime code the build's Verifier.sol compiles to, and refused if it differs.
   */
  verifierAddress?: string | undefined
  /**
   * Send one verifying transaction to measure its gas from the receipt. Default: only on the
   * embedded chain (elsewhere it costs real gas).
   */
  measureGas?: boolean | undefined
  logger?: Logger | undefined
  onProgress?: (done: number, total: number) => void
}

export type VerifyProofsOnChainReturnType = {
  checks: OnChainCheck[]
  verifierAddress: string
  /** The node's URL, redacted. */
  rpcUrl: string
  /** Gas of one verifying transaction (from its receipt), when measured and a valid proof was available. */
  verificationGas?: bigint
}

/**
 * Verifies every proof of a proofs file with the model's Solidity verifier on a chain: deploys
 * `Verifier.sol` (hash-checked against the manifest) or checks the code of the given verifier
 * against it, checks each proof by `eth_call` with an explicit gas limit, and, on the embedded
 * chain or when asked, measures the gas of one real verifying transaction from its receipt
 * (estimates are not trustworthy for snarkjs verifiers).
 *
 * @throws {VerifierCodeMismatchError} When the code at `verifierAddress` is not the build's verifier.
 * @throws {ChainError} When the chain is refused or unreachable.
 */
export async function verifyProofsOnChain({
  buildDir,
  proofsPath,
  rpcUrl,
  chainId,
  insecure,
  verifierAddress,
  measureGas,
  logger = silentLogger,
  onProgress,
}: VerifyProofsOnChainParameters): Promise<VerifyProofsOnChainReturnType> {
  const manifest = await readManifest(buildDir)
  await verifyArtifacts(buildDir, manifest, ['verifier'])
  const source = await readFile(buildPaths(buildDir).verifier, 'utf8')
  const records = await readProofs(proofsPath)
  const chain = await connectChain({ rpcUrl, chainId, insecure, logger })
  try {
    let address = verifierAddress
    if (address) {
      await checkVerifierCode({ provider: chain.provider, verifierAddress: address, source, logger })
    } else {
      address = (await deployVerifier({ signer: chain.signer, source, timeoutMs: chain.txTimeoutMs, secretRpcUrls: chain.secretRpcUrls, logger })).address
      logger.info(`deployed the verifier of "${manifest.name}" at ${address} on ${chain.rpcUrl}`)
    }
    const measure = measureGas ?? chain.embedded
    const checks: OnChainCheck[] = []
    let verificationGas: bigint | undefined
    for (const record of records) {
      const valid = await verifyOnChain({ provider: chain.provider, verifierAddress: address, proof: record.proof, publicSignals: record.publicSignals, logger })
      checks.push({ id: record.id, valid })
      if (measure && valid && verificationGas === undefined) verificationGas = await measureVerificationGas(chain, address, record)
      onProgress?.(checks.length, records.length)
    }
    const result: VerifyProofsOnChainReturnType = { checks, verifierAddress: address, rpcUrl: chain.rpcUrl }
    if (verificationGas !== undefined) result.verificationGas = verificationGas
    return result
  } finally {
    await chain.close()
  }
}

/** Sends one verifyProof call as a transaction and reads its gas from the receipt. */
async function measureVerificationGas(
  chain: ConnectChainReturnType,
  verifierAddress: string,
  record: { proof: Parameters<typeof proofToCalldata>[0]; publicSignals: readonly string[] },
): Promise<bigint> {
  const { a, b, c, publicSignals } = proofToCalldata(record.proof, record.publicSignals)
  const iface = new Interface([`function verifyProof(uint256[2] a, uint256[2][2] b, uint256[2] c, uint256[${publicSignals.length}] s) view returns (bool)`])
  let hash: string
  try {
    hash = (await chain.signer.sendTransaction({ to: verifierAddress, data: iface.encodeFunctionData('verifyProof', [a, b, c, publicSignals]), gasLimit: 2_000_000n })).hash
  } catch (error) {
    throw chainFailure(error, { shortMessage: 'Sending the gas-measuring verifyProof transaction failed.', rpcUrls: chain.secretRpcUrls })
  }
  let receipt
  try {
    receipt = await waitForReceipt({ provider: chain.provider, txHash: hash, timeoutMs: chain.txTimeoutMs })
  } catch (error) {
    throw chainFailure(error, { shortMessage: `Waiting for transaction ${hash} failed.`, rpcUrls: chain.secretRpcUrls })
  }
  if (!receipt) throw new ChainError(`The gas-measuring transaction ${hash} was sent, not mined after ${Math.round(chain.txTimeoutMs / 1000)} s.`)
  if (receipt.status !== 1) throw new ChainError('The verifying transaction failed.', { details: `Transaction ${hash}.` })
  return receipt.gasUsed
}
