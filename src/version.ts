import { readFileSync } from 'node:fs'
import { packagePath } from './packageRoot.js'

/** glassbox's version, from package.json (recorded in every manifest). */
export const GLASSBOX_VERSION: string = (JSON.parse(readFileSync(packagePath('package.json'), 'utf8')) as { version: string }).version
