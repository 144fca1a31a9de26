import { join } from 'node:path'
import { ChainError } from '../errors.js'

/**
 * The Solidity contract name of a model's verifier: the model name in PascalCase + `Verifier`
 * (`iris` → `IrisVerifier`, `lenet-5` → `Lenet5Verifier`), so several models' verifiers can live
 * in one Foundry or Hardhat project without the `Groth16Verifier` collision.
 */
export function verifierContractName(modelName: string): string {
  const words = modelName.split(/[^A-Za-z0-9]+/).filter(Boolean)
  let name = words.map((w) => w[0]!.toUpperCase() + w.slice(1)).join('')
  if (!/^[A-Za-z]/.test(name)) name = `Model${name}`
  return `${name}Verifier`
}

/**
 * Renames the `Groth16Verifier` contract of a snarkjs-generated Verifier.sol after its model.
 *
 * @returns The renamed source and the contract name.
 * @throws {ChainError} When the source declares no `contract Groth16Verifier`.
 *
 * @example
 * ```ts
 * const { source } = nameVerifierContract(await snarkjs.zKey.exportSolidityVerifier(...), 'iris')
 * ```
 */
export function nameVerifierContract(source: string, modelName: string): { source: string; contractName: string } {
  const contractName = verifierContractName(modelName)
  const declaration = /\bcontract\s+Groth16Verifier\b/
  if (!declaration.test(source)) {
    throw new ChainError('The verifier source declares no contract Groth16Verifier.', { details: 'Expected the output of snarkjs zkey export solidityverifier.' })
  }
  return { source: source.replace(declaration, `contract ${contractName}`), contractName }
}

/**
 * JSON ABI of a snarkjs Groth16 verifier for `nPublic` public signals (what solc emits for it,
 * checked by a test), written beside Verifier.sol as `Verifier.abi.json`.
 */
export function verifierAbi(nPublic: number): readonly Record<string, unknown>[] {
  const uintArray = (size: number, name: string) => ({ internalType: `uint256[${size}]`, name, type: `uint256[${size}]` })
  return [
    {
      inputs: [uintArray(2, '_pA'), { internalType: 'uint256[2][2]', name: '_pB', type: 'uint256[2][2]' }, uintArray(2, '_pC'), uintArray(nPublic, '_pubSignals')],
      name: 'verifyProof',
      outputs: [{ internalType: 'bool', name: '', type: 'bool' }],
      stateMutability: 'view',
      type: 'function',
    },
  ]
}

/** Where the verifier's ABI is written in a build folder. */
export const verifierAbiPath = (buildDir: string) => join(buildDir, 'Verifier.abi.json')
