pragma circom 2.1.0;

// glassbox templates for layers over two computed tensors: elementwise
// add/sub/mul (residual connections, gates) and the matrix product of two
// activations (attention). Self-contained: a generated circuit includes it
// when one of its layer kinds (src/layers/binary.ts, matmul.ts) uses these
// templates. The conventions of glassbox.circom hold (signed B-bit values as
// field elements, every <-- pinned by ===, no decomposition wider than 252 bits).
//
// Every output ends in the same proven rescale as RescaleOne: one
// decomposition of acc + 2^(k+B-1) into k + B boolean bits, whose low k bits
// are the remainder (0 <= r < 2^k), whose high B bits are q + 2^(B-1) (so the
// quotient q = floor(acc / 2^k) is range-checked to B signed bits), and whose
// top bit is the ReLU sign. The accumulator `acc` already carries the
// rounding offset 2^(k-1). The decomposition is written against acc inline,
// so acc never becomes a signal of its own; for a product, the constraint
// "bits sum to acc" is itself the quadratic constraint a * b.
// checkFixedPointWidths (through each layer kind's checkWidths) refuses a model
// whose |acc| could exceed 2^251 before any circom is emitted, so acc + 2^(k+B-1)
// never wraps the field and the decomposition is the integer one.

// out[i] = rescale(a[i] * 2^upA + sign * b[i] * 2^upB + offset), sign = +1 (add) or -1 (sub).
// The upshifts align the two inputs' scales (free: constant factors).
// Cost: n * (k + B + 2) constraints at --O1; n * (k + B) after --O2 (+ n with ReLU).
template AddRescale(n, upA, upB, negate, offset, k, B, relu) {
    assert(k >= 0 && B >= 2 && k + B <= 252);
    assert(upA >= 0 && upB >= 0 && (negate == 0 || negate == 1));
    signal input a[n];
    signal input b[n];
    signal output out[n];
    signal bits[n][k + B];
    var sign = negate == 1 ? -1 : 1;
    for (var i = 0; i < n; i++) {
        var acc = a[i] * (1 << upA) + sign * b[i] * (1 << upB) + offset;
        var sum = 0;
        for (var t = 0; t < k + B; t++) {
            bits[i][t] <-- ((acc + (1 << (k + B - 1))) >> t) & 1;
            bits[i][t] * (bits[i][t] - 1) === 0;
            sum += bits[i][t] * (1 << t);
        }
        sum === acc + (1 << (k + B - 1));
        var q = 0;
        for (var t = k; t < k + B; t++) {
            q += bits[i][t] * (1 << (t - k));
        }
        q -= 1 << (B - 1);
        if (relu == 1) {
            out[i] <== q * bits[i][k + B - 1];
        } else {
            out[i] <== q;
        }
    }
}

// out[i] = rescale(a[i] * b[i] + offset). The decomposition's sum equals the
// product: one quadratic constraint per output does both.
// Cost: n * (k + B + 2) constraints at --O1; n * (k + B + 1) after --O2 (+ n with ReLU).
template MulRescale(n, offset, k, B, relu) {
    assert(k >= 0 && B >= 2 && k + B <= 252);
    signal input a[n];
    signal input b[n];
    signal output out[n];
    signal bits[n][k + B];
    for (var i = 0; i < n; i++) {
        var sum = 0;
        for (var t = 0; t < k + B; t++) {
            bits[i][t] <-- ((a[i] * b[i] + offset + (1 << (k + B - 1))) >> t) & 1;
            bits[i][t] * (bits[i][t] - 1) === 0;
            sum += bits[i][t] * (1 << t);
        }
        a[i] * b[i] === sum - offset - (1 << (k + B - 1));
        var q = 0;
        for (var t = k; t < k + B; t++) {
            q += bits[i][t] * (1 << (t - k));
        }
        q -= 1 << (B - 1);
        if (relu == 1) {
            out[i] <== q * bits[i][k + B - 1];
        } else {
            out[i] <== q;
        }
    }
}

// out[i][j] = rescale(sum_l a[i][l] * b[l][j] + offset) for one m x K by
// K x n product of signals. The first K - 1 products of each output are
// signals (one constraint each); the last one is the decomposition's own
// quadratic constraint.
// Cost: m * n * (K - 1 + k + B + 2) at --O1; m * n * (K - 1 + k + B + 1) after --O2 (+ m * n with ReLU).
template MatMulRescale(m, K, n, offset, k, B, relu) {
    assert(k >= 0 && B >= 2 && k + B <= 252 && K >= 1);
    signal input a[m][K];
    signal input b[K][n];
    signal output out[m][n];
    signal products[m][n][K > 1 ? K - 1 : 1];
    signal bits[m][n][k + B];
    for (var i = 0; i < m; i++) {
        for (var j = 0; j < n; j++) {
            var partial = 0;
            for (var l = 0; l < K - 1; l++) {
                products[i][j][l] <== a[i][l] * b[l][j];
                partial += products[i][j][l];
            }
            var acc = partial + a[i][K - 1] * b[K - 1][j];
            var sum = 0;
            for (var t = 0; t < k + B; t++) {
                bits[i][j][t] <-- ((acc + offset + (1 << (k + B - 1))) >> t) & 1;
                bits[i][j][t] * (bits[i][j][t] - 1) === 0;
                sum += bits[i][j][t] * (1 << t);
            }
            a[i][K - 1] * b[K - 1][j] === sum - partial - offset - (1 << (k + B - 1));
            var q = 0;
            for (var t = k; t < k + B; t++) {
                q += bits[i][j][t] * (1 << (t - k));
            }
            q -= 1 << (B - 1);
            if (relu == 1) {
                out[i][j] <== q * bits[i][j][k + B - 1];
            } else {
                out[i][j] <== q;
            }
        }
    }
}
