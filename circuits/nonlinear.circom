pragma circom 2.1.0;

// glassbox templates for the nonlinear layers of attention models: softmax and
// layer normalization. (GELU and erf are PiecewiseLinear of glassbox.circom.)
//
// Same conventions as glassbox.circom: signed integers, constants as template
// parameters, every <-- pinned down by === constraints (no assert on a signal
// carries soundness: the asserts check parameters at compile time), no bit
// decomposition wider than 252 bits, and every product bounded below 2^251 so
// nothing wraps the field. The integer semantics are src/layers/softmax.ts and
// src/layers/layernorm.ts, which the tests match bit for bit.

// Softmax of one group of N B-bit signed values x (at any scale 2^s):
//
//   m    = max x                     proved: every d[i] = m - x[i] is in [0, 2^B)
//                                    (B bits), and prod_i (m - x[i]) = 0 (m is one of them)
//   e[i] = E(d[i])                   E ~ 2^SE * exp(-d / 2^s): a decreasing
//                                    piecewise-linear fit, in hinge form
//                                    BASE - SLOPE0 * d + sum_j HINGE[j] * max(0, d - KNOT[j]),
//                                    0 beyond its last knot; each hinge is one
//                                    (B+1)-bit comparison and one product
//   y[i] = floor(e[i] * 2^S / sum e)  proved: e[i] * 2^S = y[i] * sum + r[i] with
//                                    0 <= r[i] and 0 <= sum - 1 - r[i] (R bits each,
//                                    sum < 2^R) and 0 <= y[i] < 2^(S+1) (no wrap)
//
// Cost (--O2): (N - 1) + N * (B + NK * (B + 2) + 1 + 2R + S + 1).
template SoftmaxGroup(N, B, NK, KNOT, HINGE, SLOPE0, BASE, S, R) {
    assert(N >= 1 && B >= 1 && B + 1 <= 252);
    assert(S >= 0 && R >= 1 && R + S + 2 <= 252);
    // e <= BASE for every d (the fit is decreasing from BASE), so sum <= N * BASE < 2^R.
    assert(BASE >= 1 && N * BASE < (1 << R));
    assert(SLOPE0 >= 0 && SLOPE0 < (1 << (251 - B)));
    for (var j = 0; j < NK; j++) {
        assert(KNOT[j] > 0 && KNOT[j] < (1 << B));
        var h = HINGE[j] < 0 ? -HINGE[j] : HINGE[j];
        assert(h < (1 << (251 - B)));
    }
    signal input in[N];
    signal output out[N];

    signal m;
    var best = in[0];
    for (var i = 1; i < N; i++) {
        // circom compares field elements as signed values in (-p/2, p/2].
        if (in[i] > best) { best = in[i]; }
    }
    m <-- best;

    signal dbits[N][B];
    signal prod[N];
    signal hbits[N][NK > 0 ? NK : 1][B + 1];
    signal hinge[N][NK > 0 ? NK : 1];
    signal t[N];
    signal ybits[N][S + 1];
    signal rbits[N][R];
    signal gbits[N][R];

    var e[N];
    var sum = 0;
    for (var i = 0; i < N; i++) {
        var d = m - in[i];
        var dsum = 0;
        for (var b = 0; b < B; b++) {
            dbits[i][b] <-- (d >> b) & 1;
            dbits[i][b] * (dbits[i][b] - 1) === 0;
            dsum += dbits[i][b] * (1 << b);
        }
        dsum === d;
        if (i == 0) {
            prod[0] <== d;
        } else {
            prod[i] <== prod[i - 1] * d;
        }
        var ei = BASE - SLOPE0 * d;
        for (var j = 0; j < NK; j++) {
            var c = d - KNOT[j];
            var csum = 0;
            for (var b = 0; b <= B; b++) {
                hbits[i][j][b] <-- ((c + (1 << B)) >> b) & 1;
                hbits[i][j][b] * (hbits[i][j][b] - 1) === 0;
                csum += hbits[i][j][b] * (1 << b);
            }
            csum === c + (1 << B);
            // top bit 1 <=> d >= KNOT[j]; max(0, d - KNOT[j]) = c * bit (c = 0 gives 0 either way)
            hinge[i][j] <== hbits[i][j][B] * c;
            ei += HINGE[j] * hinge[i][j];
        }
        if (NK == 0) {
            hinge[i][0] <== 0;
            for (var b = 0; b <= B; b++) {
                hbits[i][0][b] <== 0;
            }
        }
        e[i] = ei;
        sum += ei;
    }
    prod[N - 1] === 0;

    for (var i = 0; i < N; i++) {
        out[i] <-- (e[i] * (1 << S)) \ sum;
        t[i] <== out[i] * sum;
        var r = e[i] * (1 << S) - t[i];
        var ysum = 0;
        for (var b = 0; b <= S; b++) {
            ybits[i][b] <-- (out[i] >> b) & 1;
            ybits[i][b] * (ybits[i][b] - 1) === 0;
            ysum += ybits[i][b] * (1 << b);
        }
        ysum === out[i];
        var rsum = 0;
        var gsum = 0;
        for (var b = 0; b < R; b++) {
            rbits[i][b] <-- (r >> b) & 1;
            rbits[i][b] * (rbits[i][b] - 1) === 0;
            rsum += rbits[i][b] * (1 << b);
            gbits[i][b] <-- ((sum - 1 - r) >> b) & 1;
            gbits[i][b] * (gbits[i][b] - 1) === 0;
            gsum += gbits[i][b] * (1 << b);
        }
        rsum === r;
        gsum === sum - 1 - r;
    }
}

