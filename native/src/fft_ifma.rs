//! fft.rs's transform (values at the n-th roots → values at the odd 2n-th
//! roots: the inverse DIF, the shift, the forward DIT) on eight lanes with
//! AVX-512 IFMA, the lane arithmetic of ifma.rs modulo r.
//!
//! The values go into columns of eight (element 8c + l in lane l of column c)
//! once, in radix 2^52, and come back once. The stages whose halves are eight
//! or more elements apart pair whole columns, with eight consecutive twiddles a
//! column; the three below pair lanes of one column, so they run on two columns
//! at a time through lane permutations, fused with the shift between them into
//! one pass (the last three stages of the inverse, the first three of the
//! forward). As in fft.rs the stages inside a block run block by block.
//!
//! Like ifma.rs, the lanes take arkworks' Montgomery integers as they are
//! (A = a·2^256) and multiply with R' = 2^260: A·B·2^−260 is arkworks' integer
//! of a·b/16. So every twiddle and shift factor is stored as 16 times itself,
//! and each product is then exactly arkworks' a·w: sums and differences need
//! nothing, and no value is converted but to change radix.

use ark_bn254::Fr;

/// The smallest domain the lanes take: two columns, for the in-column pass.
pub const MIN_N: usize = 16;

/// The lane tables of one domain size; only built on a CPU with AVX-512 IFMA.
pub struct LaneTables {
    #[cfg(target_arch = "x86_64")]
    inner: x86::Tables,
}

impl LaneTables {
    /// `twiddles`: ωⁱ for i < n/2 (ω the primitive n-th root); `shift`: what the values
    /// are multiplied by between the two transforms, by position: fft.rs's gʲ/n at
    /// bitrev(j), a structure the lanes rely on to keep a sixteenth of it. None where the
    /// CPU has no AVX-512 IFMA.
    pub fn new(twiddles: &[Fr], shift: &[Fr]) -> Option<Self> {
        assert!(shift.len() >= MIN_N && shift.len().is_power_of_two() && twiddles.len() == shift.len() / 2);
        if !crate::ifma::available() {
            return None;
        }
        #[cfg(target_arch = "x86_64")]
        return Some(LaneTables { inner: x86::Tables::new(twiddles, shift) });
        #[cfg(not(target_arch = "x86_64"))]
        unreachable!("AVX-512 IFMA is an x86-64 extension")
    }

    /// Bytes the tables hold.
    pub fn bytes(&self) -> usize {
        #[cfg(target_arch = "x86_64")]
        return self.inner.bytes();
        #[cfg(not(target_arch = "x86_64"))]
        0
    }

    /// fft.rs's `apply` on the lanes.
    pub fn apply(&self, values: &mut [Fr]) {
        #[cfg(target_arch = "x86_64")]
        // SAFETY: `new` built the tables only on a CPU with AVX-512 F and IFMA.
        unsafe {
            self.inner.apply(values)
        }
        #[cfg(not(target_arch = "x86_64"))]
        unreachable!("no lane tables are built off x86-64 ({} values)", values.len())
    }
}

#[cfg(target_arch = "x86_64")]
mod x86 {
    use crate::ifma::x86::{add_mod, canon_mod, from_radix52, lane, load, mul_mod, put_limbs, store, sub_mod, to_radix52, Column, Lanes, Scalar};
    use ark_bn254::Fr;
    use ark_ff::{AdditiveGroup, BigInt, Field};
    use rayon::prelude::*;
    use std::arch::x86_64::*;

    /// Columns (of eight elements) a block of the in-cache stages holds: 2^11 elements, 80 KiB.
    const BLOCK_COLUMNS: usize = 1 << 8;
    /// Column pairs below which a stage's halves are not split between threads.
    const PARALLEL_COLUMNS: usize = 1 << 7;
    /// Columns a thread converts at a time.
    const CONVERT_COLUMNS: usize = 1 << 9;

    /// ω_{2h}^i for i ≤ h (the last is −1), each times 16, limb j at `limbs[j·(h + 1) + i]`:
    /// the forward stage of half h reads eight from i = 8k, the inverse eight backwards.
    struct Twiddles {
        h: usize,
        limbs: Vec<u64>,
    }

    pub(super) struct Tables {
        n: usize,
        /// By stage: h = 8, 16, …, n/2.
        twiddles: Vec<Twiddles>,
        /// The in-column stages' twiddles, lane l of the pair's first halves: ω₈^(l mod 4) and
        /// ω₄^(l mod 2), and their inverses; times 16.
        forward4: Column,
        forward2: Column,
        inverse4: Column,
        inverse2: Column,
        /// The shift factors: the one at position 16q + i (i < 16) is shift[i]·(shift[16q]/shift[0])
        /// (it is g^bitrev(p)/n, and p's low four bits are bitrev(p)'s top four), so a pair of
        /// columns is multiplied by the sixteen factors of the first pair (`shift_pair`) and
        /// then by its own (`shift_per_16[q]`): 1/16 of the memory of a factor for each element.
        shift_pair: [Column; 2],
        shift_per_16: Vec<[u64; 5]>,
    }

