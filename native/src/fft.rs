//! Values at the n-th roots of unity → values at the odd 2n-th roots (ω₂ₙ·ωₙʲ),
//! the step the prover takes for each of A, B and C (see prover.rs), with
//! what is fixed per domain computed once and kept with the key.
//!
//! arkworks does it as an inverse FFT, a scaling by 1/n, a coset scaling by gⁱ
//! and a forward FFT, recomputing its twiddles in each FFT and permuting into
//! bit-reversed order twice. Here the inverse transform is decimation in
//! frequency (natural order in, bit-reversed out) and the forward one is
//! decimation in time (bit-reversed in, natural out), so no permutation is
//! needed; the 1/n and the gⁱ are one multiplication by a table already in
//! bit-reversed order; the twiddles are a table too. The first and last
//! stages, whose butterflies stay inside blocks of `BLOCK` elements, run block
//! by block while the block is in cache. On a CPU with AVX-512 IFMA the same
//! transform runs on eight lanes instead (fft_ifma.rs), 4–5× faster.

use crate::error::{Error, Result};
use crate::fft_ifma::{self, LaneTables};
use ark_bn254::Fr;
use ark_ff::{Field, One};
use ark_poly::{EvaluationDomain, Radix2EvaluationDomain};
use rayon::prelude::*;

/// Elements (of 32 bytes) a block of the cache-local stages holds: 64 KiB.
const BLOCK: usize = 1 << 11;
/// Butterflies below which a stage's halves are not split between threads.
const PARALLEL_MIN: usize = 1 << 10;

/// The fixed tables of one domain size: the scalar ones, or the lanes' (fft_ifma.rs) where
/// the CPU has AVX-512 IFMA, the domain has 16 points or more and GLASSBOX_NATIVE_IFMA is not 0
/// (then the scalar vectors are left empty).
pub struct OddPoints {
    n: usize,
    lanes: Option<LaneTables>,
    /// ωⁱ for i < n/2 (ω the primitive n-th root).
    twiddles: Vec<Fr>,
    /// The twiddles the in-block stages use, side by side: ω^(i·n/m) for i < m/2, m = min(n,
    /// BLOCK) (32 KiB), where in `twiddles` they lie n/m apart, a cache line each.
    block_twiddles: Vec<Fr>,
    /// gʲ / n stored at position bitrev(j) (g = ω₂ₙ).
    shift: Vec<Fr>,
}

impl OddPoints {
    /// `omega`: the primitive n-th root of unity; `g`: the primitive 2n-th root, with g² = ω.
    pub fn new(n: usize, omega: Fr, g: Fr) -> Self {
        Self::build(n, omega, g, crate::ifma::enabled())
    }

    /// `new`, on the lanes when `lanes` (and the domain is big enough) whatever GLASSBOX_NATIVE_IFMA says.
    fn build(n: usize, omega: Fr, g: Fr, lanes: bool) -> Self {
        assert!(n.is_power_of_two() && n >= 2, "the domain size must be a power of two, at least 2");
        let twiddles = powers(omega, n / 2);
        let n_inv = Fr::from(n as u64).inverse().expect("n is below the field's characteristic");
        let scaled = powers(g, n);
        let bits = n.trailing_zeros();
        let mut shift = vec![Fr::one(); n];
        shift.par_iter_mut().enumerate().for_each(|(p, s)| *s = scaled[reverse(p, bits)] * n_inv);
        drop(scaled);
        if lanes && n >= fft_ifma::MIN_N {
            if let Some(lanes) = LaneTables::new(&twiddles, &shift) {
                return OddPoints { n, lanes: Some(lanes), twiddles: Vec::new(), block_twiddles: Vec::new(), shift: Vec::new() };
            }
        }
        let m = n.min(BLOCK);
        let block_twiddles = twiddles.iter().step_by(n / m).copied().collect();
        OddPoints { n, lanes: None, twiddles, block_twiddles, shift }
    }

