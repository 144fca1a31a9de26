import type { Argv } from 'yargs'
import { CheckFailedError } from '../../errors.js'
import { verifyProofs } from '../../verify/verifyProofs.js'
import { readManifest } from '../../artifacts/manifest.js'
import { readWeightSetFor } from '../../weights/readWeightSetFor.js'
import type { VerifyProofsOnChainReturnType } from '../../verify/verifyProofsOnChain.js'
import type { GlobalOptions } from '../globalOptions.js'
import { loggerFor } from '../globalOptions.js'
import { printResult } from '../output.js'
import { createProgress } from '../progress.js'

export function verifyCommand(yargs: Argv<GlobalOptions>) {
  return yargs.command(
    'verify <build>',
    'Verify a proofs file off-chain, and with --onchain on a chain',
    (y) =>
      y
        .positional('build', { type: 'string', demandOption: true })
        .option('proofs', { type: 'string', demandOption: true })
        .option('onchain', { type: 'boolean', default: false, describe: 'also verify with the Solidity verifier on a chain' })
        .option('rpc', { type: 'string', describe: 'JSON-RPC URL (default: an embedded anvil on 127.0.0.1)' })
        .option('chain-id', { type: 'number', describe: 'chain id the node must report (required with --rpc to another machine)' })
        .option('insecure', { type: 'boolean', default: false, describe: 'allow plain http:// to another machine' })
        .option('verifier', { type: 'string', describe: 'address of an already deployed verifier (its code must be this build’s Verifier.sol)' })
        .option('measure-gas', { type: 'boolean', describe: 'send one verifying transaction to measure its gas (default: only on the embedded chain)' })
        .option('weights', { type: 'string', describe: 'committed-weights builds: accept only proofs made with this weight-set file' })
        .option('verifier-backend', { choices: ['auto', 'native', 'snarkjs'] as const, default: 'auto' as const, describe: 'Groth16 verifier for the off-chain check: the native addon (auto, when built) or snarkjs' })
        .option('inputs', { type: 'string', describe: 'inputs.jsonl (with each salted input\'s "salt"): check every proof is about its input, re-deriving the input hash' }),
    async (argv) => {
      const logger = loggerFor(argv)
      const quiet = argv.quiet || argv.json
      const offProgress = createProgress('verifying off-chain', { quiet })
      const weightsCommitment = argv.weights ? (await readWeightSetFor(argv.build, await readManifest(argv.build), argv.weights)).commitment : undefined
      const offchain = await verifyProofs({
        buildDir: argv.build,
        proofsPath: argv.proofs,
        ...(weightsCommitment ? { weightsCommitment } : {}),
        verifierBackend: argv['verifier-backend'],
        ...(argv.inputs ? { inputsPath: argv.inputs } : {}),
        logger,
        onProgress: (d, t) => offProgress.update(d, t),
      })
      offProgress.stop()
      let onchain: VerifyProofsOnChainReturnType | undefined
      if (argv.onchain) {
        const onProgress = createProgress('verifying on-chain', { quiet })
        // Imported only for --onchain: ethers and solc take a while to load.
        const { verifyProofsOnChain } = await import('../../verify/verifyProofsOnChain.js')
        onchain = await verifyProofsOnChain({
          buildDir: argv.build,
          proofsPath: argv.proofs,
          rpcUrl: argv.rpc,
          chainId: argv.chainId,
          insecure: argv.insecure,
          verifierAddress: argv.verifier,
          measureGas: argv.measureGas,
          logger,
          onProgress: (d, t) => onProgress.update(d, t),
        })
        onProgress.stop()
      }
      const offValid = offchain.filter((c) => c.valid).length
      const onValid = onchain?.checks.filter((c) => c.valid).length
      printResult(argv.json, { offchain, onchain }, () =>
        [
          `off-chain: ${offValid}/${offchain.length} valid`,
          ...(onchain
            ? [`on-chain (${onchain.rpcUrl}, verifier ${onchain.verifierAddress}): ${onValid}/${onchain.checks.length} valid${onchain.verificationGas !== undefined ? `; a verifying transaction uses ${onchain.verificationGas} gas` : ''}`]
            : []),
        ].join('\n'),
      )
      const bad = offchain.filter((c) => !c.valid).map((c) => `${c.id} (off-chain: ${c.problems.join('; ')})`)
      for (const c of onchain?.checks ?? []) if (!c.valid) bad.push(`${c.id} (on-chain: ${c.problems.join('; ')})`)
      if (bad.length) throw new CheckFailedError(`${bad.length} proof check(s) failed.`, { details: bad.slice(0, 10).join('\n') })
    },
  )
}
