import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
/**
 * Temp folders made by shared test helpers (compiled test circuits, ONNX
 * fixtures, example builds). Each is removed after its test file by the setup
 * file `cleanupTempDirs.ts`: a helper's cache lives for one file (vitest
 * isolates modules per file), and a process 'exit' hook does not run in
 * vitest's worker threads.
 */
const made = new Set();
/** A fresh folder under the OS temp folder, removed when the test file ends. */
export function makeTempDir(prefix) {
    const dir = mkdtempSync(join(tmpdir(), prefix));
    made.add(dir);
    return dir;
}
/** Removes every folder made by {@link makeTempDir} so far. */
export function removeTempDirs() {
    for (const dir of made)
        rmSync(dir, { recursive: true, force: true });
    made.clear();
}
//# sourceMappingURL=tempDirs.js.map