/** A fresh folder under the OS temp folder, removed when the test file ends. */
export declare function makeTempDir(prefix: string): string;
/** Removes every folder made by {@link makeTempDir} so far. */
export declare function removeTempDirs(): void;
