//! A development Groth16 key: what `snarkjs zkey new` followed by one
//! `snarkjs zkey contribute` makes, in one native pass.
//!
//! Every point of the key is a sparse combination of the prepared ptau's
//! Lagrange points (sections 12–15 at the circuit's domain), read straight
//! from the file; C and H are then divided by a fresh random δ. The file has
//! snarkjs's layout and one contribution whose proof of knowledge of δ is
//! valid (hash-to-G2 of the transcript, as snarkjs computes it), so snarkjs
//! proves with it and exports the verification key and Solidity verifier.
//! Its circuit hash is glassbox's own (BLAKE2b of the r1cs and the ptau's
//! SHA-256), not snarkjs's, so `snarkjs zkey verify` does not accept it: these
//! keys are for development only, like the dev ptau they come from.

use crate::binfile::{read_u32, read_u64, BinFile, BinWriter};
use crate::error::{Error, Result};
use crate::points::{fr_from_le, g1_from_lem, g1_to_lem, g1_to_uncompressed, g2_from_lem, g2_to_lem, G1_BYTES, G2_BYTES};
use crate::ptau::{hash_to_g2, write_contribution_name};
use ark_bn254::{Fq, Fr, G1Affine, G1Projective, G2Affine, G2Projective};
use ark_ec::short_weierstrass::{Affine, Projective, SWCurveConfig};
use ark_ec::{AffineRepr, CurveGroup, PrimeGroup};
#[allow(unused_imports)]
use ark_ff::BigInt;
use ark_ff::{BigInteger, Field, One, PrimeField, UniformRand, Zero};
use blake2::{Blake2b512, Digest};
use rayon::prelude::*;
use std::fs::File;
use std::io::{BufWriter, Read, Seek, SeekFrom, Write};
use std::path::Path;

/// One term of a linear combination in an R1CS constraint.
#[derive(Clone, Copy)]
struct Term {
    constraint: u32,
    coef: Fr,
}

struct R1cs {
    n_vars: usize,
    n_public: usize,
    n_constraints: usize,
    /// Per constraint: (A, B, C) as (signal, coefficient) lists.
    constraints: Vec<[Vec<(u32, Fr)>; 3]>,
}

fn parse_r1cs(bytes: &[u8]) -> Result<R1cs> {
    let what = "the circuit (.r1cs)";
    let file = BinFile::parse(bytes, "r1cs", what)?;
    let h = file.section(1, what)?;
    if h.len() < 4 || read_u32(h, 0) != 32 || h.len() != 4 + 32 + 4 * 4 + 8 + 4 {
        return Err(Error::format("the circuit is not over a 254-bit field"));
    }
    if h[4..36] != Fr::MODULUS.to_bytes_le()[..] {
        return Err(Error::mismatch("the circuit's field is not BN254's scalar field"));
    }
    let n_vars = read_u32(h, 36) as usize;
    let n_public = read_u32(h, 40) as usize + read_u32(h, 44) as usize;
    let n_constraints = read_u32(h, 60) as usize;
    let _labels = read_u64(h, 52);
    let body = file.section(2, what)?;
    let mut at = 0usize;
    let mut constraints = Vec::with_capacity(n_constraints);
    let next_u32 = |at: &mut usize| -> Result<u32> {
        let v = body.get(*at..*at + 4).ok_or_else(|| Error::format("the circuit's constraint section is truncated"))?;
        *at += 4;
        Ok(u32::from_le_bytes(v.try_into().expect("4 bytes")))
    };
    for _ in 0..n_constraints {
        let mut lcs: [Vec<(u32, Fr)>; 3] = Default::default();
        for lc in lcs.iter_mut() {
            let terms = next_u32(&mut at)? as usize;
            for _ in 0..terms {
                let signal = next_u32(&mut at)?;
                let coef = body.get(at..at + 32).and_then(fr_from_le).ok_or_else(|| Error::format("the circuit holds a coefficient out of range"))?;
                at += 32;
                if signal as usize >= n_vars {
                    return Err(Error::format("the circuit refers to a signal out of range"));
                }
                lc.push((signal, coef));
            }
        }
        constraints.push(lcs);
    }
    Ok(R1cs { n_vars, n_public, n_constraints, constraints })
}

