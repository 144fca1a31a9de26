/**
 * A circom template as the emitter sees it: its name, the file that defines
 * it and its parameters in declaration order. A layer kind instantiates it
 * from an object keyed by parameter name, so the positional order lives in
 * exactly one place (this declaration, which circomTemplate.test.ts checks
 * against the `template Name(...)` line of the circuits/ file) and no
 * emitter assembles argument lists by hand.
 */
export type CircomTemplate<P extends string = string> = {
  /** The template's name in the circom source, e.g. `DenseRescale`. */
  readonly name: string
  /** The circuits/ file that defines it (included by every generated circuit that uses it). */
  readonly file: CircomLibraryFile
  /** Parameter names exactly as the template declares them, in order. */
  readonly parameters: readonly P[]
}

/** The template libraries a generated circuit may include. */
export type CircomLibraryFile = 'glassbox.circom' | 'committed.circom' | 'tensorOps.circom' | 'nonlinear.circom'

/** A reference to a circom variable (e.g. a weight matrix returned by a generated function), not a literal. */
export type CircomVariable = { readonly variable: string }

/** One scalar argument: a number, a BigInt or an integer as a decimal string (how model.json stores constants). */
export type CircomScalar = number | bigint | string

/** A template argument: a scalar, a variable, or an array literal of scalars (written `[a,b,c]`). */
export type CircomValue = CircomScalar | CircomVariable | readonly CircomScalar[]

/** The arguments of a template, by parameter name. */
export type TemplateArguments<P extends string> = { readonly [K in P]: CircomValue }

/** Declares a template of circuits/ with its parameter names (literal types, so arguments are checked by name). */
export function circomTemplate<const P extends string>(name: string, file: CircomLibraryFile, parameters: readonly P[]): CircomTemplate<P> {
  return { name, file, parameters }
}

/** A reference to a circom variable, for a template argument. */
export function circomVariable(variable: string): CircomVariable {
  return { variable }
}

/**
 * The instantiation `Name(a, b, c)` of a template with named arguments.
 * Scalars are written as they are (decimal integers), arrays as `[a,b,c]`.
 */
export function instantiateTemplate<P extends string>(template: CircomTemplate<P>, args: TemplateArguments<P>): string {
  return `${template.name}(${template.parameters.map((p) => renderValue(args[p])).join(', ')})`
}

function renderValue(value: CircomValue): string {
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) return (value as CircomVariable).variable
  if (Array.isArray(value)) {
    // circom's grammar has no `[]`: a template taking an array must be given at least one element.
    if (value.length === 0) throw new Error('circom has no empty array literal: pass a placeholder element to a template argument that may be empty')
    return `[${value.map(String).join(',')}]`
  }
  return String(value)
}

/**
 * The three lines that wire a one-input, one-output component into the main
 * template: declare it, feed it the source signal array, copy its `out`.
 */
export function emitComponent({ component, call, source, target }: { component: string; call: string; source: string; target: string }): string[] {
  return [`    component ${component} = ${call};`, `    ${component}.in <== ${source};`, `    ${target} <== ${component}.out;`]
}

/** A circom function returning a constant (array) value, for constants too large to pass inline. */
export function emitConstantFunction(name: string, value: string): string[] {
  return [`function ${name}() {`, `    return ${value};`, '}']
}
