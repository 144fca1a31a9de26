import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)

/** glassbox's version, from package.json (recorded in every manifest). */
export const GLASSBOX_VERSION: string = (require('../package.json') as { version: string }).version
