import { getAddress, solidityPackedKeccak256 } from 'ethers'

export type LateTurnParameters = {
  requestId: bigint
  /** This node's account. */
  me: string
  /** Who locked the request and missed its deadline (it takes no turn). */
  locker: string
  /** The market's provers as this node knows them (this node included or not). */
  provers: Iterable<string>
}

/**
 * This node's turn (0 first) at answering a request another prover locked and missed: the
 * provers, the locker left out, ordered by keccak256(prover, requestId). Every node computes the
 * same order from public data, so after the deadline one node proves at a time, and a node whose
 * turn comes sees the fulfilment of any earlier one instead of proving again. A different order
 * per request spreads the work (and the reward) over provers.
 *
 * @example
 * ```ts
 * lateTurn({ requestId: 9n, me, locker, provers: ['0xA…', '0xB…', me] }) // 0, 1 or 2
 * ```
 */
export function lateTurn({ requestId, me, locker, provers }: LateTurnParameters): number {
  const self = getAddress(me)
  const skip = getAddress(locker)
  const order = [...new Set([...provers].map((p) => getAddress(p)).concat(self))]
    .filter((p) => p !== skip)
    .map((p) => ({ p, key: solidityPackedKeccak256(['address', 'uint256'], [p, requestId]) }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
  return order.findIndex((o) => o.p === self)
}
