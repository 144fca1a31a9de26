//! BN254 base-field arithmetic on eight lanes with AVX-512 IFMA, for the
//! batch-affine MSMs: G1's and G2's batches of bucket additions whole
//! (`add_batch_g1`, `add_batch_g2`: the Montgomery trick's inversions and the
//! sums' slopes and coordinates), and the batch inversions of the rest
//! (`invert_all_fq`: G1's grouped buckets, the Fq norms G2's denominators go
//! through).
//!
//! The lanes hold field elements in radix 2^52 (five limbs) and multiply with
//! `vpmadd52{lo,hi}uq` in Montgomery form with R' = 2^260, reduced lazily to
//! [0, 2p) (4p < R', so products of such values stay below 2p). On a Zen 4 one
//! lane's multiplication costs about 6 ns against arkworks' 20 ns. The
//! elements are taken as they are, arkworks' Montgomery integers A = a·2^256,
//! without conversion: read with R', A stands for a/16. Sums, differences and
//! products are exact in that domain, so only the trick's lane totals T (8 per
//! chain) need a real inversion, by arkworks; the inverse of the integer T as
//! an arkworks element, read with R', is 1/(256·T) there, which is the start
//! that turns each output back into arkworks' own form of 1/a (scaled by 64
//! more for the additions: see `x86::add_batch`). The tests compare every path
//! with arkworks.
//!
//! fft_ifma.rs runs the FFTs on the same lanes, modulo r (`Scalar`).
//!
//! Used when the CPU has AVX-512 F and IFMA (checked at run time, so the addon
//! stays portable) and the batch is long enough; `GLASSBOX_NATIVE_IFMA=0` turns
//! it off (for comparisons).

use ark_bn254::{Fq, Fq2};

/// Below this many elements the scalar trick is as fast (the lane totals' own inversion dominates).
const MIN_LEN: usize = 64;

/// Replaces every element of `values` (none zero) by its inverse: on eight
/// lanes with AVX-512 IFMA when the CPU has it, else `msm::invert_all`.
pub fn invert_all_fq(values: &mut [Fq], prefix: &mut Vec<Fq>) {
    #[cfg(target_arch = "x86_64")]
    if values.len() >= MIN_LEN && enabled() {
        // SAFETY: `enabled` checked that this CPU has AVX-512 F and IFMA.
        unsafe { x86::invert_all(values) };
        return;
    }
    crate::msm::invert_all(values, prefix)
}

/// Below this many additions a batch is left to the scalar code.
const MIN_ADDITIONS: usize = 64;

/// The batch-affine additions of `AffineBuckets` on eight lanes: for each `(k, px, py)` of
/// `batch` (distinct buckets k), bucket k's point (x[k], y[k]) ← (x[k], y[k]) + (px, py).
/// Returns false, having changed nothing, when the IFMA path does not run here, the batch is
/// short, or an addition is not a generic one (x[k] = px: a doubling or a sum at infinity,
/// left to the scalar code). Coordinates are canonical arkworks elements.
pub fn add_batch_g1(x: &mut [Fq], y: &mut [Fq], batch: &[(u32, Fq, Fq)]) -> bool {
    #[cfg(target_arch = "x86_64")]
    if batch.len() >= MIN_ADDITIONS && enabled() && batch.iter().all(|(k, px, _)| x[*k as usize] != *px) {
        // SAFETY: `enabled` checked that this CPU has AVX-512 F and IFMA.
        unsafe { x86::add_batch(x, y, batch) };
        return true;
    }
    let _ = (x, y, batch);
    false
}

/// `add_batch_g1` on G2 (Fq2 coordinates).
pub fn add_batch_g2(x: &mut [Fq2], y: &mut [Fq2], batch: &[(u32, Fq2, Fq2)]) -> bool {
    #[cfg(target_arch = "x86_64")]
    if batch.len() >= MIN_ADDITIONS && enabled() && batch.iter().all(|(k, px, _)| x[*k as usize] != *px) {
        // SAFETY: `enabled` checked that this CPU has AVX-512 F and IFMA.
        unsafe { x86::add_batch_g2(x, y, batch) };
        return true;
    }
    let _ = (x, y, batch);
    false
}

/// Whether the IFMA path runs here: the CPU has it and GLASSBOX_NATIVE_IFMA is not 0.
pub fn enabled() -> bool {
    static ENABLED: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *ENABLED.get_or_init(|| std::env::var("GLASSBOX_NATIVE_IFMA").map_or(true, |v| v.trim() != "0") && available())
}

/// Whether this CPU has AVX-512 F and IFMA.
pub fn available() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("avx512f") && std::arch::is_x86_feature_detected!("avx512ifma")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