    /// The tables of the domain of size n, with g the 2n-th root that arkworks and
    /// ffjavascript share (`Fr.w[power + 1]`: both are 5^t with r − 1 = 2^28·t).
    pub fn for_domain(n: usize) -> Result<Self> {
        let domain = Radix2EvaluationDomain::<Fr>::new(n).filter(|d| d.size() == n);
        let double = Radix2EvaluationDomain::<Fr>::new(2 * n).filter(|d| d.size() == 2 * n);
        match (domain, double) {
            (Some(domain), Some(double)) if n >= 2 => Ok(OddPoints::new(n, domain.group_gen(), double.group_gen())),
            // snarkjs switches to its `shift` coset at 2^28; no glassbox circuit comes near.
            _ => Err(Error::format(format!("domain size {n} is beyond what the native prover supports (2 to 2^27)"))),
        }
    }

    pub fn size(&self) -> usize {
        self.n
    }

    /// Bytes the tables hold.
    pub fn bytes(&self) -> usize {
        (self.twiddles.len() + self.block_twiddles.len() + self.shift.len()) * std::mem::size_of::<Fr>() + self.lanes.as_ref().map_or(0, LaneTables::bytes)
    }

    /// Whether the transform runs on the IFMA lanes.
    pub fn on_lanes(&self) -> bool {
        self.lanes.is_some()
    }

    /// Replaces the values of a polynomial of degree < n at ωʲ by its values at g·ωʲ.
    pub fn apply(&self, values: &mut [Fr]) {
        assert_eq!(values.len(), self.n, "values of another domain size");
        if let Some(lanes) = &self.lanes {
            return lanes.apply(values);
        }
        self.inverse_dif(values);
        values.par_iter_mut().zip(self.shift.par_iter()).with_min_len(PARALLEL_MIN).for_each(|(v, s)| *v *= s);
        self.forward_dit(values);
    }

    /// The inverse butterfly: (u, v) → (u + v, (u − v)·ω⁻ⁱ), ω a primitive m-th root and
    /// `twiddles` its first m/2 powers; ω⁻ⁱ = −ω^(m/2 − i) for 0 < i < m/2 (ω^(m/2) = −1), so
    /// (u − v)·ω⁻ⁱ = (v − u)·ω^(m/2 − i).
    #[inline]
    fn inverse_butterfly(twiddles: &[Fr], x: &mut Fr, y: &mut Fr, i: usize) {
        let (u, v) = (*x, *y);
        *x = u + v;
        *y = if i == 0 { u - v } else { (v - u) * twiddles[twiddles.len() - i] };
    }

    /// The forward butterfly: (u, v) → (u + ωⁱ·v, u − ωⁱ·v).
    #[inline]
    fn forward_butterfly(twiddles: &[Fr], x: &mut Fr, y: &mut Fr, i: usize) {
        let (u, v) = (*x, *y * twiddles[i]);
        *x = u + v;
        *y = u - v;
    }

    /// Unscaled inverse DFT, natural order in, bit-reversed order out (Gentleman–Sande).
    fn inverse_dif(&self, a: &mut [Fr]) {
        let butterfly = Self::inverse_butterfly;
        let mut len = self.n;
        while len > BLOCK {
            self.stage(a, len, butterfly);
            len /= 2;
        }
        // The stages inside a block: block by block, each through all of them.
        let top = len;
        a.par_chunks_mut(top).for_each(|block| {
            let mut len = top;
            while len >= 2 {
                self.block_stage(block, len, butterfly);
                len /= 2;
            }
        });
    }

    /// Forward DFT, bit-reversed order in, natural order out (Cooley–Tukey).
    fn forward_dit(&self, a: &mut [Fr]) {
        let butterfly = Self::forward_butterfly;
        let top = self.n.min(BLOCK);
        a.par_chunks_mut(top).for_each(|block| {
            let mut len = 2;
            while len <= top {
                self.block_stage(block, len, butterfly);
                len *= 2;
            }
        });
        let mut len = top * 2;
        while len <= self.n {
            self.stage(a, len, butterfly);
            len *= 2;
        }
    }

