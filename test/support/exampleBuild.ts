import { join, resolve } from 'node:path'
import { compileModel } from '../../src/compile/compileModel.js'
import { setupKeys } from '../../src/setup/setupKeys.js'
import { releaseSnarkjs } from '../../src/snark/snarkjsLogger.js'
import { makeTempDir } from './tempDirs.js'

export const ROOT = resolve(import.meta.dirname, '../..')
export const KEYS_DIR = join(ROOT, 'keys')

export function examplePath(name: string, file: string): string {
  return join(ROOT, 'examples', name, file)
}

/** Compiles a bundled example into a fresh temp folder and, with `setup`, makes its keys (dev ptau cached in keys/). */
export type ExampleName = 'iris' | 'digits' | 'digits_cnn' | 'lenet5' | 'pad_avgpool' | 'residual_cnn' | 'tiny_transformer'

export async function buildExample(
  name: ExampleName,
  { setup = true, bits, weightBits, compile = {} }: { setup?: boolean; bits?: number; weightBits?: number; /** Other compileModel options (input visibility, weights, output signals, salt). */ compile?: Partial<Parameters<typeof compileModel>[0]> } = {},
): Promise<string> {
  const outDir = join(makeTempDir(`glassbox-${name}-`), 'build')
  await compileModel({
    modelPath: examplePath(name, 'model.onnx'),
    calibrationPath: examplePath(name, 'calibration.jsonl'),
    outDir,
    name,
    ...(bits ? { bits } : {}),
    ...(weightBits ? { weightBits } : {}),
    ...compile,
  })
  if (setup) {
    await setupKeys({ buildDir: outDir, keysDir: KEYS_DIR })
    await releaseSnarkjs()
  }
  return outDir
}
