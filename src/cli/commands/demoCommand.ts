import { readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Argv } from 'yargs'
import { packagePath } from '../../packageRoot.js'
import { connectChain } from '../../chain/connectChain.js'
import { connectMarket } from '../../chain/connectMarket.js'
import { deployModel } from '../../chain/deployModel.js'
import { embeddedStatePath } from '../../chain/deploymentFile.js'
import { proofWords } from '../../chain/proofWords.js'
import { readRequest } from '../../chain/readRequest.js'
import { MarketRefusalError } from '../../chain/sendMarketTransaction.js'
import { compileModel } from '../../compile/compileModel.js'
import { CheckFailedError } from '../../errors.js'
import { readInputs } from '../../io/readInputs.js'
import { openMarketModel } from '../../market/marketContext.js'
import { requestInference } from '../../market/requestInference.js'
import { verifyRequestInput } from '../../market/verifyRequestInput.js'
import { proveBatch } from '../../prove/proveBatch.js'
import { dequantizeInput } from '../../quantize/quantizeInput.js'
import { runFixedPoint } from '../../quantize/runFixedPoint.js'
import { setupKeys } from '../../setup/setupKeys.js'
import { releaseSnarkjs } from '../../snark/snarkjsLogger.js'
import { readProofs } from '../../verify/readProofs.js'
import { verifyProofs } from '../../verify/verifyProofs.js'
import type { GlobalOptions } from '../globalOptions.js'
import { loggerFor } from '../globalOptions.js'
import { checkIntegerOptions } from '../optionChecks.js'
import { printResult, table } from '../output.js'
import { createProgress } from '../progress.js'

const STEPS = 9

