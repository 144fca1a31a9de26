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
//   === constraints: no assert() on a signal carries soundness (the asserts
//   below check template parameters, at compile time).
// - No decomposition is wider than 252 bits: 2^252 < p (the BN254 scalar field,
//   about 2^253.6), so n bits are the unique representation of a value in
//   [0, 2^n) and cannot wrap the field. At 254 bits and more `1 << b` wraps
//   to 0 and the sign bit of a comparison would be free: every template that
//   decomposes asserts its widths on its parameters (a compile-time check),
//   and src/quantize/checkFixedPointWidths.ts refuses such a model before any
//   circom is emitted, together with the accumulator bounds (|acc| <= 2^251)
//   that the templates cannot see because they do not know their inputs' widths.

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
    assert(B >= 1 && B <= 252);
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
// rounding offset 2^(k-1)). The decomposition is written inline against the
// weighted sum, so the sum never becomes a signal of its own.
// Cost: nOut * (k + B + 2) constraints (k + B, plus 1 with ReLU, after --O2).
template DenseRescale(nIn, nOut, W, b, k, B, relu) {
    assert(k >= 0 && B >= 2 && k + B <= 252);
    signal input in[nIn];
    signal output out[nOut];
    signal bits[nOut][k + B];
    for (var j = 0; j < nOut; j++) {
        var acc = b[j];
        for (var i = 0; i < nIn; i++) {
            acc += W[j][i] * in[i];
        }
        var sum = 0;
        for (var t = 0; t < k + B; t++) {
            bits[j][t] <-- ((acc + (1 << (k + B - 1))) >> t) & 1;
            bits[j][t] * (bits[j][t] - 1) === 0;
            sum += bits[j][t] * (1 << t);
        }
        sum === acc + (1 << (k + B - 1));
        var q = 0;
        for (var t = k; t < k + B; t++) {
            q += bits[j][t] * (1 << (t - k));
        }
        q -= 1 << (B - 1);
        if (relu == 1) {
            out[j] <== q * bits[j][k + B - 1];
        } else {
            out[j] <== q;
        }
    }
}