#[cfg(target_arch = "x86_64")]
pub(crate) mod x86 {
    use ark_bn254::{Fq, Fq2};
    use ark_ff::{AdditiveGroup, BigInt, BigInteger, Field, PrimeField};
    use std::arch::x86_64::*;
    use std::cell::RefCell;

    const MASK: u64 = (1 << 52) - 1;

    /// A prime below 2^254 the lanes compute modulo (4p < R' = 2^260 is what the lazy reduction needs).
    pub(crate) trait Modulus {
        /// p in radix 2^52.
        const P: [u64; 5];
        /// −p⁻¹ mod 2^52.
        const P_INV: u64;
    }

    /// BN254's base field, Fq: the curves' coordinates.
    struct Base;
    impl Modulus for Base {
        const P: [u64; 5] = [0x8c16d87cfd47, 0x916871ca8d3c2, 0x181585d97816a, 0xa029b85045b68, 0x30644e72e131];
        const P_INV: u64 = 0x20782e4866389;
    }

    /// BN254's scalar field, Fr: the FFTs' values.
    pub(crate) struct Scalar;
    impl Modulus for Scalar {
        const P: [u64; 5] = [0x1f593f0000001, 0x4879b9709143e, 0x181585d2833e8, 0xa029b85045b68, 0x30644e72e131];
        const P_INV: u64 = 0x1f593efffffff;
    }
    /// Independent chains of columns, interleaved to hide the multiplication's latency.
    const CHAINS: usize = 4;

    /// Eight field elements, limb j of lane l at `0[j][l]` (the layout a 512-bit load takes).
    #[derive(Clone, Copy)]
    #[repr(C, align(64))]
    pub(crate) struct Column(pub(crate) [[u64; 8]; 5]);

    impl Column {
        pub(crate) const ZERO: Column = Column([[0; 8]; 5]);
    }

    thread_local! {
        /// The elements by column, then (in place) their inverses; the prefix products.
        static SCRATCH: RefCell<(Vec<Column>, Vec<Column>)> = const { RefCell::new((Vec::new(), Vec::new())) };
        /// A batch of additions' columns (six per eight additions).
        static BATCH_SCRATCH: RefCell<Vec<Column>> = const { RefCell::new(Vec::new()) };
    }

    pub(crate) type Lanes = [__m512i; 5];

    #[inline]
    #[target_feature(enable = "avx512f,avx512ifma")]
    pub(crate) unsafe fn load(c: &Column) -> Lanes {
        std::array::from_fn(|j| _mm512_load_si512(c.0[j].as_ptr() as *const _))
    }

    #[inline]
    #[target_feature(enable = "avx512f,avx512ifma")]
    pub(crate) unsafe fn store(c: &mut Column, v: &Lanes) {
        for (limb, lanes) in c.0.iter_mut().zip(v) {
            _mm512_store_si512(limb.as_mut_ptr() as *mut _, *lanes);
        }
    }

    /// a·b·2^−260 mod p in every lane, for 52-bit limbs and a·b < 2^260·p (both below 2p,
    /// or one below p and the other below 4p); the result below 2p with 52-bit limbs
    /// ((a·b + m·p)/2^260 < 2p; operand scanning, one limb of b a round).
    #[inline]
    #[target_feature(enable = "avx512f,avx512ifma")]
    unsafe fn mul(a: &Lanes, b: &Lanes) -> Lanes {
        mul_mod::<Base>(a, b)
    }

    /// `mul` modulo M's p.
    #[inline]
    #[target_feature(enable = "avx512f,avx512ifma")]
    pub(crate) unsafe fn mul_mod<M: Modulus>(a: &Lanes, b: &Lanes) -> Lanes {
        let zero = _mm512_setzero_si512();
        let mask = _mm512_set1_epi64(MASK as i64);
        let p_inv = _mm512_set1_epi64(M::P_INV as i64);
        let p: Lanes = std::array::from_fn(|j| _mm512_set1_epi64(M::P[j] as i64));
        // Limb sums stay below 2^57: each round adds at most four 52-bit halves to a limb.
        let mut t = [zero; 6];
        for bi in b {
            for j in 0..5 {
                t[j] = _mm512_madd52lo_epu64(t[j], a[j], *bi);
            }
            for j in 0..5 {
                t[j + 1] = _mm512_madd52hi_epu64(t[j + 1], a[j], *bi);
            }
            // m·p clears the low 52 bits of t₀ (madd52 reads only the low 52 bits of t₀).
            let m = _mm512_and_si512(_mm512_madd52lo_epu64(zero, t[0], p_inv), mask);
            for j in 0..5 {
                t[j] = _mm512_madd52lo_epu64(t[j], p[j], m);
            }
            for j in 0..5 {
                t[j + 1] = _mm512_madd52hi_epu64(t[j + 1], p[j], m);
            }
            let carry = _mm512_srli_epi64(t[0], 52);
            t = [_mm512_add_epi64(t[1], carry), t[2], t[3], t[4], t[5], zero];
        }
        let mut carry = zero;
        std::array::from_fn(|j| {
            let v = _mm512_add_epi64(t[j], carry);
            carry = _mm512_srli_epi64(v, 52);
            _mm512_and_si512(v, mask)
        })
    }

