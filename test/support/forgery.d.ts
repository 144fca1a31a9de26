import type { CircuitTester } from './circuitTester.js';
export type Signals = Record<string, bigint>;
/**
 * Sets the named signals that are wires; signals circom eliminated (--O2) are
 * implied by the others. Pair every forgery with a control (honest values for
 * another input than the base witness must pass), so a misspelt name cannot
 * make a rejection vacuous.
 */
export declare function forgeAs(t: CircuitTester, witness: readonly bigint[], values: Signals): bigint[];
/**
 * The bits an attacker writes for v in a width-bit block. When v fits they are
 * its binary digits. When it does not, `carry` keeps the weighted sum equal to
 * v by loading the excess onto the lowest bit (so only a boolean check can
 * object), and `wrap` keeps every bit boolean (v mod 2^width, so the sum breaks).
 */
export declare function attackerBits(v: bigint, width: number, mode?: 'carry' | 'wrap'): bigint[];
/** The sign-offset decomposition of v (v + 2^(width−1)) with its top bit flipped and the sum kept by a carry into bit 0. */
export declare function flippedSignBits(v: bigint, width: number): bigint[];
/** Names each bit of a block: `${prefix}[0]`, `${prefix}[1]`, … */
export declare function bitNames(prefix: string, width: number): string[];
export type ExhaustiveSearch = {
    t: CircuitTester;
    /** Values of main.in to try, honest-witness-able or not. */
    inputs: bigint[][];
    /** The bit signals to enumerate over {0, 1}. */
    bits: string[];
    /** The remaining signals (products, outputs) as the constraints force them from the input and bits. */
    derive: (x: bigint[], bit: (name: string) => bigint) => Signals;
    /** The honest outputs for x (from the TypeScript reference). */
    expected: (x: bigint[]) => Signals;
};
/**
 * For every input and every boolean assignment of `bits`, builds the witness
 * the constraints force and checks it: each accepted witness must carry the
 * honest outputs, and there must be exactly one when honest witness generation
 * succeeds, none when it fails.
 */
export declare function expectOnlyHonest({ t, inputs, bits, derive, expected }: ExhaustiveSearch): Promise<void>;
/** Every vector of `length` integers in [lo, hi). */
export declare function grid(length: number, lo: number, hi: number): bigint[][];
