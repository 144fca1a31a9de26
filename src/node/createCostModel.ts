export type CreateCostModelParameters = {
  /** What a second of proving costs this node, in wei. */
  pricePerSecond: bigint
  /** The least it takes for any request, in wei (before gas). */
  priceFloor: bigint
  /** Weight of the newest measurement in the moving average (default 0.3). */
  smoothing?: number | undefined
  /** Gas of a lock plus an in-time fulfil before any is measured (default 400k: see the README's gas table). */
  initialLifecycleGas?: bigint | undefined
}

export type CostModel = {
  /** Records a proof's measured witness + proof time (ms) for a model. */
  observeProof(modelId: string, ms: number): void
  /** Records the gas a lock + fulfil of a model used (from receipts). */
  observeGas(modelId: string, gas: bigint): void
  /** Seconds a proof of this model takes (moving average; undefined before any measurement). */
  secondsPerProof(modelId: string): number | undefined
  /** Gas of one request's lock + fulfil (moving average). */
  lifecycleGas(modelId: string): bigint
  /**
   * What answering one request costs this node, in wei: max(floor, price per second × seconds
   * per proof), plus the lifecycle gas at `gasPrice`.
   */
  cost(modelId: string, gasPrice: bigint): bigint
}

export type CreateCostModelReturnType = CostModel

/**
 * The node's own cost of a request, from what it measures: proving time (seeded by a
 * calibration proof at start-up, then an exponential moving average over real proofs) and the
 * gas its transactions used. Pure: no clock, no chain.
 *
 * @example
 * ```ts
 * const costs = createCostModel({ pricePerSecond: 10n ** 12n, priceFloor: 10n ** 14n })
 * costs.observeProof(modelId, 420)
 * costs.cost(modelId, 10n ** 9n) // 10^14 + 400k × 1 gwei
 * ```
 */
export function createCostModel({ pricePerSecond, priceFloor, smoothing = 0.3, initialLifecycleGas = 400_000n }: CreateCostModelParameters): CreateCostModelReturnType {
  const seconds = new Map<string, number>()
  const gas = new Map<string, number>()
  const average = (map: Map<string, number>, key: string, value: number) => {
    const previous = map.get(key)
    map.set(key, previous === undefined ? value : previous + smoothing * (value - previous))
  }
  const lifecycleGas = (modelId: string) => BigInt(Math.round(gas.get(modelId) ?? Number(initialLifecycleGas)))
  return {
    observeProof: (modelId, ms) => average(seconds, modelId, ms / 1000),
    observeGas: (modelId, used) => average(gas, modelId, Number(used)),
    secondsPerProof: (modelId) => seconds.get(modelId),
    lifecycleGas,
    cost(modelId, gasPrice) {
      // Milli-seconds keep the product in integers.
      const ms = BigInt(Math.ceil((seconds.get(modelId) ?? 0) * 1000))
      const proving = (pricePerSecond * ms + 999n) / 1000n
      return (proving > priceFloor ? proving : priceFloor) + lifecycleGas(modelId) * gasPrice
    },
  }
}