    /// a − b mod p in every lane, for a, b below p: below p.
    #[inline]
    #[target_feature(enable = "avx512f,avx512ifma")]
    unsafe fn sub(a: &Lanes, b: &Lanes) -> Lanes {
        sub_mod::<Base>(a, b)
    }

    /// `sub` modulo M's p.
    #[inline]
    #[target_feature(enable = "avx512f,avx512ifma")]
    pub(crate) unsafe fn sub_mod<M: Modulus>(a: &Lanes, b: &Lanes) -> Lanes {
        let zero = _mm512_setzero_si512();
        let mask = _mm512_set1_epi64(MASK as i64);
        let mut borrow = zero;
        let mut d: Lanes = std::array::from_fn(|j| {
            // Each limb difference lies in [−2^52, 2^52): the arithmetic shift is the borrow (−1 or 0).
            let v = _mm512_add_epi64(_mm512_sub_epi64(a[j], b[j]), borrow);
            borrow = _mm512_srai_epi64(v, 52);
            _mm512_and_si512(v, mask)
        });
        // Where a < b the limbs hold a − b + 2^260: add p, and drop the carry out of the top limb.
        let negative = _mm512_cmplt_epi64_mask(borrow, zero);
        let mut carry = zero;
        for (j, limb) in d.iter_mut().enumerate() {
            let v = _mm512_add_epi64(_mm512_add_epi64(*limb, _mm512_maskz_mov_epi64(negative, _mm512_set1_epi64(M::P[j] as i64))), carry);
            carry = _mm512_srli_epi64(v, 52);
            *limb = _mm512_and_si512(v, mask);
        }
        d
    }

    /// a mod p in every lane, for a below 2p (a multiplication's result).
    #[inline]
    #[target_feature(enable = "avx512f,avx512ifma")]
    unsafe fn canon(a: &Lanes) -> Lanes {
        canon_mod::<Base>(a)
    }

    /// `canon` modulo M's p.
    #[inline]
    #[target_feature(enable = "avx512f,avx512ifma")]
    pub(crate) unsafe fn canon_mod<M: Modulus>(a: &Lanes) -> Lanes {
        let zero = _mm512_setzero_si512();
        let mask = _mm512_set1_epi64(MASK as i64);
        let mut borrow = zero;
        let d: Lanes = std::array::from_fn(|j| {
            let v = _mm512_add_epi64(_mm512_sub_epi64(a[j], _mm512_set1_epi64(M::P[j] as i64)), borrow);
            borrow = _mm512_srai_epi64(v, 52);
            _mm512_and_si512(v, mask)
        });
        // No borrow out of the top limb: a ≥ p, take a − p.
        let at_least_p = _mm512_cmpeq_epi64_mask(borrow, zero);
        std::array::from_fn(|j| _mm512_mask_mov_epi64(a[j], at_least_p, d[j]))
    }

    /// 4a in every lane (not reduced: below 4p, 2^256), for a below p.
    #[inline]
    #[target_feature(enable = "avx512f,avx512ifma")]
    unsafe fn times4(a: &Lanes) -> Lanes {
        let mask = _mm512_set1_epi64(MASK as i64);
        let mut carry = _mm512_setzero_si512();
        std::array::from_fn(|j| {
            let v = _mm512_add_epi64(_mm512_slli_epi64(a[j], 2), carry);
            carry = _mm512_srli_epi64(v, 52);
            _mm512_and_si512(v, mask)
        })
    }

    /// Writes the 52-bit limbs of the arkworks integer `v` into lane `l` of `c`.
    #[inline(always)]
    fn put(c: &mut Column, l: usize, v: &Fq) {
        put_limbs(c, l, to_radix52(&v.0 .0));
    }

    /// The arkworks element in lane `l` of `c` (below p).
    #[inline(always)]
    fn take(c: &Column, l: usize) -> Fq {
        Fq::new_unchecked(canonical(lane(c, l)))
    }

    /// Writes 52-bit limbs into lane `l` of `c`.
    #[inline(always)]
    pub(crate) fn put_limbs(c: &mut Column, l: usize, limbs: [u64; 5]) {
        for (column, limb) in c.0.iter_mut().zip(limbs) {
            column[l] = limb;
        }
    }