/// Random access to the sections of a (large) ptau file without reading it whole.
struct PtauFile {
    file: File,
    sections: Vec<(u32, u64, u64)>,
    power: u32,
}

impl PtauFile {
    fn open(path: &Path) -> Result<Self> {
        let mut file = File::open(path)?;
        let mut head = [0u8; 12];
        file.read_exact(&mut head)?;
        if &head[0..4] != b"ptau" {
            return Err(Error::format("not a powers-of-tau (.ptau) file"));
        }
        let total = file.metadata()?.len();
        let mut sections = Vec::new();
        let mut offset = 12u64;
        for _ in 0..read_u32(&head, 8) {
            let mut s = [0u8; 12];
            file.seek(SeekFrom::Start(offset))?;
            file.read_exact(&mut s)?;
            let (kind, len) = (read_u32(&s, 0), read_u64(&s, 4));
            if offset + 12 + len > total {
                return Err(Error::format("the powers-of-tau file is truncated"));
            }
            sections.push((kind, offset + 12, len));
            offset += 12 + len;
        }
        let mut ptau = Self { file, sections, power: 0 };
        let header = ptau.read(1, 0, 4 + 32 + 8)?;
        if read_u32(&header, 0) != 32 || header[4..36] != Fq::MODULUS.to_bytes_le()[..] {
            return Err(Error::format("the powers-of-tau file is not for BN254"));
        }
        ptau.power = read_u32(&header, 36);
        Ok(ptau)
    }

    fn read(&mut self, kind: u32, from: u64, len: u64) -> Result<Vec<u8>> {
        let &(_, start, size) = self.sections.iter().find(|s| s.0 == kind).ok_or_else(|| Error::format(format!("the powers-of-tau file has no section {kind} (is it prepared for phase 2?)")))?;
        if from + len > size {
            return Err(Error::format(format!("the powers-of-tau file's section {kind} is too short")));
        }
        let mut out = vec![0u8; len as usize];
        self.file.seek(SeekFrom::Start(start + from))?;
        self.file.read_exact(&mut out)?;
        Ok(out)
    }

    fn g1_points(&mut self, kind: u32, first: u64, count: u64) -> Result<Vec<G1Affine>> {
        let bytes = self.read(kind, first * G1_BYTES as u64, count * G1_BYTES as u64)?;
        bytes.par_chunks_exact(G1_BYTES).map(|b| g1_from_lem(b).ok_or_else(|| Error::format("the powers-of-tau file holds an invalid point"))).collect()
    }

    fn g2_points(&mut self, kind: u32, first: u64, count: u64) -> Result<Vec<G2Affine>> {
        let bytes = self.read(kind, first * G2_BYTES as u64, count * G2_BYTES as u64)?;
        bytes.par_chunks_exact(G2_BYTES).map(|b| g2_from_lem(b).ok_or_else(|| Error::format("the powers-of-tau file holds an invalid point"))).collect()
    }
}

/// coef · P, cheap for ±1 and small coefficients (most of an R1CS).
fn times<P: SWCurveConfig<ScalarField = Fr>>(p: &Affine<P>, coef: &Fr) -> Projective<P> {
    let value = coef.into_bigint();
    let mut negated = Fr::MODULUS;
    negated.sub_with_borrow(&value);
    if negated.num_bits() < value.num_bits() {
        -(p.mul_bigint(negated))
    } else {
        p.mul_bigint(value)
    }
}

fn combine<P: SWCurveConfig<ScalarField = Fr>>(terms: &[Term], bases: &[Affine<P>]) -> Projective<P> {
    let mut acc = Projective::<P>::zero();
    for t in terms {
        if t.coef.is_one() {
            acc += &bases[t.constraint as usize];
        } else {
            acc += times(&bases[t.constraint as usize], &t.coef);
        }
    }
    acc
}

fn write_g1s<W: Write>(o: &mut W, points: &[G1Affine]) -> std::io::Result<()> {
    let mut bytes = vec![0u8; points.len() * G1_BYTES];
    bytes.par_chunks_mut(G1_BYTES).zip(points.par_iter()).for_each(|(b, p)| g1_to_lem(p, b));
    o.write_all(&bytes)
}

