//! Field elements and curve points in snarkjs's byte layouts.
//!
//! - "LEM" (zkey, ptau): affine coordinates as little-endian *Montgomery* limbs,
//!   the exact in-memory form of arkworks' `Fp`, so loading is a copy plus a
//!   range check; the point at infinity is all zeros. Fq2 is (c0, c1).
//! - witness values and MSM scalars: little-endian *standard* form.
//! - "uncompressed" (hashes in ptau contributions): big-endian standard form,
//!   Fq2 as (c1, c0), infinity flagged by 0x40 in the first byte.

use ark_bn254::{Fq, Fq2, Fr, G1Affine, G2Affine};
use ark_ff::{BigInt, BigInteger, PrimeField, Zero};

pub const G1_BYTES: usize = 64;
pub const G2_BYTES: usize = 128;

fn limbs(bytes: &[u8]) -> [u64; 4] {
    let mut out = [0u64; 4];
    for (i, limb) in out.iter_mut().enumerate() {
        *limb = u64::from_le_bytes(bytes[i * 8..i * 8 + 8].try_into().expect("8 bytes"));
    }
    out
}

/// A base-field element from its Montgomery limbs; `None` when not canonical (≥ q).
pub fn fq_from_lem(bytes: &[u8]) -> Option<Fq> {
    let raw = BigInt::new(limbs(bytes));
    (raw < Fq::MODULUS).then(|| Fq::new_unchecked(raw))
}

pub fn fq_to_lem(value: &Fq, out: &mut [u8]) {
    for (i, limb) in value.0 .0.iter().enumerate() {
        out[i * 8..i * 8 + 8].copy_from_slice(&limb.to_le_bytes());
    }
}

/// A scalar from little-endian standard form; `None` when ≥ r.
pub fn fr_from_le(bytes: &[u8]) -> Option<Fr> {
    Fr::from_bigint(BigInt::new(limbs(bytes)))
}

/// The scalar whose Montgomery limbs are these bytes, i.e. value · R⁻¹ read as standard form.
pub fn fr_raw(bytes: &[u8]) -> Option<Fr> {
    let raw = BigInt::new(limbs(bytes));
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
