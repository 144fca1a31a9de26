//! Field elements and curve points in snarkjs's byte layouts.
//!
//! - "LEM" (zkey, ptau): affine coordinates as little-endian *Montgomery* limbs,
//!   the exact in-memory form of arkworks' `Fp`, so a point is read with a copy
//!   (plus a range check where it is checked; `Bases` reads a pinned key's points
//!   in place, unchecked); the point at infinity is all zeros. Fq2 is (c0, c1).
//! - witness values and MSM scalars: little-endian *standard* form.
//! - "uncompressed" (hashes in ptau contributions): big-endian standard form,
//!   Fq2 as (c1, c0), infinity flagged by 0x40 in the first byte.

use ark_bn254::{g1, g2, Fq, Fq2, Fr, G1Affine, G2Affine};
use ark_ec::short_weierstrass::{Affine, SWCurveConfig};
use ark_ff::{BigInt, BigInteger, PrimeField, Zero};
use std::marker::PhantomData;

pub const G1_BYTES: usize = 64;
pub const G2_BYTES: usize = 128;

/// A base-field element from its Montgomery limbs; `None` when not canonical (≥ q).
pub fn fq_from_lem(bytes: &[u8]) -> Option<Fq> {
    let raw = BigInt::new(words(bytes));
    (raw < Fq::MODULUS).then(|| Fq::new_unchecked(raw))
}

pub fn fq_to_lem(value: &Fq, out: &mut [u8]) {
    for (i, limb) in value.0 .0.iter().enumerate() {
        out[i * 8..i * 8 + 8].copy_from_slice(&limb.to_le_bytes());
    }
}

/// A scalar from little-endian standard form; `None` when ≥ r.
pub fn fr_from_le(bytes: &[u8]) -> Option<Fr> {
    Fr::from_bigint(BigInt::new(words(bytes)))
}

/// The scalar whose Montgomery limbs are these bytes, i.e. value · R⁻¹ read as standard form.
pub fn fr_raw(bytes: &[u8]) -> Option<Fr> {
    let raw = BigInt::new(words(bytes));
    (raw < Fr::MODULUS).then(|| Fr::new_unchecked(raw))
}

pub fn g1_from_lem(bytes: &[u8]) -> Option<G1Affine> {
    let x = fq_from_lem(&bytes[0..32])?;
    let y = fq_from_lem(&bytes[32..64])?;
    Some(if x.is_zero() && y.is_zero() { G1Affine::identity() } else { G1Affine::new_unchecked(x, y) })
}

pub fn g2_from_lem(bytes: &[u8]) -> Option<G2Affine> {
    let x = Fq2::new(fq_from_lem(&bytes[0..32])?, fq_from_lem(&bytes[32..64])?);
    let y = Fq2::new(fq_from_lem(&bytes[64..96])?, fq_from_lem(&bytes[96..128])?);
    Some(if x.is_zero() && y.is_zero() { G2Affine::identity() } else { G2Affine::new_unchecked(x, y) })
}

pub fn g1_to_lem(p: &G1Affine, out: &mut [u8]) {
    if p.infinity {
        out[..G1_BYTES].fill(0);
    } else {
        fq_to_lem(&p.x, &mut out[0..32]);
        fq_to_lem(&p.y, &mut out[32..64]);
    }
}

pub fn g2_to_lem(p: &G2Affine, out: &mut [u8]) {
    if p.infinity {
        out[..G2_BYTES].fill(0);
    } else {
        fq_to_lem(&p.x.c0, &mut out[0..32]);
        fq_to_lem(&p.x.c1, &mut out[32..64]);
        fq_to_lem(&p.y.c0, &mut out[64..96]);
        fq_to_lem(&p.y.c1, &mut out[96..128]);
    }
}

fn fq_to_be(value: &Fq, out: &mut [u8]) {
    out[..32].copy_from_slice(&value.into_bigint().to_bytes_be());
}

/// snarkjs/ffjavascript `toRprUncompressed` of a G1 point.
pub fn g1_to_uncompressed(p: &G1Affine, out: &mut [u8]) {
    out[..G1_BYTES].fill(0);
    if p.infinity {
        out[0] = 0x40;
    } else {
        fq_to_be(&p.x, &mut out[0..32]);
        fq_to_be(&p.y, &mut out[32..64]);
    }
}