    /// The limbs in lane `l` of `c`.
    #[inline(always)]
    pub(crate) fn lane(c: &Column, l: usize) -> [u64; 5] {
        std::array::from_fn(|j| c.0[j][l])
    }

    /// The 64-bit words of 52-bit limbs (of an integer below 2^256).
    #[inline(always)]
    pub(crate) fn from_radix52(l: [u64; 5]) -> [u64; 4] {
        [l[0] | (l[1] << 52), (l[1] >> 12) | (l[2] << 40), (l[2] >> 24) | (l[3] << 28), (l[3] >> 36) | (l[4] << 16)]
    }

    /// The limbs of a 256-bit integer in radix 2^52.
    #[inline(always)]
    pub(crate) fn to_radix52(w: &[u64; 4]) -> [u64; 5] {
        [w[0] & MASK, ((w[0] >> 52) | (w[1] << 12)) & MASK, ((w[1] >> 40) | (w[2] << 24)) & MASK, ((w[2] >> 28) | (w[3] << 36)) & MASK, w[3] >> 16]
    }

    /// The integer below 2p of 52-bit limbs `l`, reduced below p, as 64-bit words.
    #[inline(always)]
    fn canonical(l: [u64; 5]) -> BigInt<4> {
        let mut w = BigInt::new(from_radix52(l));
        if w >= Fq::MODULUS {
            w.sub_with_borrow(&Fq::MODULUS);
        }
        w
    }

    /// 2^260 mod p: one, read with R' = 2^260 (the chains' start and the padding).
    fn one() -> [u64; 5] {
        // 2^260 = 2^4 · 2^256, and arkworks' one is 2^256 mod p.
        let r = (Fq::ONE.double().double().double().double()).0;
        to_radix52(&r.0)
    }

    /// Eight copies of one element's limbs.
    fn splat(limbs: [u64; 5]) -> Column {
        Column(std::array::from_fn(|j| [limbs[j]; 8]))
    }

    /// The chains' start values for the trick's backward pass: each lane total T inverted as
    /// an arkworks element and multiplied by `scale` (one inversion for all 8·CHAINS lanes).
    /// Read with R', the start is scale/(256·T): 1 gives arkworks' own inverses, 64 the
    /// additions' 1/(4·denominator).
    #[target_feature(enable = "avx512f,avx512ifma")]
    unsafe fn chain_starts(totals: &[Lanes; CHAINS], scale: Fq) -> [Lanes; CHAINS] {
        let mut values: Vec<Fq> = Vec::with_capacity(8 * CHAINS);
        for chain in totals {
            let mut c = Column::ZERO;
            store(&mut c, chain);
            values.extend((0..8).map(|l| take(&c, l)));
        }
        crate::msm::invert_all(&mut values, &mut Vec::with_capacity(8 * CHAINS));
        std::array::from_fn(|k| {
            let mut c = Column::ZERO;
            for l in 0..8 {
                put(&mut c, l, &(values[k * 8 + l] * scale));
            }
            load(&c)
        })
    }

    /// Montgomery's trick on eight lanes: see the module's documentation.
    #[target_feature(enable = "avx512f,avx512ifma")]
    pub(super) unsafe fn invert_all(values: &mut [Fq]) {
        SCRATCH.with(|scratch| {
            let (columns, prefix) = &mut *scratch.borrow_mut();
            let count = values.len().div_ceil(8);
            let one = splat(one());
            // Padding lanes hold one.
            columns.clear();
            columns.resize(count, one);
            prefix.clear();
            prefix.resize(count, one);
            for (i, v) in values.iter().enumerate() {
                put(&mut columns[i / 8], i % 8, v);
            }
            // Column c belongs to chain c mod CHAINS: the chains' products do not wait on each other.
            let mut acc = [load(&one); CHAINS];
            for (c, column) in columns.iter().enumerate() {
                let k = c % CHAINS;
                store(&mut prefix[c], &acc[k]);
                acc[k] = mul(&acc[k], &load(column));
            }
            let mut inverse = chain_starts(&acc, Fq::ONE);
            for c in (0..count).rev() {
                let k = c % CHAINS;
                let element = load(&columns[c]);
                let result = mul(&inverse[k], &load(&prefix[c]));
                inverse[k] = mul(&inverse[k], &element);
                store(&mut columns[c], &result);
            }
            for (i, v) in values.iter_mut().enumerate() {
                *v = take(&columns[i / 8], i % 8);
            }
        })
    }