// Layer normalization of one group of N B-bit signed values x at scale 2^s,
// exact up to the reciprocal square root and the final rescale:
//
//   c[i] = N * x[i] - sum x            = N * (x[i] - mean), exactly (no division)
//   v    = sum c[i]^2 + EPS            = N^3 * 2^(2s) * (var + eps) / N ... i.e. N * (N^2 2^2s)(var + eps)
//   rho  = floor(2^K / sqrt(v))        proved: rho^2 * v <= 2^(2K) < (rho + 1)^2 * v,
//                                      both differences in [0, 2^W), rho in [0, 2^WR)
//   y[i] = floor((G[i] * c[i] * rho + BETA[i]) / 2^k)  in BOUT signed bits
//
// (x - mean) / sqrt(var + eps) = c * sqrt(N) / sqrt(v) ~ c * rho * sqrt(N) / 2^K, so
// G[i] = gamma[i] * sqrt(N) * 2^g and BETA[i] = beta[i] * 2^(g + K) (plus the rounding
// offset 2^(k-1)) put the accumulator at scale 2^(g + K).
// Cost (--O2): per group WR + 3 + 2W, per value 2 + k + BOUT.
template LayerNormGroup(N, B, EPS, K, WR, W, G, BETA, k, BOUT) {
    assert(N >= 1 && B >= 1 && EPS >= 1);
    assert(W == 2 * K + 1 && W <= 252 && WR >= 1 && WR <= 252);
    assert(k >= 0 && BOUT >= 2 && k + BOUT <= 252);
    // |c| < N * 2^B, so v < N^3 * 2^(2B) + EPS; rho < 2^WR: rho^2 * v and (2 rho + 1) * v stay below 2^251.
    var vmax = N * N * N * (1 << (2 * B)) + EPS;
    assert(vmax < (1 << (249 - 2 * WR)));
    // |G * c * rho + BETA| < 2^250 for any c of B-bit inputs and any rho < 2^WR.
    var cmax = N * (1 << B);
    assert(cmax * (1 << WR) < (1 << 250));
    for (var i = 0; i < N; i++) {
        var g = G[i] < 0 ? -G[i] : G[i];
        var bt = BETA[i] < 0 ? -BETA[i] : BETA[i];
        assert(g < (1 << 250) \ (cmax * (1 << WR)) && bt < (1 << 249));
    }
    signal input in[N];
    signal output out[N];

    var total = 0;
    for (var i = 0; i < N; i++) {
        total += in[i];
    }
    signal sq[N];
    var v = EPS;
    for (var i = 0; i < N; i++) {
        sq[i] <== (N * in[i] - total) * (N * in[i] - total);
        v += sq[i];
    }

    signal rho;
    signal rhobits[WR];
    var guess = 0;
    for (var t = WR - 1; t >= 0; t--) {
        var candidate = guess + (1 << t);
        if (candidate * candidate * v <= (1 << (2 * K))) { guess = candidate; }
    }
    rho <-- guess;
    var rsum = 0;
    for (var b = 0; b < WR; b++) {
        rhobits[b] <-- (rho >> b) & 1;
        rhobits[b] * (rhobits[b] - 1) === 0;
        rsum += rhobits[b] * (1 << b);
    }
    rsum === rho;

    signal rho2;
    signal low;
    signal step;
    rho2 <== rho * rho;
    low <== rho2 * v;
    step <== (2 * rho + 1) * v;
    // low = rho^2 v <= 2^2K and low + step = (rho + 1)^2 v > 2^2K
    signal lbits[W];
    signal hbits[W];
    var lsum = 0;
    var hsum = 0;
    for (var b = 0; b < W; b++) {
        lbits[b] <-- (((1 << (2 * K)) - low) >> b) & 1;
        lbits[b] * (lbits[b] - 1) === 0;
        lsum += lbits[b] * (1 << b);
        hbits[b] <-- ((low + step - (1 << (2 * K)) - 1) >> b) & 1;
        hbits[b] * (hbits[b] - 1) === 0;
        hsum += hbits[b] * (1 << b);
    }
    lsum === (1 << (2 * K)) - low;
    hsum === low + step - (1 << (2 * K)) - 1;

    signal cr[N];
    signal obits[N][k + BOUT];
    for (var i = 0; i < N; i++) {
        cr[i] <== (N * in[i] - total) * rho;
        var acc = G[i] * cr[i] + BETA[i];
        var osum = 0;
        for (var b = 0; b < k + BOUT; b++) {
            obits[i][b] <-- ((acc + (1 << (k + BOUT - 1))) >> b) & 1;
            obits[i][b] * (obits[i][b] - 1) === 0;
            osum += obits[i][b] * (1 << b);
        }
        osum === acc + (1 << (k + BOUT - 1));
        var q = 0;
        for (var b = k; b < k + BOUT; b++) {
            q += obits[i][b] * (1 << (b - k));
        }
        out[i] <== q - (1 << (BOUT - 1));
    }
}