/// snarkjs/ffjavascript `toRprUncompressed` of a G2 point.
pub fn g2_to_uncompressed(p: &G2Affine, out: &mut [u8]) {
    out[..G2_BYTES].fill(0);
    if p.infinity {
        out[0] = 0x40;
    } else {
        fq_to_be(&p.x.c1, &mut out[0..32]);
        fq_to_be(&p.x.c0, &mut out[32..64]);
        fq_to_be(&p.y.c1, &mut out[64..96]);
        fq_to_be(&p.y.c0, &mut out[96..128]);
    }
}

/// ffjavascript's `batchLEMtoU` of a G1 point (the circuit hash of `zkey new`):
/// like [`g1_to_uncompressed`] but the point at infinity is all zeros, unflagged.
pub fn g1_to_lem_u(p: &G1Affine, out: &mut [u8]) {
    if p.infinity {
        out[..G1_BYTES].fill(0);
    } else {
        g1_to_uncompressed(p, out);
    }
}

/// ffjavascript's `batchLEMtoU` of a G2 point: infinity is all zeros.
pub fn g2_to_lem_u(p: &G2Affine, out: &mut [u8]) {
    if p.infinity {
        out[..G2_BYTES].fill(0);
    } else {
        g2_to_uncompressed(p, out);
    }
}

pub fn fq_decimal(value: &Fq) -> String {
    value.into_bigint().to_string()
}

pub fn fr_decimal(value: &Fr) -> String {
    value.into_bigint().to_string()
}

/// A curve whose points have a LEM layout: `BYTES` a point, read without checks.
pub trait LemCurve: SWCurveConfig {
    const BYTES: usize;
    /// The coordinates stored in `bytes` (taken as canonical: the key was checked or pinned).
    fn coordinates(bytes: &[u8]) -> (Self::BaseField, Self::BaseField);
    /// A point's LEM bytes (all zeros for the point at infinity).
    fn write(point: &Affine<Self>, out: &mut [u8]);
    /// Replaces every coordinate in `values` (none zero) by its inverse with one field
    /// inversion (Montgomery's trick: the batch-affine additions' denominators); `prefix` is
    /// scratch space.
    fn invert_all(values: &mut [Self::BaseField], prefix: &mut Vec<Self::BaseField>) {
        crate::msm::invert_all(values, prefix)
    }
    /// Bucket k ← bucket k + (px, py) for each `(k, px, py)` of `batch` (distinct buckets, all
    /// full) on a faster path where this curve has one: false, with nothing changed, where it
    /// has none (the caller then adds them itself).
    fn add_batch(_x: &mut [Self::BaseField], _y: &mut [Self::BaseField], _batch: &[(u32, Self::BaseField, Self::BaseField)]) -> bool {
        false
    }
}

/// The first N little-endian 64-bit words of `bytes` (one length check, then fixed offsets:
/// this is the MSMs' innermost read).
#[inline(always)]
pub fn words<const N: usize>(bytes: &[u8]) -> [u64; N] {
    let bytes = &bytes[..N * 8];
    std::array::from_fn(|k| u64::from_le_bytes(bytes[k * 8..k * 8 + 8].try_into().expect("8 bytes")))
}

impl LemCurve for g1::Config {
    const BYTES: usize = G1_BYTES;
    #[inline(always)]
    fn coordinates(bytes: &[u8]) -> (Fq, Fq) {
        let w = words::<8>(bytes);
        (Fq::new_unchecked(BigInt::new([w[0], w[1], w[2], w[3]])), Fq::new_unchecked(BigInt::new([w[4], w[5], w[6], w[7]])))
    }
    fn write(point: &G1Affine, out: &mut [u8]) {
        g1_to_lem(point, out)
    }
    /// On eight lanes with AVX-512 IFMA where the CPU has it (`ifma`).
    fn invert_all(values: &mut [Fq], prefix: &mut Vec<Fq>) {
        crate::ifma::invert_all_fq(values, prefix)
    }
    /// On eight lanes with AVX-512 IFMA where the CPU has it (`ifma`).
    fn add_batch(x: &mut [Fq], y: &mut [Fq], batch: &[(u32, Fq, Fq)]) -> bool {
        crate::ifma::add_batch_g1(x, y, batch)
    }
}