    /// The batch-affine additions (see `add_batch_g1`): the coordinates' integers read with
    /// R' = 2^260 stand for (x/16, y/16) =: (u, v), where the sum is u₃ = (λ/4)² − u₁ − u₂,
    /// v₃ = λ·(u₁ − u₃) − v₁ with λ = (v₂ − v₁)/(u₂ − u₁); the denominators' inverses come
    /// from Montgomery's trick on the lanes, its start scaled so that they are 1/(4·(u₂ − u₁)),
    /// which makes μ = (v₂ − v₁)·inverse = λ/4. Bucket k's new integers are then arkworks'
    /// own (x₃, y₃).
    #[target_feature(enable = "avx512f,avx512ifma")]
    pub(super) unsafe fn add_batch(x: &mut [Fq], y: &mut [Fq], batch: &[(u32, Fq, Fq)]) {
        BATCH_SCRATCH.with(|scratch| {
            let columns = &mut *scratch.borrow_mut();
            let count = batch.len().div_ceil(8);
                let one = splat(one());
            columns.clear();
            columns.resize(count * 6, Column::ZERO);
            // Six columns per 8 additions: x₁, y₁, x₂, y₂, the denominator x₂ − x₁, its prefix product.
            for (c, group) in batch.chunks(8).enumerate() {
                let at = &mut columns[c * 6..c * 6 + 4];
                if group.len() < 8 {
                    // Padding lanes: (0, 0) + (1, 0), a non-zero denominator; their sums are dropped.
                    at[2] = one;
                }
                for (l, (k, px, py)) in group.iter().enumerate() {
                    let k = *k as usize;
                    put(&mut at[0], l, &x[k]);
                    put(&mut at[1], l, &y[k]);
                    put(&mut at[2], l, px);
                    put(&mut at[3], l, py);
                }
            }
            let mut acc = [load(&one); CHAINS];
            for c in 0..count {
                let den = sub(&load(&columns[c * 6 + 2]), &load(&columns[c * 6]));
                store(&mut columns[c * 6 + 4], &den);
                let k = c % CHAINS;
                store(&mut columns[c * 6 + 5], &acc[k]);
                acc[k] = mul(&acc[k], &den);
            }
            let mut inverse = chain_starts(&acc, Fq::from(64u64));
            for c in (0..count).rev() {
                let k = c % CHAINS;
                let at = c * 6;
                let den_inverse = mul(&inverse[k], &load(&columns[at + 5]));
                inverse[k] = mul(&inverse[k], &load(&columns[at + 4]));
                let (x1, y1, x2, y2) = (load(&columns[at]), load(&columns[at + 1]), load(&columns[at + 2]), load(&columns[at + 3]));
                let mu = canon(&mul(&sub(&y2, &y1), &den_inverse));
                let x3 = sub(&sub(&canon(&mul(&mu, &mu)), &x1), &x2);
                let y3 = sub(&canon(&mul(&mu, &times4(&sub(&x1, &x3)))), &y1);
                store(&mut columns[at], &x3);
                store(&mut columns[at + 1], &y3);
            }
            for (c, group) in batch.chunks(8).enumerate() {
                for (l, (k, _, _)) in group.iter().enumerate() {
                    let k = *k as usize;
                    x[k] = take(&columns[c * 6], l);
                    y[k] = take(&columns[c * 6 + 1], l);
                }
            }
        })
    }

    /// a + b mod p in every lane, for a, b below p: below p.
    #[inline]
    #[target_feature(enable = "avx512f,avx512ifma")]
    unsafe fn add(a: &Lanes, b: &Lanes) -> Lanes {
        add_mod::<Base>(a, b)
    }

    /// `add` modulo M's p.
    #[inline]
    #[target_feature(enable = "avx512f,avx512ifma")]
    pub(crate) unsafe fn add_mod<M: Modulus>(a: &Lanes, b: &Lanes) -> Lanes {
        let mask = _mm512_set1_epi64(MASK as i64);
        let mut carry = _mm512_setzero_si512();
        let sum: Lanes = std::array::from_fn(|j| {
            let v = _mm512_add_epi64(_mm512_add_epi64(a[j], b[j]), carry);
            carry = _mm512_srli_epi64(v, 52);
            _mm512_and_si512(v, mask)
        });
        canon_mod::<M>(&sum)
    }

    /// Eight elements of Fq2 = Fq[u]/(u² + 1), c₀ + c₁·u, each half below p.
    type Lanes2 = (Lanes, Lanes);

    #[inline]
    #[target_feature(enable = "avx512f,avx512ifma")]
    unsafe fn sub2(a: &Lanes2, b: &Lanes2) -> Lanes2 {
        (sub(&a.0, &b.0), sub(&a.1, &b.1))
    }

    #[inline]
    #[target_feature(enable = "avx512f,avx512ifma")]
    unsafe fn add2(a: &Lanes2, b: &Lanes2) -> Lanes2 {
        (add(&a.0, &b.0), add(&a.1, &b.1))
    }

