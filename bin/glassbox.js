#!/usr/bin/env node
// The glassbox CLI. The TypeScript sources are built to dist/ by `npm install` (prepare).
import { main } from '../dist/cli/main.js'

// Exit explicitly: worker pools and snarkjs threads must not keep a finished command alive.
process.exit(await main())