    fn sixteen_times(v: &Fr) -> [u64; 5] {
        to_radix52(&(v.double().double().double().double()).0 .0)
    }

    fn column(values: &[Fr]) -> Column {
        let mut c = Column::ZERO;
        for (l, v) in values.iter().enumerate() {
            put_limbs(&mut c, l, sixteen_times(v));
        }
        c
    }

    impl Tables {
        pub(super) fn new(twiddles: &[Fr], shift: &[Fr]) -> Self {
            let n = shift.len();
            let mut stages = Vec::new();
            let mut h = 8;
            while h <= n / 2 {
                let step = n / (2 * h);
                let stride = h + 1;
                let mut limbs = vec![0u64; 5 * stride];
                for i in 0..=h {
                    let w = if i == h { -Fr::ONE } else { twiddles[i * step] };
                    for (j, limb) in sixteen_times(&w).into_iter().enumerate() {
                        limbs[j * stride + i] = limb;
                    }
                }
                stages.push(Twiddles { h, limbs });
                h *= 2;
            }
            let omega8: Vec<Fr> = (0..4).map(|k| twiddles[k * n / 8]).collect();
            let inverse = |w: &Fr| w.inverse().expect("a root of unity");
            let lanes = |f: &dyn Fn(usize) -> Fr| column(&(0..8).map(f).collect::<Vec<_>>());
            Tables {
                n,
                twiddles: stages,
                forward4: lanes(&|l| omega8[l % 4]),
                forward2: lanes(&|l| omega8[2 * (l % 2)]),
                inverse4: lanes(&|l| inverse(&omega8[l % 4])),
                inverse2: lanes(&|l| inverse(&omega8[2 * (l % 2)])),
                shift_pair: [column(&shift[..8]), column(&shift[8..16])],
                shift_per_16: {
                    // 1/shift[0] = n.
                    let n_field = Fr::from(n as u64);
                    shift.par_iter().step_by(16).map(|s| sixteen_times(&(*s * n_field))).collect()
                },
            }
        }

        pub(super) fn bytes(&self) -> usize {
            self.twiddles.iter().map(|t| t.limbs.len() * 8).sum::<usize>() + 6 * std::mem::size_of::<Column>() + self.shift_per_16.len() * std::mem::size_of::<[u64; 5]>()
        }

        fn stage(&self, h: usize) -> &Twiddles {
            &self.twiddles[(h / 8).trailing_zeros() as usize]
        }

        /// SAFETY: the CPU has AVX-512 F and IFMA.
        pub(super) unsafe fn apply(&self, values: &mut [Fr]) {
            let n = self.n;
            assert_eq!(values.len(), n, "values of another domain size");
            let mut columns = vec![Column::ZERO; n / 8];
            columns.par_chunks_mut(CONVERT_COLUMNS).zip(values.par_chunks(8 * CONVERT_COLUMNS)).for_each(|(columns, values)| {
                for (c, values) in columns.iter_mut().zip(values.chunks(8)) {
                    for (l, v) in values.iter().enumerate() {
                        put_limbs(c, l, to_radix52(&v.0 .0));
                    }
                }
            });
            let block = (n / 8).min(BLOCK_COLUMNS);
            // The inverse's stages above a block, over the whole array.
            let mut h = n / 2;
            while h > 4 * block {
                self.stage_all(&mut columns, h, true);
                h /= 2;
            }
            // Within each block: the inverse's stages, the in-column pass, the forward's stages.
            columns.par_chunks_mut(block).zip(self.shift_per_16.par_chunks(block / 2)).for_each(|(columns, shift_per_16)| {
                // SAFETY: as for `apply`.
                unsafe { self.block(columns, shift_per_16) }
            });
            let mut h = 8 * block;
            while h < n {
                self.stage_all(&mut columns, h, false);
                h *= 2;
            }
            values.par_chunks_mut(8 * CONVERT_COLUMNS).zip(columns.par_chunks(CONVERT_COLUMNS)).for_each(|(values, columns)| {
                for (c, values) in columns.iter().zip(values.chunks_mut(8)) {
                    for (l, v) in values.iter_mut().enumerate() {
                        // Below r: every lane result is reduced.
                        *v = Fr::new_unchecked(BigInt::new(from_radix52(lane(c, l))));
                    }
                }
            });
        }