    /// a·b in Fq2 (Karatsuba: three multiplications), halves below p.
    #[inline]
    #[target_feature(enable = "avx512f,avx512ifma")]
    unsafe fn mul2(a: &Lanes2, b: &Lanes2) -> Lanes2 {
        let v0 = canon(&mul(&a.0, &b.0));
        let v1 = canon(&mul(&a.1, &b.1));
        let cross = canon(&mul(&add(&a.0, &a.1), &add(&b.0, &b.1)));
        (sub(&v0, &v1), sub(&sub(&cross, &v0), &v1))
    }

    /// a² in Fq2: ((a₀ + a₁)(a₀ − a₁), 2·a₀·a₁), halves below p.
    #[inline]
    #[target_feature(enable = "avx512f,avx512ifma")]
    unsafe fn square2(a: &Lanes2) -> Lanes2 {
        let c0 = canon(&mul(&add(&a.0, &a.1), &sub(&a.0, &a.1)));
        let product = canon(&mul(&a.0, &a.1));
        (c0, add(&product, &product))
    }

    /// The Fq2 lanes in columns `at` and `at + 1`.
    #[inline]
    #[target_feature(enable = "avx512f,avx512ifma")]
    unsafe fn pair(columns: &[Column], at: usize) -> Lanes2 {
        (load(&columns[at]), load(&columns[at + 1]))
    }

    /// The batch-affine additions on G2 (see `add_batch_g2`), as `add_batch` does on G1 with
    /// Fq2 coordinates (each half read with R' stands for a sixteenth, so the Fq2 element does
    /// too): each denominator d is inverted through its norm N(d) = d₀² + d₁², in Fq, by the
    /// trick on the lanes with the start scaled as for G1, so conj(d)·(1/N(d)) = 1/(4d).
    #[target_feature(enable = "avx512f,avx512ifma")]
    pub(super) unsafe fn add_batch_g2(x: &mut [Fq2], y: &mut [Fq2], batch: &[(u32, Fq2, Fq2)]) {
        BATCH_SCRATCH.with(|scratch| {
            let columns = &mut *scratch.borrow_mut();
            const W: usize = 12;
            let count = batch.len().div_ceil(8);
                let one = splat(one());
            columns.clear();
            columns.resize(count * W, Column::ZERO);
            // Twelve columns per 8 additions: x₁, y₁, x₂, y₂, the denominator x₂ − x₁ (two
            // each: the halves), its norm, the norms' prefix product.
            for (c, group) in batch.chunks(8).enumerate() {
                let at = &mut columns[c * W..c * W + 8];
                if group.len() < 8 {
                    // Padding lanes: (0, 0) + (1, 0), a non-zero denominator; their sums are dropped.
                    at[4] = one;
                }
                for (l, (k, px, py)) in group.iter().enumerate() {
                    let k = *k as usize;
                    for (i, v) in [x[k].c0, x[k].c1, y[k].c0, y[k].c1, px.c0, px.c1, py.c0, py.c1].iter().enumerate() {
                        put(&mut at[i], l, v);
                    }
                }
            }
            let mut acc = [load(&one); CHAINS];
            for c in 0..count {
                let at = c * W;
                let den = sub2(&pair(columns, at + 4), &pair(columns, at));
                let norm = add(&canon(&mul(&den.0, &den.0)), &canon(&mul(&den.1, &den.1)));
                store(&mut columns[at + 8], &den.0);
                store(&mut columns[at + 9], &den.1);
                store(&mut columns[at + 10], &norm);
                let k = c % CHAINS;
                store(&mut columns[at + 11], &acc[k]);
                acc[k] = mul(&acc[k], &norm);
            }
            let zero = [_mm512_setzero_si512(); 5];
            let mut inverse = chain_starts(&acc, Fq::from(64u64));
            for c in (0..count).rev() {
                let k = c % CHAINS;
                let at = c * W;
                let norm_inverse = mul(&inverse[k], &load(&columns[at + 11]));
                inverse[k] = mul(&inverse[k], &load(&columns[at + 10]));
                let den = pair(columns, at + 8);
                let den_inverse = (canon(&mul(&den.0, &norm_inverse)), sub(&zero, &canon(&mul(&den.1, &norm_inverse))));
                let (x1, y1, x2, y2) = (pair(columns, at), pair(columns, at + 2), pair(columns, at + 4), pair(columns, at + 6));
                let mu = mul2(&sub2(&y2, &y1), &den_inverse);
                let x3 = sub2(&sub2(&square2(&mu), &x1), &x2);
                let twice = {
                    let t = mul2(&mu, &sub2(&x1, &x3));
                    add2(&t, &t)
                };
                let y3 = sub2(&add2(&twice, &twice), &y1);
                for (i, v) in [x3.0, x3.1, y3.0, y3.1].iter().enumerate() {
                    store(&mut columns[at + i], v);
                }
            }
            for (c, group) in batch.chunks(8).enumerate() {
                for (l, (k, _, _)) in group.iter().enumerate() {
                    let (k, at) = (*k as usize, c * W);
                    x[k] = Fq2::new(take(&columns[at], l), take(&columns[at + 1], l));
                    y[k] = Fq2::new(take(&columns[at + 2], l), take(&columns[at + 3], l));
                }
            }
        })
    }

