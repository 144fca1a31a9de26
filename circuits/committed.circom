pragma circom 2.1.0;

// glassbox templates for committed weights (`glassbox compile --weights committed`).
//
// The weights are private input signals of the circuit instead of template
// parameters, so one circuit (and one verifying key) serves every weight set
// of an architecture. Two things change against circuits/glassbox.circom:
// - a weighted sum is no longer a linear combination: every multiply-accumulate
//   is one product signal, one constraint (prod <== w * x);
// - the weights must be pinned to a public commitment: WeightCommitment
//   range-checks every value to its width and Poseidon-hashes the packed
//   values, and the circuit outputs that hash as the public signal
//   `weightsCommitment`.
// The rescale / range / ReLU decompositions are those of glassbox.circom,
// written against the product sum in the same way.

include "glassbox.circom";

// Range-checks N values, given as S segments of COUNT[s] values of WIDTH[s]
// signed bits each, and outputs the Poseidon commitment of their packing:
// v + 2^(w-1) is decomposed into w bits (so 0 <= v + 2^(w-1) < 2^w), values
// are laid side by side, lowest first, into 253-bit field elements (a value
// that would cross 253 bits starts the next element), and the elements are
// chained through InputHash. 253 bits < log2(p), so each element is an
// integer below p that determines its values uniquely: no weight set other
// than the honest one (and no value that only agrees mod p) packs to the same
// elements. Matches packWeights() + commitWeights() in src/weights.
// Cost (after --O2): sum of the widths, plus the Poseidon chain over the elements.
template WeightCommitment(N, S, COUNT, WIDTH) {
    signal input in[N];
    signal output hash;
    var TOTAL = 0;
    var M = 0;
    var used = 253;
    var n = 0;
    for (var s = 0; s < S; s++) {
        assert(WIDTH[s] >= 2 && WIDTH[s] <= 253);
        for (var i = 0; i < COUNT[s]; i++) {
            if (used + WIDTH[s] > 253) {
                M += 1;
                used = 0;
            }
            used += WIDTH[s];
        }
        TOTAL += COUNT[s] * WIDTH[s];
        n += COUNT[s];
    }
    assert(n == N && M >= 1);

    signal bits[TOTAL];
    var packed[M];
    for (var e = 0; e < M; e++) {
        packed[e] = 0;
    }
    var v = 0;
    var b = 0;
    var e = -1;
    used = 253;
    for (var s = 0; s < S; s++) {
        var w = WIDTH[s];
        for (var i = 0; i < COUNT[s]; i++) {
            if (used + w > 253) {
                e += 1;
                used = 0;
            }
            var sum = 0;
            for (var t = 0; t < w; t++) {
                bits[b + t] <-- ((in[v] + (1 << (w - 1))) >> t) & 1;
                bits[b + t] * (bits[b + t] - 1) === 0;
                sum += bits[b + t] * (1 << t);
            }
            sum === in[v] + (1 << (w - 1));
            packed[e] += sum * (1 << used);
            used += w;
            b += w;
            v += 1;
        }
    }
    component chain = InputHash(M);
    for (var j = 0; j < M; j++) {
        chain.in[j] <== packed[j];
    }
    hash <== chain.hash;
}

// y[j] = rescale(sum_i w[j*nIn + i] * x[i] + b[j]) with weights and biases as
// signals (row-major [nOut][nIn]); the bias carries the rounding offset 2^(k-1)
// as in DenseRescale. Cost: nOut * nIn products plus DenseRescale's nOut * (k + B)
// (+ nOut with ReLU) after --O2.
template DenseCommitted(nIn, nOut, k, B, relu) {
    assert(k >= 0 && B >= 2 && k + B <= 252);
    signal input in[nIn];
    signal input w[nOut * nIn];
    signal input b[nOut];
    signal output out[nOut];
    signal prod[nOut][nIn];
    signal bits[nOut][k + B];
    for (var j = 0; j < nOut; j++) {
        var acc = b[j];
        for (var i = 0; i < nIn; i++) {
            prod[j][i] <== w[j * nIn + i] * in[i];
            acc += prod[j][i];
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

// y[i] = rescale(a[i] * x[i] + c[i]), elementwise, with factors and offsets as
// signals. Cost: n products plus AffineRescale's n * (k + B) (+ n with ReLU).
template AffineCommitted(n, k, B, relu) {
    assert(k >= 0 && B >= 2 && k + B <= 252);
    signal input in[n];
    signal input a[n];
    signal input c[n];
    signal output out[n];
    signal prod[n];
    signal bits[n][k + B];
    for (var i = 0; i < n; i++) {
        prod[i] <== a[i] * in[i];
        var acc = prod[i] + c[i];
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

// ConvChannel with the kernel wk (flat [C][KH][KW]) and the bias as signals:
// one product per multiply-accumulate of an in-image window position (padding
// reads zero and costs nothing), then the same fused pool and rescale.
// Cost: the products plus ConvChannel's cost.
template ConvChannelCommitted(C, H, W, KH, KW, SH, SW, PT, PL, OH, OW, k, B, relu, PK, PKH, PKW, PSH, PSW, PPT, PPL, POH, POW) {
    assert(k >= 0 && B >= 2 && k + B + 1 <= 252);
    var NOUT = PK == 1 ? POH * POW : OH * OW;
    var WIN = PK == 1 ? PKH * PKW : 1;
    var NCMP = WIN - 1 > 0 ? WIN - 1 : 1;
    var N = k + B + 1;
    var NMAC = 0;
    for (var y = 0; y < OH; y++) {
        for (var x = 0; x < OW; x++) {
            for (var i = 0; i < KH; i++) {
                for (var j = 0; j < KW; j++) {
                    var yy = y * SH + i - PT;
                    var xx = x * SW + j - PL;
                    if (yy >= 0 && yy < H && xx >= 0 && xx < W) {
                        NMAC += C;
                    }
                }
            }
        }
    }
    signal input in[C * H * W];
    signal input wk[C * KH * KW];
    signal input bias;
    signal output out[NOUT];
    signal prod[NMAC];
    signal rbits[NOUT][k + B];
    signal cbits[NOUT][NCMP][N];
    signal best[NOUT][NCMP];

    var acc[OH * OW];
    var n = 0;
    for (var y = 0; y < OH; y++) {
        for (var x = 0; x < OW; x++) {
            var a = bias;
            for (var c = 0; c < C; c++) {
                for (var i = 0; i < KH; i++) {
                    for (var j = 0; j < KW; j++) {
                        var yy = y * SH + i - PT;
                        var xx = x * SW + j - PL;
                        if (yy >= 0 && yy < H && xx >= 0 && xx < W) {
                            prod[n] <== wk[(c * KH + i) * KW + j] * in[(c * H + yy) * W + xx];
                            a += prod[n];
                            n += 1;
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
    if (PK == 0) {
        for (var p = 0; p < NOUT; p++) {
            best[p][0] <== 0;
            for (var b = 0; b < N; b++) {
                cbits[p][0][b] <== 0;
            }
        }
    }
}
