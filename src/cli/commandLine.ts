/**
 * The command line as it may be printed: URLs keep their scheme, host and port only (an RPC
 * or Redis URL can carry credentials or an API key in its user info, path or query).
 */
export function redactSecrets(argv: readonly string[]): string[] {
  return argv.map((arg) =>
    arg.replace(/\b([a-z][a-z0-9+.-]*:\/\/)([^/\s?#]*)([^\s]*)/gi, (_all, scheme: string, authority: string, rest: string) => {
      const host = authority.includes('@') ? `…@${authority.slice(authority.lastIndexOf('@') + 1)}` : authority
      return `${scheme}${host}${rest && rest !== '/' ? '/…' : ''}`
    }),
  )
}

/** The glassbox command line as a user can paste it back into a shell, secrets redacted. */
export function printableCommand(argv: readonly string[]): string {
  return `glassbox ${redactSecrets(argv).map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ')}`
}