    /// a·b (read with R'), a + b and a − b modulo r on the lanes, in lane 5 of eight copies.
    #[cfg(test)]
    pub(super) fn scalar_ops_one_lane(a: &ark_bn254::Fr, b: &ark_bn254::Fr) -> [ark_bn254::Fr; 3] {
        // SAFETY: only called when the CPU has AVX-512 IFMA.
        unsafe { scalar_ops_inner(a, b) }
    }

    #[cfg(test)]
    #[target_feature(enable = "avx512f,avx512ifma")]
    unsafe fn scalar_ops_inner(a: &ark_bn254::Fr, b: &ark_bn254::Fr) -> [ark_bn254::Fr; 3] {
        let (la, lb) = (load(&splat(to_radix52(&a.0 .0))), load(&splat(to_radix52(&b.0 .0))));
        let results = [canon_mod::<Scalar>(&mul_mod::<Scalar>(&la, &lb)), add_mod::<Scalar>(&la, &lb), sub_mod::<Scalar>(&la, &lb)];
        results.map(|r| {
            let mut out = Column::ZERO;
            store(&mut out, &r);
            let words = BigInt::new(from_radix52(lane(&out, 5)));
            assert!(words < ark_bn254::Fr::MODULUS, "a lane result not reduced");
            ark_bn254::Fr::new_unchecked(words)
        })
    }

    #[cfg(test)]
    pub(super) fn mul_one_lane(a: &Fq, b: &Fq) -> Fq {
        // SAFETY: only called when the CPU has AVX-512 IFMA.
        unsafe { mul_one_lane_inner(a, b) }
    }