        /// One stage of half h (elements) over the whole array: the inverse's or the forward's.
        ///
        /// # Safety
        /// The CPU has AVX-512 F and IFMA.
        unsafe fn stage_all(&self, columns: &mut [Column], h: usize, inverse: bool) {
            let half = h / 8;
            let twiddles = self.stage(h);
            columns.par_chunks_mut(2 * half).for_each(|run| {
                let (lo, hi) = run.split_at_mut(half);
                lo.par_chunks_mut(PARALLEL_COLUMNS).zip(hi.par_chunks_mut(PARALLEL_COLUMNS)).enumerate().for_each(|(part, (lo, hi))| {
                    // SAFETY: `stage_all`'s caller checked the CPU.
                    unsafe {
                        if inverse {
                            inverse_half(lo, hi, twiddles, part * PARALLEL_COLUMNS)
                        } else {
                            forward_half(lo, hi, twiddles, part * PARALLEL_COLUMNS)
                        }
                    }
                });
            });
        }

        #[target_feature(enable = "avx512f,avx512ifma")]
        unsafe fn block(&self, columns: &mut [Column], shift_per_16: &[[u64; 5]]) {
            let mut h = 4 * columns.len();
            while h >= 8 {
                for run in columns.chunks_mut(h / 4) {
                    let (lo, hi) = run.split_at_mut(h / 8);
                    inverse_half(lo, hi, self.stage(h), 0);
                }
                h /= 2;
            }
            let shift_pair = [load(&self.shift_pair[0]), load(&self.shift_pair[1])];
            for (pair, factor) in columns.chunks_exact_mut(2).zip(shift_per_16) {
                let factor: Lanes = std::array::from_fn(|j| _mm512_set1_epi64(factor[j] as i64));
                self.in_column(pair, &shift_pair, &factor);
            }
            let mut h = 8;
            while h <= 4 * columns.len() {
                for run in columns.chunks_mut(h / 4) {
                    let (lo, hi) = run.split_at_mut(h / 8);
                    forward_half(lo, hi, self.stage(h), 0);
                }
                h *= 2;
            }
        }

        /// The inverse's stages of halves 4, 2 and 1, the shift, the forward's of halves 1, 2
        /// and 4, on two columns (sixteen elements) in registers.
        #[inline]
        #[target_feature(enable = "avx512f,avx512ifma")]
        unsafe fn in_column(&self, pair: &mut [Column], shift_pair: &[Lanes; 2], factor: &Lanes) {
            let (mut x, mut y) = (load(&pair[0]), load(&pair[1]));
            let (inverse4, inverse2) = (load(&self.inverse4), load(&self.inverse2));
            for (split, twiddle) in [(&SPLITS[0], Some(&inverse4)), (&SPLITS[1], Some(&inverse2)), (&SPLITS[2], None)] {
                let (u, v) = split.apart(&x, &y);
                let difference = match twiddle {
                    Some(w) => mul(&sub(&u, &v), w),
                    None => sub(&u, &v),
                };
                (x, y) = split.together(&add(&u, &v), &difference);
            }
            x = mul(&mul(&x, &shift_pair[0]), factor);
            y = mul(&mul(&y, &shift_pair[1]), factor);
            let (forward4, forward2) = (load(&self.forward4), load(&self.forward2));
            for (split, twiddle) in [(&SPLITS[2], None), (&SPLITS[1], Some(&forward2)), (&SPLITS[0], Some(&forward4))] {
                let (u, v) = split.apart(&x, &y);
                let t = match twiddle {
                    Some(w) => mul(&v, w),
                    None => v,
                };
                (x, y) = split.together(&add(&u, &t), &sub(&u, &t));
            }
            store(&mut pair[0], &x);
            store(&mut pair[1], &y);
        }
    }

    /// Where a pair of columns' lanes go for an in-column stage: `apart` gathers the first halves
    /// of its runs into u and their partners into v (eight butterflies), `together` puts them back.
    struct Split {
        u: [i64; 8],
        v: [i64; 8],
        x: [i64; 8],
        y: [i64; 8],
    }

    /// Halves 4, 2 and 1 (lane indices 0–7 the first column's, 8–15 the second's).
    const SPLITS: [Split; 3] = [
        Split { u: [0, 1, 2, 3, 8, 9, 10, 11], v: [4, 5, 6, 7, 12, 13, 14, 15], x: [0, 1, 2, 3, 8, 9, 10, 11], y: [4, 5, 6, 7, 12, 13, 14, 15] },
        Split { u: [0, 1, 4, 5, 8, 9, 12, 13], v: [2, 3, 6, 7, 10, 11, 14, 15], x: [0, 1, 8, 9, 2, 3, 10, 11], y: [4, 5, 12, 13, 6, 7, 14, 15] },
        Split { u: [0, 2, 4, 6, 8, 10, 12, 14], v: [1, 3, 5, 7, 9, 11, 13, 15], x: [0, 8, 1, 9, 2, 10, 3, 11], y: [4, 12, 5, 13, 6, 14, 7, 15] },
    ];