// y[i] = rescale(A[i] * x[i] + C[i]), elementwise with constant A, C.
// Cost: n * (k + B + 2) constraints (k + B, plus 1 with ReLU, after --O2).
template AffineRescale(n, A, C, k, B, relu) {
    assert(k >= 0 && B >= 2 && k + B <= 252);
    signal input in[n];
    signal output out[n];
    signal bits[n][k + B];
    for (var i = 0; i < n; i++) {
        var acc = A[i] * in[i] + C[i];
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

// y[i] = max(x[i], 0) for values already known to be B-bit signed.
// Cost: n * (B + 2) constraints.
template Relu(n, B) {
    assert(B >= 2 && B <= 252);
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
    assert(B >= 1 && B <= 252);
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
    assert(B >= 1 && B + 1 <= 252);
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

// One output channel of a 2-D convolution with constant weights WK (flat
// [C][KH][KW]) and bias, rescaled by 2^k to B signed bits, with an optional
// ReLU and an optional max pool fused BEFORE the rescale (PK = 1): floor
// division and ReLU are monotone, so pooling the accumulators first gives the
// same result with one rescale per pooled value instead of one per position.
// Each max of two accumulators costs one (k+B+1)-bit decomposition of their
// difference (its top bit says which is larger) and one product.
// Input: the channel group's C input channels, flattened [C][H][W].
// Cost per output value (after --O2): (PKH*PKW - 1) * (k + B + 2) + k + B (+1 with ReLU).
template ConvChannel(C, H, W, KH, KW, SH, SW, PT, PL, OH, OW, WK, bias, k, B, relu, PK, PKH, PKW, PSH, PSW, PPT, PPL, POH, POW) {
    assert(k >= 0 && B >= 2 && k + B + 1 <= 252);
    var NOUT = PK == 1 ? POH * POW : OH * OW;
    var WIN = PK == 1 ? PKH * PKW : 1;
    var NCMP = WIN - 1 > 0 ? WIN - 1 : 1;
    var N = k + B + 1;
    signal input in[C * H * W];
    signal output out[NOUT];
    signal rbits[NOUT][k + B];
    signal cbits[NOUT][NCMP][N];
    signal best[NOUT][NCMP];

    var acc[OH * OW];
    for (var y = 0; y < OH; y++) {
        for (var x = 0; x < OW; x++) {
            var a = bias;
            for (var c = 0; c < C; c++) {
                for (var i = 0; i < KH; i++) {
                    for (var j = 0; j < KW; j++) {
                        var yy = y * SH + i - PT;
                        var xx = x * SW + j - PL;
                        if (yy >= 0 && yy < H && xx >= 0 && xx < W) {
                            a += WK[(c * KH + i) * KW + j] * in[(c * H + yy) * W + xx];
                        }
                    }
                }
            }
            acc[y * OW + x] = a;
        }
    }

    for (var p = 0; p < NOUT; p++) {
        var m = 0;
        if (PK == 1) {
            // The window's positions inside the image; padding is never selected,
            // a short window repeats its first position (max(a, a) = a).
            var py = p \ POW;
            var px = p % POW;
            var pos[WIN];
            var count = 0;
            for (var i = 0; i < PKH; i++) {
                for (var j = 0; j < PKW; j++) {
                    var yy = py * PSH + i - PPT;
                    var xx = px * PSW + j - PPL;
                    if (yy >= 0 && yy < OH && xx >= 0 && xx < OW) {
                        pos[count] = yy * OW + xx;
                        count += 1;
                    }
                }
            }
            for (var t = count; t < WIN; t++) {
                pos[t] = pos[0];
            }
            m = acc[pos[0]];
            for (var t = 1; t < WIN; t++) {
                var d = m - acc[pos[t]];
                var sum = 0;
                for (var b = 0; b < N; b++) {
                    cbits[p][t - 1][b] <-- ((d + (1 << (N - 1))) >> b) & 1;
                    cbits[p][t - 1][b] * (cbits[p][t - 1][b] - 1) === 0;
                    sum += cbits[p][t - 1][b] * (1 << b);
                }
                sum === d + (1 << (N - 1));
                // top bit 1 <=> d >= 0 <=> the running max is at least this one
                best[p][t - 1] <== acc[pos[t]] + cbits[p][t - 1][N - 1] * d;
                m = best[p][t - 1];
            }
        } else {
            m = acc[p];
        }
        var sum = 0;
        for (var t = 0; t < k + B; t++) {
            rbits[p][t] <-- ((m + (1 << (k + B - 1))) >> t) & 1;
            rbits[p][t] * (rbits[p][t] - 1) === 0;
            sum += rbits[p][t] * (1 << t);
        }
        sum === m + (1 << (k + B - 1));
        var q = 0;
        for (var t = k; t < k + B; t++) {
            q += rbits[p][t] * (1 << (t - k));
        }
        q -= 1 << (B - 1);
        if (relu == 1) {
            out[p] <== q * rbits[p][k + B - 1];
        } else {
            out[p] <== q;
        }
    }
    // Unused comparison signals (no pooling) are pinned to zero.
    if (PK == 0) {
        for (var p = 0; p < NOUT; p++) {
            best[p][0] <== 0;
            for (var b = 0; b < N; b++) {
                cbits[p][0][b] <== 0;
            }
        }
    }
}

// Max pool over B-bit signed values (one channel-major image [C][H][W]).
// Cost per output (after --O2): (KH*KW - 1) * (B + 2).
template MaxPool2d(C, H, W, KH, KW, SH, SW, PT, PL, OH, OW, B) {
    assert(B >= 1 && B + 1 <= 252);
    var WIN = KH * KW;
    var NCMP = WIN - 1 > 0 ? WIN - 1 : 1;
    var N = B + 1;
    signal input in[C * H * W];
    signal output out[C * OH * OW];
    signal cbits[C * OH * OW][NCMP][N];
    signal best[C * OH * OW][NCMP];
    for (var c = 0; c < C; c++) {
        for (var py = 0; py < OH; py++) {
            for (var px = 0; px < OW; px++) {
                var p = (c * OH + py) * OW + px;
                var pos[WIN];
                var count = 0;
                for (var i = 0; i < KH; i++) {
                    for (var j = 0; j < KW; j++) {
                        var yy = py * SH + i - PT;
                        var xx = px * SW + j - PL;
                        if (yy >= 0 && yy < H && xx >= 0 && xx < W) {
                            pos[count] = (c * H + yy) * W + xx;
                            count += 1;
                        }
                    }
                }
                for (var t = count; t < WIN; t++) {
                    pos[t] = pos[0];
                }
                var m = in[pos[0]];
                for (var t = 1; t < WIN; t++) {
                    var d = m - in[pos[t]];
                    var sum = 0;
                    for (var b = 0; b < N; b++) {
                        cbits[p][t - 1][b] <-- ((d + (1 << (N - 1))) >> b) & 1;
                        cbits[p][t - 1][b] * (cbits[p][t - 1][b] - 1) === 0;
                        sum += cbits[p][t - 1][b] * (1 << b);
                    }
                    sum === d + (1 << (N - 1));
                    best[p][t - 1] <== in[pos[t]] + cbits[p][t - 1][N - 1] * d;
                    m = best[p][t - 1];
                }
                if (WIN == 1) {
                    best[p][0] <== 0;
                    for (var b = 0; b < N; b++) {
                        cbits[p][0][b] <== 0;
                    }
                }
                out[p] <== m;
            }
        }
    }
}

// y = min(max(x, lo), hi) for B-bit signed x; HASLO/HASHI switch a bound on.
// Each bound: one (B+1)-bit decomposition of the difference and one product.
template Clip(n, B, HASLO, LO, HASHI, HI) {
    assert(B >= 1 && B + 1 <= 252);
    // The bounds are B-bit too, so each difference fits B + 1 bits (circom compares signed).
    assert(HASLO == 0 || (LO >= -(1 << (B - 1)) && LO < (1 << (B - 1))));
    assert(HASHI == 0 || (HI >= -(1 << (B - 1)) && HI < (1 << (B - 1))));
    var N = B + 1;
    signal input in[n];
    signal output out[n];
    signal lobits[n][N];
    signal hibits[n][N];
    signal low[n];
    for (var i = 0; i < n; i++) {
        if (HASLO == 1) {
            var d = in[i] - LO;
            var sum = 0;
            for (var b = 0; b < N; b++) {
                lobits[i][b] <-- ((d + (1 << (N - 1))) >> b) & 1;
                lobits[i][b] * (lobits[i][b] - 1) === 0;
                sum += lobits[i][b] * (1 << b);
            }
            sum === d + (1 << (N - 1));
            low[i] <== LO + lobits[i][N - 1] * d;
        } else {
            low[i] <== in[i];
            for (var b = 0; b < N; b++) {
                lobits[i][b] <== 0;
            }
        }
        if (HASHI == 1) {
            var d = HI - low[i];
            var sum = 0;
            for (var b = 0; b < N; b++) {
                hibits[i][b] <-- ((d + (1 << (N - 1))) >> b) & 1;
                hibits[i][b] * (hibits[i][b] - 1) === 0;
                sum += hibits[i][b] * (1 << b);
            }
            sum === d + (1 << (N - 1));
            // top bit 1 <=> low <= HI: keep low, else HI
            out[i] <== HI - hibits[i][N - 1] * d;
        } else {
            out[i] <== low[i];
            for (var b = 0; b < N; b++) {
                hibits[i][b] <== 0;
            }
        }
    }
}

// y = x for x >= 0, floor(alpha * x / 2^T) otherwise (B-bit signed x, alpha < 2^T).
// Cost per value (after --O2): B (sign) + T + B (the negative branch's rescale) + 1.
template LeakyRelu(n, B, ALPHA, T) {
    assert(B >= 2 && T >= 0 && T + B <= 252);
    // |ALPHA * x| < 2^251 for every B-bit x: the negative branch's accumulator cannot wrap.
    assert(ALPHA < (1 << (252 - B)) && ALPHA > -(1 << (252 - B)));
    signal input in[n];
    signal output out[n];
    signal sbits[n][B];
    signal nbits[n][T + B];
    for (var i = 0; i < n; i++) {
        var sum = 0;
        for (var b = 0; b < B; b++) {
            sbits[i][b] <-- ((in[i] + (1 << (B - 1))) >> b) & 1;
            sbits[i][b] * (sbits[i][b] - 1) === 0;
            sum += sbits[i][b] * (1 << b);
        }
        sum === in[i] + (1 << (B - 1));
        var acc = ALPHA * in[i];
        var nsum = 0;
        for (var b = 0; b < T + B; b++) {
            nbits[i][b] <-- ((acc + (1 << (T + B - 1))) >> b) & 1;
            nbits[i][b] * (nbits[i][b] - 1) === 0;
            nsum += nbits[i][b] * (1 << b);
        }
        nsum === acc + (1 << (T + B - 1));
        var neg = 0;
        for (var b = T; b < T + B; b++) {
            neg += nbits[i][b] * (1 << (b - T));
        }
        neg -= 1 << (B - 1);
        out[i] <== neg + sbits[i][B - 1] * (in[i] - neg);
    }
}

// A piecewise-linear activation in hinge form:
// acc = BASE + sum_j HINGE[j] * max(0, x - KNOT[j]); y = floor(acc / 2^k) in B bits.
// Each hinge: one (BIN+1)-bit decomposition of x - KNOT[j] and one product.
template PiecewiseLinear(n, BIN, NK, KNOT, HINGE, BASE, k, B) {
    assert(BIN >= 1 && BIN + 1 <= 252);
    assert(k >= 0 && B >= 2 && k + B <= 252);
    // Each hinge is below 2^BIN, so |acc| <= |BASE| + sum |HINGE[j]| * 2^BIN, kept below
    // 2^251 term by term (each partial sum is below 2^252, far from wrapping the signed comparison).
    var bound = BASE < 0 ? -BASE : BASE;
    assert(bound < (1 << 251));
    for (var j = 0; j < NK; j++) {
        assert(KNOT[j] >= -(1 << (BIN - 1)) && KNOT[j] < (1 << (BIN - 1)));
        var h = HINGE[j] < 0 ? -HINGE[j] : HINGE[j];
        assert(h < (1 << (251 - BIN)));
        bound += h * (1 << BIN);
        assert(bound < (1 << 251));
    }
    var N = BIN + 1;
    signal input in[n];
    signal output out[n];
    signal hbits[n][NK][N];
    signal hinge[n][NK];
    signal rbits[n][k + B];
    for (var i = 0; i < n; i++) {
        var acc = BASE;
        for (var j = 0; j < NK; j++) {
            var d = in[i] - KNOT[j];
            var sum = 0;
            for (var b = 0; b < N; b++) {
                hbits[i][j][b] <-- ((d + (1 << (N - 1))) >> b) & 1;
                hbits[i][j][b] * (hbits[i][j][b] - 1) === 0;
                sum += hbits[i][j][b] * (1 << b);
            }
            sum === d + (1 << (N - 1));
            // top bit 1 <=> d >= 0; max(0, d) = d * bit (d = 0 gives 0 either way)
            hinge[i][j] <== hbits[i][j][N - 1] * d;
            acc += HINGE[j] * hinge[i][j];
        }
        var sum = 0;
        for (var t = 0; t < k + B; t++) {
            rbits[i][t] <-- ((acc + (1 << (k + B - 1))) >> t) & 1;
            rbits[i][t] * (rbits[i][t] - 1) === 0;
            sum += rbits[i][t] * (1 << t);
        }
        sum === acc + (1 << (k + B - 1));
        var q = 0;
        for (var t = k; t < k + B; t++) {
            q += rbits[i][t] * (1 << (t - k));
        }
        out[i] <== q - (1 << (B - 1));
    }
}

// Poseidon hash of n B-bit signed values (already range-checked), packed
// floor(253 / B) to a field element first: value + 2^(B-1) is in [0, 2^B), so
// the packing is injective and costs nothing (a linear combination); then the
// packed elements are chained as in InputHash. Matches hashInput() in src/compile.
template PackedInputHash(n, B) {
    assert(B >= 1 && B <= 252);
    var PER = 253 \ B;
    var M = (n + PER - 1) \ PER;
    signal input in[n];
    signal output hash;
    component chain = InputHash(M);
    for (var j = 0; j < M; j++) {
        var packed = 0;
        for (var i = j * PER; i < n && i < (j + 1) * PER; i++) {
            packed += (in[i] + (1 << (B - 1))) * (1 << (B * (i - j * PER)));
        }
        chain.in[j] <== packed;
    }
    hash <== chain.hash;
}

// The input hash with an optional private salt (input privacy): hash = h when
// salt = 0, Poseidon(h, salt) otherwise, with h = PackedInputHash(in). An
// unsalted statement is unchanged, so requests and proofs made without a salt
// keep their hashes; a salted one cannot be recovered by hashing guessed inputs.
// The salted Poseidon starts from capacity (initial state) 1, where every
// unsalted hash starts from 0: otherwise Poseidon(h, salt) would be the
// unsalted hash of the input that packs into the two words (h, salt), and a
// salted proof of one input would pass as an unsalted proof of another.
// `unsalted` is 1 exactly when salt = 0: salt * unsalted = 0 forces it to 0 for
// any other salt, and 1 - salt * inv forces it to 1 for salt = 0, whatever inv
// a prover writes. Matches hashInput(values, bits, { salt }) in src/compile.
// Cost: PackedInputHash + Poseidon(2) + 3.
template SaltedInputHash(n, B) {
    signal input in[n];
    signal input salt;
    signal output hash;
    component plain = PackedInputHash(n, B);
    plain.in <== in;
    component salted = PoseidonEx(2, 1);
    salted.initialState <== 1;
    salted.inputs[0] <== plain.hash;
    salted.inputs[1] <== salt;
    signal inv;
    inv <-- salt != 0 ? 1 / salt : 0;
    signal unsalted;
    unsalted <== 1 - salt * inv;
    salt * unsalted === 0;
    hash <== salted.out[0] + unsalted * (plain.hash - salted.out[0]);
}

// One public word holding n B-bit signed values and a TB-bit unsigned tail
// (the argmax class), so a verifier pays for one signal instead of n + 1:
//   word = sum_i (in[i] + 2^(B-1)) * 2^(B*i) + tail * 2^(B*n).
// Every part is range-checked here rather than trusted from the layers before
// it, so the word decodes to exactly one (in, tail), and n*B + TB <= 252 keeps
// it below p (no wrap). A tail of 0 bits must be 0.
// Cost: n * (B + 1) + TB + 1 (before circom's linear simplification).
template PackWord(n, B, TB) {
    assert(n >= 1 && B >= 1 && TB >= 0 && n * B + TB <= 252);
    signal input in[n];
    signal input tail;
    signal output word;
    component range[n];
    var sum = 0;
    for (var i = 0; i < n; i++) {
        range[i] = BitsOf(B);
        range[i].value <== in[i] + (1 << (B - 1));
        sum += (in[i] + (1 << (B - 1))) * (1 << (B * i));
    }
    if (TB > 0) {
        component tailRange = BitsOf(TB);
        tailRange.value <== tail;
    } else {
        tail === 0;
    }
    word <== sum + tail * (1 << (B * n));
}
