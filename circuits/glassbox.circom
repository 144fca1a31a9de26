pragma circom 2.1.0;

// glassbox circuit templates.
//
// Conventions
// - Every activation is a signed integer q with -2^(B-1) <= q < 2^(B-1), stored in
//   the field as q mod p (negative values are p - |q|).
// - Constant weights are template parameters: a weighted sum is a linear
//   combination, so it costs no constraint of its own. Constraints go only to
//   the non-linear steps, and one bit decomposition serves the rescale, the
//   range check and the ReLU sign together.
// - Witness values are computed with <-- and every one of them is pinned down by
//   === constraints: nothing here relies on assert() for soundness.
// - All bit widths stay far below 253, so a decomposition into n bits is the
//   unique representation of a value in [0, 2^n) and cannot wrap the field.

include "poseidon.circom";

// Decomposes `value` (a field element) into n bits, constraining each to be 0/1
// and their weighted sum to equal `value`. This proves 0 <= value < 2^n.
// Cost: n + 1 constraints.
template BitsOf(n) {
    assert(n > 0 && n <= 252);
    signal input value;
    signal output bits[n];
    var sum = 0;
    for (var t = 0; t < n; t++) {
        bits[t] <-- (value >> t) & 1;
        bits[t] * (bits[t] - 1) === 0;
        sum += bits[t] * (1 << t);
    }
    sum === value;
}

// Proves -2^(B-1) <= in < 2^(B-1). Cost: B + 1 constraints.
template SignedRange(B) {
    signal input in;
    component bits = BitsOf(B);
    bits.value <== in + (1 << (B - 1));
}

// Shared core of every rescale: given an accumulator `acc` (a linear expression
// of the layer's inputs) at scale 2^(k + s_out), outputs q = floor(acc / 2^k)
// with q range-checked to B signed bits, and optionally relu(q).
//
// One decomposition of acc + 2^(k+B-1) into k + B bits gives all of it:
//   low k bits   = the remainder r, so 0 <= r < 2^k,
//   high B bits  = q + 2^(B-1), so q is in range,
//   the top bit  = 1 exactly when q >= 0 (the ReLU sign).
// Cost: k + B + 2 constraints per value (bits, their sum, the output).
template RescaleOne(k, B, relu) {
    assert(k >= 0 && B >= 2 && k + B <= 252);
    signal input acc;
    signal output out;
    component bits = BitsOf(k + B);
    bits.value <== acc + (1 << (k + B - 1));
    var q = 0;
    for (var t = k; t < k + B; t++) {
        q += bits.bits[t] * (1 << (t - k));
    }
    q -= 1 << (B - 1);
    if (relu == 1) {
        out <== q * bits.bits[k + B - 1];
    } else {
        out <== q;
    }
}

// y[j] = rescale(sum_i W[j][i] * x[i] + b[j]) for a dense (fully connected) layer
// with constant integer weights W and bias b (the bias already carries the
// rounding offset 2^(k-1)). Cost: nOut * (k + B + 2) constraints.
template DenseRescale(nIn, nOut, W, b, k, B, relu) {
    signal input in[nIn];
    signal output out[nOut];
    component rescale[nOut];
    for (var j = 0; j < nOut; j++) {
        var acc = b[j];
        for (var i = 0; i < nIn; i++) {
            acc += W[j][i] * in[i];
        }
        rescale[j] = RescaleOne(k, B, relu);
        rescale[j].acc <== acc;
        out[j] <== rescale[j].out;
    }
}

// y[i] = rescale(A[i] * x[i] + C[i]), elementwise with constant A, C.
// Cost: n * (k + B + 2) constraints.
template AffineRescale(n, A, C, k, B, relu) {
    signal input in[n];
    signal output out[n];
    component rescale[n];
    for (var i = 0; i < n; i++) {
        rescale[i] = RescaleOne(k, B, relu);
        rescale[i].acc <== A[i] * in[i] + C[i];
        out[i] <== rescale[i].out;
    }
}

// y[i] = max(x[i], 0) for values already known to be B-bit signed.
// Cost: n * (B + 2) constraints.
template Relu(n, B) {
    signal input in[n];
    signal output out[n];
    component bits[n];
    for (var i = 0; i < n; i++) {
        bits[i] = BitsOf(B);
        bits[i].value <== in[i] + (1 << (B - 1));
        out[i] <== in[i] * bits[i].bits[B - 1];
    }
}

// Range-checks every input value to B signed bits.
// Cost: n * (B + 1) constraints.
template InputRange(n, B) {
    signal input in[n];
    component range[n];
    for (var i = 0; i < n; i++) {
        range[i] = SignedRange(B);
        range[i].in <== in[i];
    }
}

// index = the first position of the maximum of in[0..n), for B-bit signed inputs.
// A one-hot selector e picks the maximum m = sum e[i] * in[i]; then for every i,
//   m - in[i] - [i < index] >= 0
// (proved by a (B+1)-bit decomposition) says m is at least every value and
// strictly greater than those before the index, so ties go to the first one,
// exactly as the integer evaluator breaks them.
// Cost: n (booleans) + 1 (one-hot) + n (products) + n * (B + 2) + 1.
template ArgMax(n, B) {
    signal input in[n];
    signal output index;

    signal e[n];
    var best = 0;
    for (var i = 1; i < n; i++) {
        // circom compares field elements as signed values in (-p/2, p/2].
        if (in[i] > in[best]) { best = i; }
    }
    var oneHot = 0;
    for (var i = 0; i < n; i++) {
        e[i] <-- i == best ? 1 : 0;
        e[i] * (e[i] - 1) === 0;
        oneHot += e[i];
    }
    oneHot === 1;

    signal picked[n];
    var m = 0;
    for (var i = 0; i < n; i++) {
        picked[i] <== e[i] * in[i];
        m += picked[i];
    }

    component gap[n];
    for (var i = 0; i < n; i++) {
        var after = 0;
        for (var j = i + 1; j < n; j++) {
            after += e[j];
        }
        gap[i] = BitsOf(B + 1);
        gap[i].value <== m - in[i] - after;
    }

    var idx = 0;
    for (var i = 0; i < n; i++) {
        idx += i * e[i];
    }
    index <== idx;
}

// Poseidon hash of n field elements, chained 16 then 15 at a time:
//   h = Poseidon(x[0..16)); h = Poseidon(h, x[16..31)); ...
// (n <= 16 is a single Poseidon(n)). Matches hashInputs() in src/compile.
template InputHash(n) {
    signal input in[n];
    signal output hash;
    var first = n < 16 ? n : 16;
    var rest = n - first;
    var nChunks = (rest + 14) \ 15;
    component head = Poseidon(first);
    for (var i = 0; i < first; i++) {
        head.inputs[i] <== in[i];
    }
    component chain[nChunks];
    var h = head.out;
    for (var c = 0; c < nChunks; c++) {
        var start = first + c * 15;
        var len = n - start < 15 ? n - start : 15;
        chain[c] = Poseidon(len + 1);
        chain[c].inputs[0] <== h;
        for (var i = 0; i < len; i++) {
            chain[c].inputs[i + 1] <== in[start + i];
        }
        h = chain[c].out;
    }
    hash <== h;
}

// Binds the prover's address into the proof: a public input that takes part
// in a constraint, so the proof is valid for that address only. Cost: 1.
template BindProver() {
    signal input prover;
    signal square;
    square <== prover * prover;
}