    impl Split {
        #[inline]
        #[target_feature(enable = "avx512f,avx512ifma")]
        unsafe fn apart(&self, x: &Lanes, y: &Lanes) -> (Lanes, Lanes) {
            (permute(x, &self.u, y), permute(x, &self.v, y))
        }

        #[inline]
        #[target_feature(enable = "avx512f,avx512ifma")]
        unsafe fn together(&self, u: &Lanes, v: &Lanes) -> (Lanes, Lanes) {
            (permute(u, &self.x, v), permute(u, &self.y, v))
        }
    }

    #[inline]
    #[target_feature(enable = "avx512f,avx512ifma")]
    unsafe fn permute(a: &Lanes, index: &[i64; 8], b: &Lanes) -> Lanes {
        let index = _mm512_loadu_si512(index.as_ptr() as *const _);
        std::array::from_fn(|j| _mm512_permutex2var_epi64(a[j], index, b[j]))
    }

    #[inline]
    #[target_feature(enable = "avx512f,avx512ifma")]
    unsafe fn mul(a: &Lanes, b: &Lanes) -> Lanes {
        canon_mod::<Scalar>(&mul_mod::<Scalar>(a, b))
    }

    #[inline]
    #[target_feature(enable = "avx512f,avx512ifma")]
    unsafe fn add(a: &Lanes, b: &Lanes) -> Lanes {
        add_mod::<Scalar>(a, b)
    }

    #[inline]
    #[target_feature(enable = "avx512f,avx512ifma")]
    unsafe fn sub(a: &Lanes, b: &Lanes) -> Lanes {
        sub_mod::<Scalar>(a, b)
    }

    /// The halves' columns pair up and their twiddles (i < h) lie in the table: the loads
    /// below read unchecked.
    fn in_bounds(lo: &[Column], hi: &[Column], t: &Twiddles, first: usize) {
        assert!(lo.len() == hi.len() && 8 * (first + lo.len()) <= t.h, "a stage's halves beyond its twiddles");
    }

    /// Eight twiddles from `at`, limb by limb (`at + 8 ≤ h + 1`: see `in_bounds`).
    #[inline]
    #[target_feature(enable = "avx512f,avx512ifma")]
    unsafe fn twiddles_at(t: &Twiddles, at: usize) -> Lanes {
        let stride = t.h + 1;
        std::array::from_fn(|j| _mm512_loadu_si512(t.limbs.as_ptr().add(j * stride + at) as *const _))
    }

    /// The inverse butterflies of one run's halves, the k-th column pair (k from `first`) with
    /// ω^(−i) for i = 8k + l: (u, v) → (u + v, (v − u)·ω^(h − i)) (ω^h = −1), the eight
    /// twiddles read backwards from h − 8k − 7.
    #[target_feature(enable = "avx512f,avx512ifma")]
    unsafe fn inverse_half(lo: &mut [Column], hi: &mut [Column], t: &Twiddles, first: usize) {
        in_bounds(lo, hi, t, first);
        let reverse = _mm512_set_epi64(0, 1, 2, 3, 4, 5, 6, 7);
        for (k, (x, y)) in lo.iter_mut().zip(hi.iter_mut()).enumerate() {
            let backwards = twiddles_at(t, t.h - 8 * (first + k) - 7);
            let w: Lanes = std::array::from_fn(|j| _mm512_permutexvar_epi64(reverse, backwards[j]));
            let (u, v) = (load(x), load(y));
            store(x, &add(&u, &v));
            store(y, &mul(&sub(&v, &u), &w));
        }
    }

    /// The forward butterflies: (u, v) → (u + ωⁱ·v, u − ωⁱ·v) for i = 8k + l.
    #[target_feature(enable = "avx512f,avx512ifma")]
    unsafe fn forward_half(lo: &mut [Column], hi: &mut [Column], t: &Twiddles, first: usize) {
        in_bounds(lo, hi, t, first);
        for (k, (x, y)) in lo.iter_mut().zip(hi.iter_mut()).enumerate() {
            let w = twiddles_at(t, 8 * (first + k));
            let u = load(x);
            let v = mul(&load(y), &w);
            store(x, &add(&u, &v));
            store(y, &sub(&u, &v));
        }
    }
}
