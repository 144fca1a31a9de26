import { rm } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import * as snarkjs from 'snarkjs'
import type { Argv } from 'yargs'
import { readFile } from 'node:fs/promises'
import { buildPaths } from '../../artifacts/buildPaths.js'
import { connectChain } from '../../chain/connectChain.js'
import { deployModel } from '../../chain/deployModel.js'
import { submitToRegistry } from '../../chain/submitToRegistry.js'
import { verifyOnChain } from '../../chain/verifyOnChain.js'
import { compileModel } from '../../compile/compileModel.js'
import { CheckFailedError, ChainError } from '../../errors.js'
import { proveBatch } from '../../prove/proveBatch.js'
import { runFixedPoint } from '../../quantize/runFixedPoint.js'
import { setupKeys } from '../../setup/setupKeys.js'
import { releaseSnarkjs } from '../../snark/snarkjsLogger.js'
import { readProofs } from '../../verify/readProofs.js'
import { verifyProofs } from '../../verify/verifyProofs.js'
import type { GlobalOptions } from '../globalOptions.js'
import { loggerFor } from '../globalOptions.js'
import { printResult, table } from '../output.js'
import { createProgress } from '../progress.js'

const PACKAGE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..')

export function demoCommand(yargs: Argv<GlobalOptions>) {
  return yargs.command(
    'demo',
    'The whole pipeline on a bundled example, with an embedded chain',
    (y) =>
      y
        .option('example', { choices: ['iris', 'digits'] as const, default: 'iris' as const })
        .option('out', { type: 'string', describe: 'build folder (default: build/<example>)' })
        .option('workers', { type: 'number', describe: 'proving workers (default: cores)' })
        .option('keys', { type: 'string', default: 'keys', describe: 'cache folder for dev powers of tau' }),
    async (argv) => {
      const logger = loggerFor(argv)
      const example = join(PACKAGE_ROOT, 'examples', argv.example)
      const buildDir = argv.out ?? join('build', argv.example)
      const step = (n: number, text: string) => logger.info(`\n[${n}/7] ${text}`)
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

      step(3, 'fixed-point inference (no proof)')
      const inputsPath = join(example, 'inputs.jsonl')
      const outputs = await runFixedPoint({ buildDir, inputsPath, outPath: join(buildDir, 'outputs.jsonl') })
      logger.info(`predicted classes: ${outputs.map((o) => `${o.id}→${o.class}`).join(' ')}`)

      const chain = await connectChain({ logger })
      try {
        const prover = await chain.signer.getAddress()
        step(4, `prove ${outputs.length} inferences, bound to prover ${prover}`)
        const proofsPath = join(buildDir, 'proofs.jsonl')
        await rm(proofsPath, { force: true })
        const bar = createProgress('proving', { quiet: argv.quiet || argv.json })
        const proved = await timed('prove', () =>
          proveBatch({ buildDir, inputsPath, outPath: proofsPath, prover, logger, ...(argv.workers ? { workers: argv.workers } : {}), onProgress: (p) => bar.update(p.done + p.failed, p.total ?? outputs.length) }),
        )
        bar.stop()
        if (proved.failures.length) throw new CheckFailedError(`${proved.failures.length} proofs failed.`)

        step(5, 'verify off-chain')
        const offchain = await verifyProofs({ buildDir, proofsPath, logger })
        const offValid = offchain.filter((c) => c.valid).length

        step(6, `deploy the verifier and a registry on the embedded chain (${chain.rpcUrl})`)
        const deployed = await deployModel({ buildDir, signer: chain.signer, logger })
        const records = await readProofs(proofsPath)
        let onValid = 0
        const gas: bigint[] = []
        for (const record of records) {
          if (await verifyOnChain({ provider: chain.provider, verifierAddress: deployed.verifierAddress, proof: record.proof, publicSignals: record.publicSignals })) onValid++
          const submitted = await submitToRegistry({ signer: chain.signer, registryAddress: deployed.registryAddress, modelId: deployed.modelId, proof: record.proof, publicSignals: record.publicSignals })
          gas.push(submitted.gasUsed)
        }

        step(7, 'attacks: a replayed submission and a tampered output must be refused')
        const first = records[0]!
        const replay = await submitToRegistry({ signer: chain.signer, registryAddress: deployed.registryAddress, modelId: deployed.modelId, proof: first.proof, publicSignals: first.publicSignals })
          .then(() => 'ACCEPTED (bug)')
          .catch((e: unknown) => (e instanceof ChainError ? 'refused' : `error: ${String(e)}`))
        const tampered = [...first.publicSignals]
        tampered[0] = (BigInt(tampered[0]!) + 1n).toString()
        const verificationKey = JSON.parse(await readFile(buildPaths(buildDir).verificationKey, 'utf8')) as unknown
        const tamperedOff = await snarkjs.groth16.verify(verificationKey, tampered, first.proof)
        await releaseSnarkjs()
        const tamperedOn = await verifyOnChain({ provider: chain.provider, verifierAddress: deployed.verifierAddress, proof: first.proof, publicSignals: tampered })

        const averageGas = gas.reduce((a, b) => a + b, 0n) / BigInt(Math.max(1, gas.length))
        const summary = {
          example: argv.example,
          constraints: manifest.constraints.total,
          publicSignals: manifest.publicSignals.length,
          proofs: records.length,
          offchainValid: offValid,
          onchainValid: onValid,
          submitGas: averageGas,
          replay,
          tamperedOffchain: tamperedOff ? 'ACCEPTED (bug)' : 'rejected',
          tamperedOnchain: tamperedOn ? 'ACCEPTED (bug)' : 'rejected',
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
                ['compile / setup', `${timings.compile?.toFixed(1)} s / ${timings.setup?.toFixed(1)} s (dev ptau: INSECURE)`],
                ['proofs', `${records.length} in ${proved.seconds.toFixed(1)} s (${summary.proofsPerMinute.toFixed(1)}/min, ${proved.workers} workers)`],
                ['verified off-chain', `${offValid}/${records.length}`],
                ['verified on-chain', `${onValid}/${records.length}`],
                ['registry submit gas', `${averageGas} (mean, from receipts)`],
                ['replayed submission', replay],
                ['tampered output', `off-chain ${summary.tamperedOffchain}, on-chain ${summary.tamperedOnchain}`],
              ],
            ),
            `artifacts in ${buildDir}/ (proofs.jsonl, outputs.jsonl, Verifier.sol, …)`,
          ].join('\n'),
        )
        if (offValid !== records.length || onValid !== records.length || replay !== 'refused' || tamperedOff || tamperedOn) {
          throw new CheckFailedError('The demo found a failed check (see the table above).')
        }
      } finally {
        await chain.close()
      }
    },
  )
}