impl LemCurve for g2::Config {
    const BYTES: usize = G2_BYTES;
    #[inline(always)]
    fn coordinates(bytes: &[u8]) -> (Fq2, Fq2) {
        let w = words::<16>(bytes);
        let fq = |k: usize| Fq::new_unchecked(BigInt::new([w[k], w[k + 1], w[k + 2], w[k + 3]]));
        (Fq2::new(fq(0), fq(4)), Fq2::new(fq(8), fq(12)))
    }
    fn write(point: &G2Affine, out: &mut [u8]) {
        g2_to_lem(point, out)
    }
    /// Through the norms: 1/a = ā / N(a) with N(a) = a·ā in Fq, so the trick runs on Fq
    /// (3 Fq multiplications an element) instead of Fq2 (3 Fq2 multiplications, 9 in Fq), for
    /// 2 squarings and 2 multiplications more: about 6.6 multiplications an element, not 9.
    fn invert_all(values: &mut [Fq2], _prefix: &mut Vec<Fq2>) {
        let mut norms: Vec<Fq> = values.iter().map(|v| v.norm()).collect();
        let mut prefix = Vec::with_capacity(norms.len());
        crate::ifma::invert_all_fq(&mut norms, &mut prefix);
        for (v, n) in values.iter_mut().zip(&norms) {
            v.conjugate_in_place();
            v.mul_assign_by_basefield(n);
        }
    }
    /// On eight lanes with AVX-512 IFMA where the CPU has it (`ifma`).
    fn add_batch(x: &mut [Fq2], y: &mut [Fq2], batch: &[(u32, Fq2, Fq2)]) -> bool {
        crate::ifma::add_batch_g2(x, y, batch)
    }
}

/// Bases of an MSM in the key file's own layout (LEM, infinity as zeros), read in
/// place: from the proving key's mapping of the file, nothing is copied or parsed
/// ahead of the MSM. The bytes must hold canonical coordinates (a checked or a
/// pinned key's); a point is read when the MSM needs it.
pub struct Bases<'a, P> {
    bytes: &'a [u8],
    curve: PhantomData<fn() -> P>,
}

impl<P> Clone for Bases<'_, P> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<P> Copy for Bases<'_, P> {}

impl<'a, P: LemCurve> Bases<'a, P> {
    pub fn new(bytes: &'a [u8]) -> Self {
        assert_eq!(bytes.len() % P::BYTES, 0, "whole points");
        Self { bytes, curve: PhantomData }
    }

    pub fn len(&self) -> usize {
        self.bytes.len() / P::BYTES
    }

    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// Point i's bytes.
    #[inline(always)]
    pub fn raw(&self, i: usize) -> &'a [u8] {
        &self.bytes[i * P::BYTES..(i + 1) * P::BYTES]
    }

    /// Point i's coordinates; None for the point at infinity.
    #[inline(always)]
    pub fn get(&self, i: usize) -> Option<(P::BaseField, P::BaseField)> {
        let (x, y) = P::coordinates(self.raw(i));
        // (0, 0) is on neither BN254 curve (b ≠ 0): it can only mean infinity.
        (!(x.is_zero() && y.is_zero())).then_some((x, y))
    }

    pub fn affine(&self, i: usize) -> Affine<P> {
        match self.get(i) {
            Some((x, y)) => Affine::new_unchecked(x, y),
            None => Affine::identity(),
        }
    }
}

/// Points in the LEM layout (for bases built in memory: a table's subset, tests).
pub fn lem_points<P: LemCurve>(points: &[Affine<P>]) -> Vec<u8> {
    let mut out = vec![0u8; points.len() * P::BYTES];
    for (p, o) in points.iter().zip(out.chunks_exact_mut(P::BYTES)) {
        P::write(p, o);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::LemCurve;
    use ark_bn254::{g1, g2, Fq, Fq2};
    use ark_ff::{Field, UniformRand};
    use ark_std::rand::{rngs::StdRng, SeedableRng};

    #[test]
    fn batch_inversion_matches_one_by_one() {
        let mut rng = StdRng::seed_from_u64(3);
        let mut g2: Vec<Fq2> = (0..300).map(|_| Fq2::rand(&mut rng)).collect();
        // Elements with a zero half, and -1 (whose square is 1).
        g2.extend([Fq2::new(Fq::from(5u64), Fq::from(0u64)), Fq2::new(Fq::from(0u64), Fq::from(7u64)), -Fq2::ONE]);
        let expected: Vec<Fq2> = g2.iter().map(|v| v.inverse().expect("non-zero")).collect();
        g2::Config::invert_all(&mut g2, &mut Vec::new());
        assert_eq!(g2, expected);
        let mut g1: Vec<Fq> = (0..300).map(|_| Fq::rand(&mut rng)).collect();
        let expected: Vec<Fq> = g1.iter().map(|v| v.inverse().expect("non-zero")).collect();
        g1::Config::invert_all(&mut g1, &mut Vec::new());
        assert_eq!(g1, expected);
    }
}
