/**
 * Splits circom's generated `circuit.cpp` into several translation units so
 * g++ can compile them in parallel. The file is one flat list of top-level
 * definitions after a prelude (includes, prototypes, two function-pointer
 * tables, a few one-line getters and `release_memory_component`); every
 * definition has external linkage and is declared in the prelude, so each
 * extra unit needs only the includes, the prototypes and `extern`
 * declarations of the tables. Pure: text in, texts out.
 *
 * Returns the file unchanged (one unit) when its layout is not the one this
 * was written against (circom 2.2.x's `--c` output), so a different compiler
 * version costs build time, never correctness.
 */
export function splitCircuitCpp(source: string, parts: number): string[] {
  if (parts <= 1) return [source]
  const lines = source.split('\n')
  const firstTable = lines.findIndex((l) => TABLE.test(l))
  const marker = lines.indexOf('// function declarations')
  if (firstTable < 0 || marker < firstTable) return [source]

  const declarations = lines.slice(0, firstTable).filter((l) => l.startsWith('#include') || /^[A-Za-z_][\w:<>* ]*\([^{}]*\);\s*$/.test(l))
  const externs = lines.slice(firstTable, marker).flatMap((l) => {
    const m = TABLE.exec(l)
    return m ? [`extern ${m[1]} ${m[2]}[${m[3]}];`] : []
  })
  if (externs.length === 0 || !lines.slice(firstTable, marker).some((l) => l.startsWith('void release_memory_component('))) return [source]
  const prelude = [...declarations, ...externs, 'void release_memory_component(Circom_CalcWit* ctx, uint pos);', '']

  const starts = definitionStarts(lines, marker + 1)
  if (starts === undefined || starts.length < 2) return [source]
  const bodyBytes = lines.slice(marker + 1).reduce((n, l) => n + l.length + 1, 0)
  // Cut after the definition that takes the running size past the next multiple of bodyBytes / parts.
  const target = bodyBytes / parts
  const units: string[] = []
  let from = 0 // the current unit's first line (unit 0 starts at the top, with the whole prelude)
  let size = 0
  let cut = 0
  for (let s = 0; s < starts.length; s++) {
    const begin = starts[s]!
    const end = s + 1 < starts.length ? starts[s + 1]! : lines.length
    size += lines.slice(begin, end).reduce((n, l) => n + l.length + 1, 0)
    const last = s + 1 === starts.length
    if (last || (size >= target * (units.length + 1) && units.length < parts - 1)) {
      const body = lines.slice(from, end)
      units.push(units.length === 0 ? body.join('\n') : [...prelude, ...body].join('\n'))
      from = end
      cut = end
    }
  }
  if (cut !== lines.length) return [source]
  return units
}

const TABLE = /^(Circom_TemplateFunction)\s+(\w+)\[(\d+)\]\s*=\s*\{/

/**
 * Line indexes at which a top-level definition starts (brace depth 0), from
 * `from` on; undefined when the braces do not balance (an unexpected layout).
 */
function definitionStarts(lines: string[], from: number): number[] | undefined {
  const starts: number[] = []
  let depth = 0
  for (let i = from; i < lines.length; i++) {
    const line = lines[i]!
    if (depth === 0 && /^[A-Za-z_][\w:<>* ]*\s\w+\([^;]*\)\s*\{\s*$/.test(line)) starts.push(i)
    depth += braceDelta(line)
    if (depth < 0) return undefined
  }
  return depth === 0 ? starts : undefined
}

/** `{` minus `}` on a line, ignoring string and character literals and `//` comments. */
function braceDelta(line: string): number {
  let delta = 0
  let quote: string | undefined
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!
    if (quote) {
      if (c === '\\') i++
      else if (c === quote) quote = undefined
    } else if (c === '"' || c === "'") quote = c
    else if (c === '/' && line[i + 1] === '/') break
    else if (c === '{') delta++
    else if (c === '}') delta--
  }
  return delta
}
