/** Signal values as circom_runtime takes them: signed integers are mapped into the field. */
export type CircuitInputValue = bigint | number | string | CircuitInputValue[];
export type CircuitInputSignals = Record<string, CircuitInputValue>;
export type R1csConstraint = [a: Map<number, bigint>, b: Map<number, bigint>, c: Map<number, bigint>];
export type R1cs = {
    prime: bigint;
    wires: number;
    publicOutputs: number;
    publicInputs: number;
    privateInputs: number;
    constraints: R1csConstraint[];
};
export type CircuitTester = {
    /** Folder holding circuit.r1cs, circuit.sym and circuit.wasm. */
    dir: string;
    r1cs: R1cs;
    /** Number of constraints in the compiled R1CS. */
    constraintCount: number;
    /** Full witness (index 0 is the constant 1). Rejects when an `===` or assert fails. */
    witness(input: CircuitInputSignals): Promise<bigint[]>;
    /**
     * The witness, or undefined when the circuit itself rejects the input (a
     * failed `===` or assert). Any other error (a misspelt or missing input
     * signal, a wrong number of values, a broken wasm) is rethrown: it says the
     * test is wrong, not that the circuit refused.
     */
    tryWitness(input: CircuitInputSignals): Promise<bigint[] | undefined>;
    /** Computes the witness, checks every constraint and any expected signal values (signed). */
    expectPass(input: CircuitInputSignals, expected?: Record<string, bigint | number>): Promise<bigint[]>;
    /** The circuit itself must reject the input (see {@link isCircuitRejection}); returns circom's message. Any other error fails the test. */
    expectFail(input: CircuitInputSignals): Promise<string>;
    checkConstraints(witness: readonly bigint[]): {
        ok: boolean;
        failing: number[];
    };
    /** Witness index of a signal by its .sym name, e.g. `main.rescale.bits.bits[3]`. */
    signal(name: string): number;
    /** Whether the signal survived circom's simplification (has a witness index). */
    hasSignal(name: string): boolean;
    /** A signal's value in a witness, as a signed integer in (−p/2, p/2]. */
    read(witness: readonly bigint[], name: string): bigint;
    /** A copy of the witness with the named signals replaced (negative values mapped into the field). */
    forge(witness: readonly bigint[], values: Record<string, bigint | number>): bigint[];
};
/**
 * Whether a witness-generation error is the circuit's own rejection: circom's
 * wasm reports a failed `===` constraint or `assert` as "Assert Failed."
 * (prefixed with "Error: " when it surfaces through setInputSignal), as
 * circomkit's expectFail checks. Everything else ("Signal not found", "Not
 * enough values for input signal", "Too many values", "Not all inputs have
 * been set", an unreadable wasm) is a mistake of the caller.
 */
export declare function isCircuitRejection(error: unknown): boolean;
/**
 * Compiles `mainSource` (which may `include "glassbox.circom";`) with circom2,
 * once per source and optimization level in this process.
 */
export declare function compileTestCircuit(mainSource: string, { optimization }?: {
    optimization?: 0 | 1 | 2;
}): Promise<CircuitTester>;
/** A tester over an already compiled circuit folder (circuit.r1cs, circuit.sym, circuit.wasm). */
export declare function loadCircuitTester(dir: string): Promise<CircuitTester>;
/** Parses a circom `.r1cs` file (iden3 "r1cs" format v1): header and constraints sections. */
export declare function parseR1cs(bytes: Buffer): R1cs;
