import { AbiCoder, id, keccak256 } from 'ethers'

/**
 * The model id the registry derives for `owner` registering a verifier with code hash `codehash`
 * and these signal roles (`GlassboxRegistry.modelIdOf`), computed off-chain so a client knows the
 * id before anything is sent.
 */
export function computeModelId(owner: string, codehash: string, signalRoles: string): string {
  return keccak256(AbiCoder.defaultAbiCoder().encode(['bytes32', 'address', 'bytes32', 'bytes32'], [id('glassbox.model.v1'), owner, codehash, keccak256(signalRoles)]))
}
