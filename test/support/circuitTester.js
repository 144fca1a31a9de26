/**
 * A circomkit-style circuit tester for glassbox's templates: compile a small
 * main component, compute witnesses, check them against the R1CS, and forge
 * witnesses to show the constraints (not just the witness generator) reject
 * wrong values. Test support only: keeps compiled circuits in a temp dir for
 * the life of the process.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { WitnessCalculatorBuilder } from 'circom_runtime';
import { expect } from 'vitest';
import { runCircom } from '../../src/compile/runCircom.js';
import { makeTempDir } from './tempDirs.js';
/**
 * Whether a witness-generation error is the circuit's own rejection: circom's
 * wasm reports a failed `===` constraint or `assert` as "Assert Failed."
 * (prefixed with "Error: " when it surfaces through setInputSignal), as
 * circomkit's expectFail checks. Everything else ("Signal not found", "Not
 * enough values for input signal", "Too many values", "Not all inputs have
 * been set", an unreadable wasm) is a mistake of the caller.
 */
export function isCircuitRejection(error) {
    return error instanceof Error && /^(Error: )?Assert Failed\./.test(error.message);
}
let root;
const cache = new Map();
/**
 * Compiles `mainSource` (which may `include "glassbox.circom";`) with circom2,
 * once per source and optimization level in this process.
 */
export function compileTestCircuit(mainSource, { optimization = 2 } = {}) {
    const key = createHash('sha256').update(`O${optimization}\n${mainSource}`).digest('hex').slice(0, 16);
    let tester = cache.get(key);
    if (!tester) {
        tester = build(mainSource, join(testRoot(), key), optimization);
        cache.set(key, tester);
    }
    return tester;
}
function testRoot() {
    if (!root) {
        root = makeTempDir('glassbox-circuit-test-');
    }
    return root;
}
async function build(source, dir, optimization) {
    await runCircom({ source, outDir: dir, optimization });
    return loadCircuitTester(dir);
}
/** A tester over an already compiled circuit folder (circuit.r1cs, circuit.sym, circuit.wasm). */
export async function loadCircuitTester(dir) {
    const [r1csBytes, symText, wasm] = await Promise.all([
        readFile(join(dir, 'circuit.r1cs')),
        readFile(join(dir, 'circuit.sym'), 'utf8'),
        readFile(join(dir, 'circuit.wasm')),
    ]);
    const r1cs = parseR1cs(r1csBytes);
    const p = r1cs.prime;
    const symbols = parseSym(symText);
    const calculator = await WitnessCalculatorBuilder(wasm);
    const toField = (v) => ((BigInt(v) % p) + p) % p;
    const signed = (v) => (v > p / 2n ? v - p : v);
    const signal = (name) => {
        const index = symbols.get(name);
        if (index === undefined)
            throw new Error(`No signal ${name} in ${dir}/circuit.sym.`);
        if (index < 0)
            throw new Error(`Signal ${name} was eliminated by circom's simplification; compile with a lower --O to reach it.`);
        return index;
    };
    const checkConstraints = (witness) => {
        if (witness.length !== r1cs.wires)
            throw new Error(`Witness has ${witness.length} values, the R1CS has ${r1cs.wires} wires.`);
        const dot = (lc) => {
            let sum = 0n;
            for (const [wire, coefficient] of lc)
                sum += coefficient * witness[wire];
            return sum % p;
        };
        const failing = [];
        r1cs.constraints.forEach(([a, b, c], i) => {
            if ((dot(a) * dot(b) - dot(c)) % p !== 0n)
                failing.push(i);
        });
        return { ok: failing.length === 0, failing };
    };
    const witness = (input) => calculator.calculateWitness(input, true);
    const tryWitness = async (input) => {
        // circom_runtime prints the failed assertion before throwing; the throw is what we test.
        const error = console.error;
        console.error = () => { };
        try {
            return await witness(input);
        }
        catch (cause) {
            if (isCircuitRejection(cause))
                return undefined;
            throw cause;
        }
        finally {
            console.error = error;
        }
    };
    const read = (w, name) => signed(w[signal(name)]);
    return {
        dir,
        r1cs,
        constraintCount: r1cs.constraints.length,
        witness,
        tryWitness,
        async expectPass(input, expected = {}) {
            const w = await witness(input);
            expect(checkConstraints(w).failing).toEqual([]);
            for (const [name, value] of Object.entries(expected))
                expect(read(w, name), name).toBe(signed(toField(value)));
            return w;
        },
        async expectFail(input) {
            const error = console.error;
            console.error = () => { };
            try {
                await witness(input);
            }
            catch (cause) {
                if (isCircuitRejection(cause))
                    return cause.message;
                throw cause;
            }
            finally {
                console.error = error;
            }
            throw new Error(`The circuit in ${dir} accepted an input it should reject: ${JSON.stringify(input, (_k, v) => (typeof v === 'bigint' ? v.toString() : v))}`);
        },
        checkConstraints,
        signal,
        hasSignal: (name) => (symbols.get(name) ?? -1) >= 0,
        read,
        forge(w, values) {
            const copy = [...w];
            for (const [name, value] of Object.entries(values))
                copy[signal(name)] = toField(value);
            return copy;
        },
    };
}
/** Parses a circom `.r1cs` file (iden3 "r1cs" format v1): header and constraints sections. */
export function parseR1cs(bytes) {
    if (bytes.toString('latin1', 0, 4) !== 'r1cs')
        throw new Error('Not an R1CS file.');
    const sections = new Map();
    let offset = 12;
    for (let s = 0, count = bytes.readUInt32LE(8); s < count; s++) {
        const type = bytes.readUInt32LE(offset);
        const length = Number(bytes.readBigUInt64LE(offset + 4));
        sections.set(type, offset + 12);
        offset += 12 + length;
    }
    const header = sections.get(1);
    const body = sections.get(2);
    if (header === undefined || body === undefined)
        throw new Error('R1CS file lacks a header or constraints section.');
    const n8 = bytes.readUInt32LE(header);
    const readField = (at) => {
        let v = 0n;
        for (let i = n8 - 1; i >= 0; i--)
            v = (v << 8n) | BigInt(bytes[at + i]);
        return v;
    };
    const prime = readField(header + 4);
    const at = header + 4 + n8;
    const nConstraints = bytes.readUInt32LE(at + 24);
    const constraints = [];
    let cursor = body;
    const readLinearCombination = () => {
        const lc = new Map();
        const factors = bytes.readUInt32LE(cursor);
        cursor += 4;
        for (let f = 0; f < factors; f++) {
            lc.set(bytes.readUInt32LE(cursor), readField(cursor + 4));
            cursor += 4 + n8;
        }
        return lc;
    };
    for (let i = 0; i < nConstraints; i++)
        constraints.push([readLinearCombination(), readLinearCombination(), readLinearCombination()]);
    return {
        prime,
        wires: bytes.readUInt32LE(at),
        publicOutputs: bytes.readUInt32LE(at + 4),
        publicInputs: bytes.readUInt32LE(at + 8),
        privateInputs: bytes.readUInt32LE(at + 12),
        constraints,
    };
}
/** `.sym` lines are `labelIdx,witnessIdx,componentIdx,name`; witnessIdx −1 marks an eliminated signal. */
function parseSym(text) {
    const symbols = new Map();
    for (const line of text.split('\n')) {
        const parts = line.split(',');
        if (parts.length >= 4)
            symbols.set(parts.slice(3).join(','), Number(parts[1]));
    }
    return symbols;
}
//# sourceMappingURL=circuitTester.js.map