// vitest setup file (vitest.config.ts `setupFiles`): runs in every test file.
import { afterAll } from 'vitest'
import { removeTempDirs } from './tempDirs.js'

afterAll(() => removeTempDirs())