    #[cfg(test)]
    #[target_feature(enable = "avx512f,avx512ifma")]
    unsafe fn mul_one_lane_inner(a: &Fq, b: &Fq) -> Fq {
        let (ca, cb) = (splat(to_radix52(&a.0 .0)), splat(to_radix52(&b.0 .0)));
        let mut out = Column::ZERO;
        store(&mut out, &mul(&load(&ca), &load(&cb)));
        take(&out, 3)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ff::{Field, UniformRand};
    use ark_std::rand::{rngs::StdRng, SeedableRng};

    #[test]
    fn matches_arkworks() {
        if !available() {
            eprintln!("skipped: this CPU has no AVX-512 IFMA");
            return;
        }
        let mut rng = StdRng::seed_from_u64(7);
        // Every length around the column and chain boundaries, and the edges of the field.
        for n in [MIN_LEN, MIN_LEN + 1, 71, 95, 96, 97, 255, 256, 257, 1024, 1031] {
            let mut values: Vec<Fq> = (0..n).map(|_| Fq::rand(&mut rng)).collect();
            values[0] = Fq::ONE;
            values[1] = -Fq::ONE;
            values[2] = Fq::from(2u64);
            values[3] = Fq::new_unchecked(ark_ff::BigInt::new([1, 0, 0, 0]));
            let expected: Vec<Fq> = values.iter().map(|v| v.inverse().expect("non-zero")).collect();
            // SAFETY: available() checked the CPU.
            #[cfg(target_arch = "x86_64")]
            unsafe {
                x86::invert_all(&mut values)
            };
            assert_eq!(values, expected, "n = {n}");
        }
    }

    #[test]
    fn one_lane_multiplication_is_montgomery_with_r_2_260() {
        if !available() {
            eprintln!("skipped: this CPU has no AVX-512 IFMA");
            return;
        }
        let mut rng = StdRng::seed_from_u64(8);
        // Read with R' = 2^260 an arkworks integer stands for a/16, so the product is a·b/16.
        let sixteenth = Fq::from(16u64).inverse().unwrap();
        for _ in 0..200 {
            let (a, b) = (Fq::rand(&mut rng), Fq::rand(&mut rng));
            #[cfg(target_arch = "x86_64")]
            assert_eq!(x86::mul_one_lane(&a, &b), a * b * sixteenth);
        }
        let max = -Fq::ONE;
        #[cfg(target_arch = "x86_64")]
        assert_eq!(x86::mul_one_lane(&max, &max), max * max * sixteenth);
    }

    #[test]
    fn the_lanes_modulo_r_are_arkworks_arithmetic() {
        use ark_bn254::Fr;
        if !available() {
            eprintln!("skipped: this CPU has no AVX-512 IFMA");
            return;
        }
        let mut rng = StdRng::seed_from_u64(12);
        let sixteenth = Fr::from(16u64).inverse().unwrap();
        let max = -Fr::ONE;
        let a = Fr::rand(&mut rng);
        // Random pairs, and the edges: (r − 1)², (r − 1) + (r − 1), 0 − (r − 1), a + (r − a) = r.
        let mut pairs: Vec<(Fr, Fr)> = (0..200).map(|_| (Fr::rand(&mut rng), Fr::rand(&mut rng))).collect();
        pairs.extend([(max, max), (Fr::from(0u64), max), (a, -a), (Fr::ONE, max), (Fr::from(0u64), Fr::from(0u64))]);
        for (a, b) in pairs {
            #[cfg(target_arch = "x86_64")]
            assert_eq!(x86::scalar_ops_one_lane(&a, &b), [a * b * sixteenth, a + b, a - b], "a = {a}, b = {b}");
        }
    }

    /// `LemCurve::add_batch` (the path msm.rs takes, here on the lanes) against arkworks' affine
    /// additions on curve P: n additions to every other of 2n buckets in a shuffled order, every
    /// fifth addend negated; then a batch holding a sum at infinity, and one holding a doubling,
    /// each left to the scalar code with nothing changed.
    fn check_add_batch<P: crate::points::LemCurve>(seed: u64, sizes: &[usize]) {
        use ark_ec::short_weierstrass::{Affine, Projective};
        use ark_ec::{AffineRepr, CurveGroup};
        if !available() {
            eprintln!("skipped: this CPU has no AVX-512 IFMA");
            return;
        }
        let mut rng = StdRng::seed_from_u64(seed);
        for &n in sizes {
            let buckets = 2 * n;
            let points: Vec<Affine<P>> = (0..buckets + n).map(|_| Projective::<P>::rand(&mut rng).into_affine()).collect();
            let (mut x, mut y): (Vec<P::BaseField>, Vec<P::BaseField>) = points[..buckets].iter().map(|p| (p.x, p.y)).unzip();
            let batch: Vec<(u32, P::BaseField, P::BaseField)> = (0..n)
                .map(|i| {
                    let p = points[buckets + i];
                    (((i * 7) % n * 2) as u32, p.x, if i % 5 == 0 { -p.y } else { p.y })
                })
                .collect();
            let expected: Vec<Affine<P>> = batch.iter().map(|(k, px, py)| (points[*k as usize] + Affine::<P>::new_unchecked(*px, *py)).into_affine()).collect();
            assert!(P::add_batch(&mut x, &mut y, &batch), "n = {n}");
            for ((k, _, _), want) in batch.iter().zip(&expected) {
                assert_eq!((x[*k as usize], y[*k as usize]), (want.x, want.y), "n = {n}, bucket {k}");
            }
            // Untouched buckets stay as they were.
            assert_eq!((x[1], y[1]), (points[1].x, points[1].y));
            assert!(Affine::<P>::new_unchecked(expected[0].x, expected[0].y).is_on_curve() && !expected[0].is_zero());
            for (at, at_infinity) in [(3, true), (5, false)] {
                let mut special = batch.clone();
                let k = special[at].0 as usize;
                special[at] = (special[at].0, x[k], if at_infinity { -y[k] } else { y[k] });
                let before = (x.clone(), y.clone());
                assert!(!P::add_batch(&mut x, &mut y, &special), "n = {n}, at infinity {at_infinity}");
                assert_eq!((&x, &y), (&before.0, &before.1));
            }
        }
    }

    #[test]
    fn batch_additions_match_arkworks() {
        check_add_batch::<ark_bn254::g1::Config>(10, &[MIN_ADDITIONS, 67, 200, 1024]);
    }

    #[test]
    fn g2_batch_additions_match_arkworks() {
        check_add_batch::<ark_bn254::g2::Config>(11, &[MIN_ADDITIONS, 67, 300]);
    }

    #[test]
    fn the_dispatcher_inverts_short_and_long_batches() {
        let mut rng = StdRng::seed_from_u64(9);
        for n in [1, 2, MIN_LEN - 1, MIN_LEN, 600] {
            let mut values: Vec<Fq> = (0..n).map(|_| Fq::rand(&mut rng)).collect();
            let expected: Vec<Fq> = values.iter().map(|v| v.inverse().expect("non-zero")).collect();
            invert_all_fq(&mut values, &mut Vec::new());
            assert_eq!(values, expected, "n = {n}");
        }
    }
}
