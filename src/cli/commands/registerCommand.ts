import type { Argv } from 'yargs'
import { buildPaths } from '../../artifacts/buildPaths.js'
import { readManifest } from '../../artifacts/manifest.js'
import { sha256File } from '../../artifacts/sha256File.js'
import { readDeployment } from '../../chain/deploymentFile.js'
import { registerModel } from '../../chain/registerModel.js'
import { connectMarket } from '../../chain/connectMarket.js'
import { ChainError, InputError } from '../../errors.js'
import { chainOptions, openChain } from '../chainOptions.js'
import type { GlobalOptions } from '../globalOptions.js'
import { loggerFor } from '../globalOptions.js'
import { printResult } from '../output.js'

export function registerCommand(yargs: Argv<GlobalOptions>) {
  return yargs.command(
    'register <build>',
    "Register a deployed verifier of this build (its code is checked), weight sets and artifact pins",
    (y) =>
      chainOptions(y)
        .positional('build', { type: 'string', demandOption: true })
        .option('verifier', { type: 'string', describe: 'the deployed verifier (default: from deployment.json)' })
        .option('registry', { type: 'string', alias: 'market', describe: 'the GlassboxMarket (default: from deployment.json)' })
        .option('weight-set', { type: 'string', array: true, describe: 'committed-weights models: weight commitments to register (default: the build’s own)' })
        .option('artifacts-uri', { type: 'string', describe: 'where the build artifacts can be fetched (recorded with their SHA-256)' }),
    async (argv) => {
      const logger = loggerFor(argv)
      const chain = await openChain(argv, { buildDir: argv.build, logger })
      try {
        const deployment = await readDeployment(argv.build, chain)
        const marketAddress = argv.registry ?? deployment?.market
        const verifierAddress = argv.verifier ?? deployment?.verifier
        if (!marketAddress || !verifierAddress) {
          throw new ChainError(`No market or verifier known for chain ${chain.chainId}.`, { details: `Pass --registry and --verifier, or run glassbox deploy ${argv.build}.` })
        }
        const weightSets = argv.weightSet?.map((w) => {
          if (!/^\d+$/.test(w)) throw new InputError(`--weight-set must be a decimal field element, got "${w}".`)
          return BigInt(w)
        })
        const result = await registerModel({ buildDir: argv.build, chain, marketAddress, verifierAddress, weightSets, logger })
        if (argv.artifactsUri) {
          const manifest = await readManifest(argv.build)
          const pin = (hex: string | undefined) => `0x${hex ?? '00'.repeat(32)}`
          await connectMarket({ address: marketAddress, signer: chain.signer, txTimeoutMs: chain.txTimeoutMs, secretRpcUrls: chain.secretRpcUrls, logger }).setArtifacts(result.modelId, {
            uri: argv.artifactsUri,
            manifestSha256: pin(await sha256File(buildPaths(argv.build).manifest)),
            zkeySha256: pin(manifest.artifacts.zkey),
            wasmSha256: pin(manifest.artifacts.wasm),
          })
        }
        printResult(argv.json, result, () =>
          [
            `model id  ${result.modelId}${result.registered ? ` (registered, ${result.gas.register} gas)` : ' (already registered)'}`,
            `verifier  ${verifierAddress} (code hash ${result.verifierCodehash}, matches ${argv.build}/Verifier.sol)`,
            ...result.weightSets.map((w) => `weights   ${w}`),
            ...(argv.artifactsUri ? [`artifacts ${argv.artifactsUri} (manifest, zkey and wasm pinned by SHA-256)`] : []),
          ].join('\n'),
        )
      } finally {
        await chain.close()
      }
    },
  )
}