    /// One stage within one block, on the calling thread: every run of `len` pairs its halves
    /// element by element, the k-th pair with ω^(k·n/len), from the block's own twiddles.
    fn block_stage(&self, block: &mut [Fr], len: usize, butterfly: impl Fn(&[Fr], &mut Fr, &mut Fr, usize)) {
        let (half, stride) = (len / 2, 2 * self.block_twiddles.len() / len);
        for chunk in block.chunks_mut(len) {
            let (lo, hi) = chunk.split_at_mut(half);
            for (k, (x, y)) in lo.iter_mut().zip(hi.iter_mut()).enumerate() {
                butterfly(&self.block_twiddles, x, y, k * stride);
            }
        }
    }

    /// One stage over the whole array, as `block_stage` does within a block, with a run's
    /// pairs split between threads when runs are few.
    fn stage(&self, a: &mut [Fr], len: usize, butterfly: impl Fn(&[Fr], &mut Fr, &mut Fr, usize) + Sync) {
        let (half, stride) = (len / 2, self.n / len);
        a.par_chunks_mut(len).for_each(|chunk| {
            let (lo, hi) = chunk.split_at_mut(half);
            lo.par_chunks_mut(PARALLEL_MIN).zip(hi.par_chunks_mut(PARALLEL_MIN)).enumerate().for_each(|(part, (lo, hi))| {
                for (k, (x, y)) in lo.iter_mut().zip(hi.iter_mut()).enumerate() {
                    butterfly(&self.twiddles, x, y, (part * PARALLEL_MIN + k) * stride);
                }
            });
        });
    }
}

fn powers(base: Fr, count: usize) -> Vec<Fr> {
    // In parallel chunks, each from its own starting power.
    const CHUNK: usize = 1 << 12;
    let mut out = vec![Fr::one(); count];
    out.par_chunks_mut(CHUNK).enumerate().for_each(|(i, chunk)| {
        let mut acc = base.pow([(i * CHUNK) as u64]);
        for x in chunk {
            *x = acc;
            acc *= base;
        }
    });
    out
}

