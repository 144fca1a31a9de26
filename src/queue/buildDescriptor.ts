/** What a producer publishes about a build so that workers can fetch and check it (`glassbox:build:<vkeySha256>`). */
export type BuildDescriptor = {
  format: 'glassbox/build-descriptor@1'
  vkeySha256: string
  /** The manifest's text, byte for byte, and its SHA-256. */
  manifest: string
  manifestSha256: string
  /** Files a worker needs, by manifest artifact name: file name, SHA-256, size, and whether the bytes are in Redis. */
  files: Record<'model' | 'wasm' | 'zkey', { file: string; sha256: string; bytes: number; published: boolean }>
  /** The producer's build folder: used by workers that see the same path (a shared file system) when every hash matches. */
  sharedPath: string
  publishedAt: string
}
