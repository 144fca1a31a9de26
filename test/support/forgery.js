/**
 * How the soundness tests play the attacker: bit decompositions written the
 * way a cheating prover would, forging only the signals circom kept as wires,
 * and an exhaustive search over every boolean assignment of a gadget's bits.
 */
import { expect } from 'vitest';
/**
 * Sets the named signals that are wires; signals circom eliminated (--O2) are
 * implied by the others. Pair every forgery with a control (honest values for
 * another input than the base witness must pass), so a misspelt name cannot
 * make a rejection vacuous.
 */
export function forgeAs(t, witness, values) {
    return t.forge(witness, Object.fromEntries(Object.entries(values).filter(([name]) => t.hasSignal(name))));
}
/**
 * The bits an attacker writes for v in a width-bit block. When v fits they are
 * its binary digits. When it does not, `carry` keeps the weighted sum equal to
 * v by loading the excess onto the lowest bit (so only a boolean check can
 * object), and `wrap` keeps every bit boolean (v mod 2^width, so the sum breaks).
 */
export function attackerBits(v, width, mode = 'carry') {
    const size = 1n << BigInt(width);
    const low = ((v % size) + size) % size;
    const bits = Array.from({ length: width }, (_, t) => (low >> BigInt(t)) & 1n);
    if (mode === 'carry')
        bits[0] += v - low;
    return bits;
}
/** The sign-offset decomposition of v (v + 2^(width−1)) with its top bit flipped and the sum kept by a carry into bit 0. */
export function flippedSignBits(v, width) {
    const half = 1n << BigInt(width - 1);
    const bits = attackerBits(v + half, width);
    const top = bits[width - 1];
    bits[width - 1] = 1n - top;
    bits[0] += top === 1n ? half : -half;
    return bits;
}
/** Names each bit of a block: `${prefix}[0]`, `${prefix}[1]`, … */
export function bitNames(prefix, width) {
    return Array.from({ length: width }, (_, b) => `${prefix}[${b}]`);
}
/**
 * For every input and every boolean assignment of `bits`, builds the witness
 * the constraints force and checks it: each accepted witness must carry the
 * honest outputs, and there must be exactly one when honest witness generation
 * succeeds, none when it fails.
 */
export async function expectOnlyHonest({ t, inputs, bits, derive, expected }) {
    const base = await t.tryWitness({ in: inputs[0].map(() => 0n) });
    if (!base)
        throw new Error('The all-zero input must have a witness to forge from.');
    for (const x of inputs) {
        const honest = await t.tryWitness({ in: x });
        const want = expected(x);
        if (honest)
            for (const [name, v] of Object.entries(want))
                expect(t.read(honest, name), `honest ${name} for [${x}]`).toBe(v);
        const accepted = new Set();
        for (let mask = 0; mask < 2 ** bits.length; mask++) {
            const values = {};
            x.forEach((v, i) => (values[`main.in[${i}]`] = v));
            bits.forEach((name, i) => (values[name] = BigInt((mask >> i) & 1)));
            Object.assign(values, derive(x, (name) => values[name]));
            const w = forgeAs(t, base, values);
            if (!t.checkConstraints(w).ok)
                continue;
            accepted.add(w.join());
            for (const [name, v] of Object.entries(want))
                expect(t.read(w, name), `accepted ${name} for [${x}]`).toBe(v);
        }
        expect(accepted.size, `accepted witnesses for [${x}]`).toBe(honest ? 1 : 0);
    }
}
/** Every vector of `length` integers in [lo, hi). */
export function grid(length, lo, hi) {
    if (length === 0)
        return [[]];
    return grid(length - 1, lo, hi).flatMap((rest) => Array.from({ length: hi - lo }, (_, i) => [...rest, BigInt(lo + i)]));
}
//# sourceMappingURL=forgery.js.map