fn reverse(i: usize, bits: u32) -> usize {
    i.reverse_bits() >> (usize::BITS - bits)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ff::{UniformRand, Zero};
    use ark_std::rand::{rngs::StdRng, SeedableRng};

    /// arkworks' way (IFFT, then the coset FFT), the reference.
    fn reference(values: &[Fr]) -> Vec<Fr> {
        let n = values.len();
        let domain = Radix2EvaluationDomain::<Fr>::new(n).unwrap();
        let double = Radix2EvaluationDomain::<Fr>::new(2 * n).unwrap();
        let coset = domain.get_coset(double.group_gen()).unwrap();
        let mut v = values.to_vec();
        domain.ifft_in_place(&mut v);
        coset.fft_in_place(&mut v);
        v
    }

    /// The domain's tables on the lanes or not.
    fn tables_on(n: usize, lanes: bool) -> OddPoints {
        let domain = Radix2EvaluationDomain::<Fr>::new(n).unwrap();
        let double = Radix2EvaluationDomain::<Fr>::new(2 * n).unwrap();
        OddPoints::build(n, domain.group_gen(), double.group_gen(), lanes)
    }

    #[test]
    fn equals_arkworks_ifft_then_coset_fft() {
        let mut rng = StdRng::seed_from_u64(5);
        for lanes in both_paths() {
            // Below, at and above one block; with both kinds of stage at 2^13 and 2^14 (the
            // lanes: the smallest they take, one block at 2^11, global stages from 2^12).
            for power in [1u32, 2, 3, 4, 5, 6, 8, 10, 11, 12, 13, 14] {
                let n = 1usize << power;
                let odd = tables_on(n, lanes);
                assert_eq!(odd.on_lanes(), lanes && n >= fft_ifma::MIN_N, "n = 2^{power}");
                let mut values: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
                // The field's edges among them.
                values[0] = -Fr::ONE;
                values[n - 1] = Fr::zero();
                let mut ours = values.clone();
                odd.apply(&mut ours);
                assert_eq!(ours, reference(&values), "n = 2^{power}, lanes {lanes}");
            }
        }
    }

    /// Both paths where this CPU has the lanes, else the scalar one.
    fn both_paths() -> Vec<bool> {
        if crate::ifma::available() {
            vec![false, true]
        } else {
            eprintln!("the lanes skipped: this CPU has no AVX-512 IFMA");
            vec![false]
        }
    }

    #[test]
    fn the_field_s_edges_on_both_paths() {
        let mut rng = StdRng::seed_from_u64(6);
        for lanes in both_paths() {
            for n in [16usize, 64, 1 << 12] {
                let odd = tables_on(n, lanes);
                let random: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
                let mut delta = vec![Fr::zero(); n];
                delta[0] = Fr::one();
                // x[j] = −x[j + n/2]: the first stage's sums are exactly r before reduction.
                let antisymmetric: Vec<Fr> = (0..n).map(|j| if j < n / 2 { random[j] } else { -random[j - n / 2] }).collect();
                let cases = [("zeros", vec![Fr::zero(); n]), ("r − 1", vec![-Fr::ONE; n]), ("delta", delta), ("antisymmetric", antisymmetric)];
                for (name, values) in cases {
                    let mut ours = values.clone();
                    odd.apply(&mut ours);
                    assert_eq!(ours, reference(&values), "{name}, n = {n}, lanes {lanes}");
                }
                // A constant polynomial is that constant at every point (the shift's scaling).
                let c = Fr::from(12345u64);
                let mut constant = vec![c; n];
                odd.apply(&mut constant);
                assert!(constant.iter().all(|v| *v == c), "constant, n = {n}, lanes {lanes}");
            }
        }
    }

    #[test]
    fn evaluates_the_interpolating_polynomial_at_the_odd_points() {
        // p(x) = 3 + 2x + x³: its values at ωʲ in, at g·ωʲ out (8 points: the scalar path only;
        // 16 and 32: the lanes too).
        for lanes in both_paths() {
            for n in [8usize, 16, 32] {
                let domain = Radix2EvaluationDomain::<Fr>::new(n).unwrap();
                let g = Radix2EvaluationDomain::<Fr>::new(2 * n).unwrap().group_gen();
                let p = |x: Fr| Fr::from(3u64) + Fr::from(2u64) * x + x * x * x;
                let mut values: Vec<Fr> = domain.elements().map(p).collect();
                tables_on(n, lanes).apply(&mut values);
                let expected: Vec<Fr> = domain.elements().map(|w| p(g * w)).collect();
                assert_eq!(values, expected, "n = {n}, lanes {lanes}");
            }
        }
    }
}

#[cfg(test)]
mod bench {
    use super::*;
    use ark_ff::UniformRand;
    use std::time::Instant;

    /// `cargo test --release --lib fft::bench -- --ignored --nocapture` (GLASSBOX_FFT_N; RAYON_NUM_THREADS).
    #[test]
    #[ignore]
    fn against_arkworks() {
        let n: usize = std::env::var("GLASSBOX_FFT_N").ok().and_then(|s| s.parse().ok()).unwrap_or(1 << 17);
        let domain = Radix2EvaluationDomain::<Fr>::new(n).unwrap();
        let double = Radix2EvaluationDomain::<Fr>::new(2 * n).unwrap();
        let coset = domain.get_coset(double.group_gen()).unwrap();
        let t = Instant::now();
        let odd = OddPoints::new(n, domain.group_gen(), double.group_gen());
        eprintln!("n = {n}: tables {:.1} ms, {} MiB", t.elapsed().as_secs_f64() * 1e3, odd.bytes() >> 20);
        let mut rng = ark_std::test_rng();
        let values: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
        for _ in 0..3 {
            let mut a = values.clone();
            let t = Instant::now();
            domain.ifft_in_place(&mut a);
            coset.fft_in_place(&mut a);
            let arkworks = t.elapsed().as_secs_f64() * 1e3;
            let mut b = values.clone();
            let t = Instant::now();
            odd.apply(&mut b);
            let ours = t.elapsed().as_secs_f64() * 1e3;
            assert_eq!(a, b);
            eprintln!("arkworks {arkworks:.1} ms, tables {ours:.1} ms ({:.2}×)", arkworks / ours);
        }
    }
}