export function demoCommand(yargs: Argv<GlobalOptions>) {
  return yargs.command(
    'demo',
    'The whole pipeline on a bundled example, with an embedded chain and its proving market',
    (y) =>
      y
        .option('example', { choices: ['iris', 'digits'] as const, default: 'iris' as const })
        .option('out', { type: 'string', describe: 'build folder (default: build/<example>)' })
        .option('workers', { type: 'number', describe: 'proving workers (default: cores)' })
        .option('keys', { type: 'string', default: 'keys', describe: 'cache folder for dev powers of tau' })
        .check((argv) => checkIntegerOptions(argv, { workers: { min: 1 } })),
    async (argv) => {
      const logger = loggerFor(argv)
      const example = packagePath('examples', argv.example)
      const buildDir = argv.out ?? join('build', argv.example)
      const step = (n: number, text: string) => logger.info(`\n[${n}/${STEPS}] ${text}`)
      const timings: Record<string, number> = {}
      const timed = async <T>(name: string, work: () => Promise<T>): Promise<T> => {
        const started = Date.now()
        try {
          return await work()
        } finally {
          timings[name] = (Date.now() - started) / 1000
        }
      }

      step(1, `compile ${argv.example}/model.onnx → ${buildDir}`)
      const { manifest } = await timed('compile', () =>
        compileModel({ modelPath: join(example, 'model.onnx'), calibrationPath: join(example, 'calibration.jsonl'), outDir: buildDir, name: argv.example, logger }),
      )
      step(2, 'Groth16 setup')
      await timed('setup', () => setupKeys({ buildDir, keysDir: argv.keys, logger }))
      await releaseSnarkjs()
      const inputsPath = join(example, 'inputs.jsonl')
      const outputs = await runFixedPoint({ buildDir, inputsPath, outPath: join(buildDir, 'outputs.jsonl') })
      logger.info(`fixed-point inference (no proof): ${outputs.map((o) => `${o.id}→${o.class}`).join(' ')}`)

      // A fresh embedded chain whose state stays in the build folder, so `glassbox status` and the
      // other market commands can look at it after the demo.
      await rm(embeddedStatePath(buildDir), { force: true })
      await rm(join(buildDir, 'deployment.json'), { force: true })
      const chain = await connectChain({ anvil: { args: ['--state', embeddedStatePath(buildDir)] }, logger })
      try {
        const prover = chain.signer
        const proverAddress = await prover.getAddress()
        const requester = await chain.provider.getSigner(1)
        const thief = await chain.provider.getSigner(2)

        step(3, `deploy the market and the verifier, register the model (embedded chain ${chain.rpcUrl})`)
        const deployed = await deployModel({ buildDir, chain, logger })

        const inputs = await readInputs(inputsPath, { expectedLength: manifest.input.shape.reduce((a, b) => a * b, 1), shapeDescription: `[${manifest.input.shape.join(', ')}]` })
        step(4, `${inputs.length} requests by ${await requester.getAddress()}, each carrying its input`)
        const price = 10n ** 15n
        const requests = []
        for (const { input } of inputs) {
          requests.push(await requestInference({ buildDir, chain: { ...chain, signer: requester }, input, maxPrice: price, minPrice: price / 2n, rampSeconds: 60n, collateral: price / 2n, logger }))
        }

        step(5, `prover ${proverAddress} stakes, checks each input against its hash, and locks`)
        const { model, layout, market, dev } = await openMarketModel({ buildDir, chain, logger })
        if (dev) logger.warn('the model is marked DEV on-chain (dev powers of tau): fine for a demo, never for real payments')
        const staked = (price / 2n) * BigInt(requests.length)
        await market.deposit(staked)
        const decoded: { id: string; input: number[] }[] = []
        const lockGas: bigint[] = []
        for (const { requestId } of requests) {
          const onChain = await readRequest({ market, requestId })
          const values = await verifyRequestInput(onChain, model)
          decoded.push({ id: `request-${requestId}`, input: dequantizeInput(model, values) })
          lockGas.push((await market.lock(requestId, onChain.terms)).gasUsed)
        }

        step(6, `prove the ${decoded.length} locked inputs (read from the chain), bound to the prover`)
        const requestInputs = join(buildDir, 'request-inputs.jsonl')
        const proofsPath = join(buildDir, 'proofs.jsonl')
        await writeFile(requestInputs, decoded.map((d) => JSON.stringify(d)).join('\n') + '\n')
        await rm(proofsPath, { force: true })
        const bar = createProgress('proving', { quiet: argv.quiet || argv.json })
        const proved = await timed('prove', () =>
          proveBatch({ buildDir, inputsPath: requestInputs, outPath: proofsPath, prover: proverAddress, logger, ...(argv.workers ? { workers: argv.workers } : {}), onProgress: (p) => bar.update(p.done + p.failed, p.total ?? decoded.length) }),
        )
        bar.stop()
        if (proved.failures.length) throw new CheckFailedError(`${proved.failures.length} proofs failed.`)
        const offchain = await verifyProofs({ buildDir, proofsPath, logger })
        const offValid = offchain.filter((c) => c.valid).length

        step(7, 'fulfil every request with its proof, then withdraw')
        const records = new Map((await readProofs(proofsPath)).map((r) => [r.id, r]))
        const fulfilGas: bigint[] = []
        let fulfilled = 0
        for (const { requestId, terms } of requests) {
          const record = records.get(`request-${requestId}`)!
          const { proof, publicSignals } = proofWords(record.proof, record.publicSignals)
          const tx = await market.fulfil(requestId, terms, proof, layout.freeIndices.map((i) => publicSignals[i]!))
          fulfilGas.push(tx.gasUsed)
          fulfilled++
        }
        // Provers are paid into their free stake (with their collateral back): take it all out.
        const owed = (await market.stakeOf(proverAddress)).free
        const withdrawn = { ...(await market.withdrawStake(owed, proverAddress)), amount: owed }

        step(8, 'attacks: each must be refused by the market, by name')
        const refusedBy = async (work: () => Promise<unknown>) => {
          try {
            await work()
            return 'ACCEPTED (bug)'
          } catch (error) {
            return error instanceof MarketRefusalError ? `refused: ${error.errorName}` : `error: ${error instanceof Error ? error.message : String(error)}`
          }
        }
        const first = requests[0]!
        const firstRecord = records.get(`request-${first.requestId}`)!
        const firstProof = proofWords(firstRecord.proof, firstRecord.publicSignals)
        const firstOutputs = layout.freeIndices.map((i) => firstProof.publicSignals[i]!)
        const replay = await refusedBy(() => market.fulfil(first.requestId, first.terms, firstProof.proof, firstOutputs))
        const again = await requestInference({ buildDir, chain: { ...chain, signer: requester }, input: inputs[0]!.input, maxPrice: price, collateral: price / 2n, logger })
        await market.deposit(price / 2n)
        await market.lock(again.requestId, again.terms)
        const tampered = [...firstOutputs]
        tampered[0] = tampered[0]! + 1n
        const tamperedOutput = await refusedBy(() => market.fulfil(again.requestId, again.terms, firstProof.proof, tampered))
        const thiefMarket = connectMarket({ address: market.address, signer: thief, txTimeoutMs: chain.txTimeoutMs, logger })
        const stolen = await refusedBy(() => thiefMarket.fulfil(again.requestId, again.terms, firstProof.proof, firstOutputs))
        const cancelLocked = await refusedBy(() => connectMarket({ address: market.address, signer: requester, logger }).cancel(again.requestId, again.terms))
        // The same statement again (same input, same prover): the cheap path, no second pairing.
        const cached = await market.fulfil(again.requestId, again.terms, firstProof.proof, firstOutputs)

        step(9, 'summary')
        const mean = (xs: bigint[]) => xs.reduce((a, b) => a + b, 0n) / BigInt(Math.max(1, xs.length))
        const summary = {
          example: argv.example,
          constraints: manifest.constraints.total,
          publicSignals: manifest.publicSignals.length,
          market: deployed.marketAddress,
          modelId: deployed.modelId,
          requests: requests.length,
          offchainValid: offValid,
          fulfilled,
          earnedByProver: owed - staked,
          withdrawn: withdrawn.amount,
          gas: { request: mean(requests.map((r) => r.gasUsed)), lock: mean(lockGas), fulfil: mean(fulfilGas), fulfilCached: cached.gasUsed, withdraw: withdrawn.gasUsed },
          attacks: { replay, tamperedOutput, stolenProof: stolen, cancelLocked },
          seconds: timings,
          proofsPerMinute: proved.seconds > 0 ? (proved.proven / proved.seconds) * 60 : 0,
        }
        printResult(argv.json, summary, () =>
          [
            '',
            table(
              ['step', 'result'],
              [
                ['circuit', `${summary.constraints} constraints, ${summary.publicSignals} public signals`],
                ['compile / setup', `${timings.compile?.toFixed(1)} s / ${timings.setup?.toFixed(1)} s (dev ptau: INSECURE, marked on-chain)`],
                ['market / model', `${deployed.marketAddress} / ${deployed.modelId.slice(0, 18)}…`],
                ['requests → locks', `${requests.length} posted with their inputs, ${lockGas.length} locked after checking each input hash`],
                ['proofs', `${proved.proven} in ${proved.seconds.toFixed(1)} s (${summary.proofsPerMinute.toFixed(1)}/min, ${proved.workers} workers), ${offValid} valid off-chain`],
                ['fulfilled', `${fulfilled}/${requests.length}; earned ${owed - staked} wei, withdrawn with the stake: ${withdrawn.amount} wei`],
                ['gas (receipts)', `request ${summary.gas.request}, lock ${summary.gas.lock}, fulfil ${summary.gas.fulfil}, cached fulfil ${summary.gas.fulfilCached}`],
                ['replayed fulfilment', replay],
                ['tampered output', tamperedOutput],
                ['proof sent by another account', stolen],
                ['cancel of a locked request', cancelLocked],
              ],
            ),
            `artifacts in ${buildDir}/ (proofs.jsonl, Verifier.sol, Verifier.abi.json, deployment.json, anvil-state.json); try: glassbox status 1 --build ${buildDir}`,
          ].join('\n'),
        )
        const refusedAll = [replay, tamperedOutput, stolen, cancelLocked].every((r) => r.startsWith('refused'))
        if (offValid !== proved.proven || fulfilled !== requests.length || withdrawn.amount !== owed || !refusedAll) {
          throw new CheckFailedError('The demo found a failed check (see the table above).')
        }
      } finally {
        await chain.close()
      }
      await readFile(embeddedStatePath(buildDir)).catch(() => logger.warn('the embedded chain did not save its state'))
    },
  )
}