fn write_g2s<W: Write>(o: &mut W, points: &[G2Affine]) -> std::io::Result<()> {
    let mut bytes = vec![0u8; points.len() * G2_BYTES];
    bytes.par_chunks_mut(G2_BYTES).zip(points.par_iter()).for_each(|(b, p)| g2_to_lem(p, b));
    o.write_all(&bytes)
}

/// Writes a Groth16 proving key for `r1cs` from the prepared `ptau`, with one
/// contribution of fresh randomness (δ). Returns the circuit's domain power.
pub fn write_dev_zkey(r1cs_bytes: &[u8], ptau_path: &Path, ptau_sha256: &[u8], zkey_path: &Path) -> Result<u32> {
    let r1cs = parse_r1cs(r1cs_bytes)?;
    let mut ptau = PtauFile::open(ptau_path)?;
    let rows = r1cs.n_constraints + r1cs.n_public + 1;
    let power = (usize::BITS - (rows - 1).leading_zeros()).max(1);
    let n = 1usize << power;
    if power > ptau.power {
        return Err(Error::mismatch(format!("the circuit needs a powers of tau of 2^{power}, the file has 2^{}", ptau.power)));
    }
    if power >= 28 {
        return Err(Error::format("circuits of 2^28 constraints and more are not supported"));
    }
    let level = (n - 1) as u64;
    let tau_g1 = ptau.g1_points(12, level, n as u64)?;
    let tau_g2 = ptau.g2_points(13, level, n as u64)?;
    let alpha_tau_g1 = ptau.g1_points(14, level, n as u64)?;
    let beta_tau_g1 = ptau.g1_points(15, level, n as u64)?;
    let double = ptau.g1_points(12, (2 * n - 1) as u64, 2 * n as u64)?;
    let alpha1 = ptau.g1_points(4, 0, 1)?[0];
    let beta1 = ptau.g1_points(5, 0, 1)?[0];
    let beta2 = ptau.g2_points(6, 0, 1)?[0];

    // Columns: per signal, its terms in A, B and C.
    let mut columns: Vec<[Vec<Term>; 3]> = (0..r1cs.n_vars).map(|_| Default::default()).collect();
    for (c, lcs) in r1cs.constraints.iter().enumerate() {
        for (m, lc) in lcs.iter().enumerate() {
            for &(s, coef) in lc {
                columns[s as usize][m].push(Term { constraint: c as u32, coef });
            }
        }
    }
    // snarkjs adds one row per public signal (and the constant 1): A[s] += L[nConstraints + s].
    for s in 0..=r1cs.n_public {
        columns[s][0].push(Term { constraint: (r1cs.n_constraints + s) as u32, coef: Fr::one() });
    }

    let mut rng = rand::rngs::OsRng;
    let delta = loop {
        let d = Fr::rand(&mut rng);
        if !d.is_zero() {
            break d;
        }
    };
    let delta_inv = delta.inverse().expect("δ ≠ 0");

    let a: Vec<G1Projective> = columns.par_iter().map(|col| combine(&col[0], &tau_g1)).collect();
    let b1: Vec<G1Projective> = columns.par_iter().map(|col| combine(&col[1], &tau_g1)).collect();
    let b2: Vec<G2Projective> = columns.par_iter().map(|col| combine(&col[1], &tau_g2)).collect();
    // β·A + α·B + C, per signal: IC for public signals, C (over δ) for the rest.
    let abc: Vec<G1Projective> = columns
        .par_iter()
        .enumerate()
        .map(|(s, col)| {
            let sum = combine(&col[0], &beta_tau_g1) + combine(&col[1], &alpha_tau_g1) + combine(&col[2], &tau_g1);
            if s <= r1cs.n_public {
                sum
            } else {
                sum * delta_inv
            }
        })
        .collect();
    drop(columns);
    let h: Vec<G1Projective> = (0..n).into_par_iter().map(|i| double[2 * i + 1].into_group() * delta_inv).collect();
    let (a, b1, b2, abc, h) = (
        G1Projective::normalize_batch(&a),
        G1Projective::normalize_batch(&b1),
        G2Projective::normalize_batch(&b2),
        G1Projective::normalize_batch(&abc),
        G1Projective::normalize_batch(&h),
    );
    let delta1 = (G1Projective::generator() * delta).into_affine();
    let delta2 = (G2Projective::generator() * delta).into_affine();

    // The circuit hash (glassbox's) and the contribution's proof of knowledge of δ (snarkjs's).
    let mut cs = Blake2b512::new();
    cs.update(b"glassbox native dev zkey v1");
    cs.update(r1cs_bytes);
    cs.update(ptau_sha256);
    let cs_hash: [u8; 64] = cs.finalize().into();
    let g1_s = (G1Projective::generator() * Fr::rand(&mut rng)).into_affine();
    let g1_sx = (g1_s * delta).into_affine();
    let mut transcript = Blake2b512::new();
    transcript.update(cs_hash);
    let mut buf = [0u8; G1_BYTES];
    g1_to_uncompressed(&g1_s, &mut buf);
    transcript.update(buf);
    g1_to_uncompressed(&g1_sx, &mut buf);
    transcript.update(buf);
    let transcript: [u8; 64] = transcript.finalize().into();
    let g2_spx = (hash_to_g2(&transcript) * delta).into_affine();

    let montgomery_r = Fr::new_unchecked(Fr::R2); // the element R: its limbs are R² mod r
    let file = File::create(zkey_path)?;
    let mut w = BinWriter::new(BufWriter::with_capacity(1 << 22, file), "zkey", 1, 10)?;
    w.section(1, |o| o.write_all(&1u32.to_le_bytes()))?;
    w.section(2, |o| {
        o.write_all(&32u32.to_le_bytes())?;
        o.write_all(&Fq::MODULUS.to_bytes_le())?;
        o.write_all(&32u32.to_le_bytes())?;
        o.write_all(&Fr::MODULUS.to_bytes_le())?;
        o.write_all(&(r1cs.n_vars as u32).to_le_bytes())?;
        o.write_all(&(r1cs.n_public as u32).to_le_bytes())?;
        o.write_all(&(n as u32).to_le_bytes())?;
        write_g1s(o, &[alpha1, beta1])?;
        write_g2s(o, &[beta2, G2Affine::generator()])?;
        write_g1s(o, &[delta1])?;
        write_g2s(o, &[delta2])
    })?;
    w.section(4, |o| {
        let mut entries = Vec::new();
        let mut push = |m: u32, c: usize, s: u32, coef: Fr| {
            entries.extend_from_slice(&m.to_le_bytes());
            entries.extend_from_slice(&(c as u32).to_le_bytes());
            entries.extend_from_slice(&s.to_le_bytes());
            entries.extend_from_slice(&(coef * montgomery_r).0.to_bytes_le());
        };
        for (c, lcs) in r1cs.constraints.iter().enumerate() {
            for (m, lc) in lcs.iter().take(2).enumerate() {
                for &(s, coef) in lc {
                    push(m as u32, c, s, coef);
                }
            }
        }
        for s in 0..=r1cs.n_public {
            push(0, r1cs.n_constraints + s, s as u32, Fr::one());
        }
        o.write_all(&((entries.len() / 44) as u32).to_le_bytes())?;
        o.write_all(&entries)
    })?;
    w.section(3, |o| write_g1s(o, &abc[..=r1cs.n_public]))?;
    w.section(9, |o| write_g1s(o, &h))?;
    w.section(8, |o| write_g1s(o, &abc[r1cs.n_public + 1..]))?;
    w.section(5, |o| write_g1s(o, &a))?;
    w.section(6, |o| write_g1s(o, &b1))?;
    w.section(7, |o| write_g2s(o, &b2))?;
    w.section(10, |o| {
        o.write_all(&cs_hash)?;
        o.write_all(&1u32.to_le_bytes())?;
        write_g1s(o, &[delta1, g1_s, g1_sx])?;
        write_g2s(o, &[g2_spx])?;
        o.write_all(&transcript)?;
        o.write_all(&0u32.to_le_bytes())?;
        write_contribution_name(o)
    })?;
    let mut out = w.finish();
    out.flush()?;
    out.into_inner().map_err(|e| Error::from(e.into_error()))?.sync_all()?;
    Ok(power)
}
