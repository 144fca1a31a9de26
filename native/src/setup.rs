//! A development Groth16 key: what `snarkjs zkey new` followed by one
//! `snarkjs zkey contribute` makes, in one native pass.
//!
//! Every point of the key is a sparse combination of the prepared ptau's
//! Lagrange points (sections 12–15 at the circuit's domain), read straight
//! from the file; C and H are then divided by a fresh random δ. The file has
//! snarkjs's layout and one contribution whose proof of knowledge of δ is
//! valid (hash-to-G2 of the transcript, as snarkjs computes it), so snarkjs
//! proves with it and exports the verification key and Solidity verifier.
//!
//! The circuit hash is snarkjs's own (`zkey new`): BLAKE2b-512 over the
//! header points and, section by section, the point count and the points of
//! the initial key (δ = 1) in ffjavascript's uncompressed form, with the H
//! section hashed from the ptau's powers (τ^(n+i) − τ^i). The unscaled
//! sections (IC, coefficients, A, B1, B2) are byte-identical to snarkjs's, so
//! `snarkjs zkey verify` accepts these keys against the r1cs and the ptau.
//! They stay development keys: the dev ptau they come from is not a ceremony.

use crate::binfile::{read_u32, read_u64, BinFile, BinWriter};
use crate::error::{Error, Result};
use crate::points::{fr_from_le, g1_from_lem, g1_to_lem, g1_to_lem_u, g1_to_uncompressed, g2_from_lem, g2_to_lem, g2_to_lem_u, G1_BYTES, G2_BYTES};
use crate::ptau::{hash_to_g2, write_contribution_name};
use ark_bn254::{Fq, Fr, G1Affine, G1Projective, G2Affine, G2Projective};
use ark_ec::short_weierstrass::{Affine, Projective, SWCurveConfig};
use ark_ec::{AffineRepr, CurveGroup, PrimeGroup};
#[allow(unused_imports)]
use ark_ff::BigInt;
use ark_ff::{BigInteger, Field, One, PrimeField, UniformRand, Zero};
use blake2::{Blake2b512, Digest};
use sha2::Sha256;
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

/// Feeds points to the circuit hash the way `zkey new` does (ffjavascript's `batchLEMtoU`).
fn hash_g1s(hasher: &mut Blake2b512, points: &[G1Affine]) {
    let mut bytes = vec![0u8; points.len() * G1_BYTES];
    bytes.par_chunks_mut(G1_BYTES).zip(points.par_iter()).for_each(|(b, p)| g1_to_lem_u(p, b));
    hasher.update(&bytes);
}

fn hash_g2s(hasher: &mut Blake2b512, points: &[G2Affine]) {
    let mut bytes = vec![0u8; points.len() * G2_BYTES];
    bytes.par_chunks_mut(G2_BYTES).zip(points.par_iter()).for_each(|(b, p)| g2_to_lem_u(p, b));
    hasher.update(&bytes);
}

/// `zkey new`'s `hashU32`: a section's point count, big-endian.
fn hash_count(hasher: &mut Blake2b512, count: usize) {
    hasher.update((count as u32).to_be_bytes());
}

/// How many H points `zkey new` hashes for a domain of `n`: n − 1, except
/// that its chunked loop (chunks of 2^14, each of a full chunk) hashes n
/// when n > 2^14, the last one reading τ^(2n−1).
fn hashed_h_points(n: usize) -> usize {
    const CHUNK: usize = 1 << 14;
    if n - 1 <= CHUNK {
        n - 1
    } else {
        (n - 1).div_ceil(CHUNK) * CHUNK
    }
}

fn sha256_hex(path: &Path) -> Result<String> {
    let mut file = File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let read = file.read(&mut buf)?;
        if read == 0 {
            break;
        }
        hasher.update(&buf[..read]);
    }
    Ok(hasher.finalize().iter().map(|b| format!("{b:02x}")).collect())
}

/// Writes a Groth16 proving key for `r1cs` from the prepared `ptau`, with one
/// contribution of fresh randomness (δ). `ptau_sha256` (hex; empty to skip)
/// pins the ptau file: a file that does not hash to it is refused. Returns
/// the circuit's domain power.
pub fn write_dev_zkey(r1cs_bytes: &[u8], ptau_path: &Path, ptau_sha256: &str, zkey_path: &Path) -> Result<u32> {
    let r1cs = parse_r1cs(r1cs_bytes)?;
    let mut ptau = PtauFile::open(ptau_path)?;
    if !ptau_sha256.is_empty() && !sha256_hex(ptau_path)?.eq_ignore_ascii_case(ptau_sha256) {
        return Err(Error::mismatch("the powers-of-tau file does not match its recorded SHA-256"));
    }
    let rows = r1cs.n_constraints + r1cs.n_public + 1;
    let power = (usize::BITS - (rows - 1).leading_zeros()).max(1);
    let n = 1usize << power;
    if power > ptau.power {
        return Err(Error::mismatch(format!("the circuit needs a powers of tau of 2^{power}, the file has 2^{}", ptau.power)));
    }
    if power >= 28 {
        return Err(Error::format("circuits of 2^28 constraints and more are not supported"));
    }
    let h_hashed = hashed_h_points(n);
    if n + h_hashed > (1usize << (ptau.power + 1)) - 1 {
        // snarkjs's own `zkey new` reads past the powers here (see hashed_h_points): its hash is not reproducible.
        return Err(Error::mismatch(format!(
            "a circuit of 2^{power} needs a powers of tau of 2^{} or more for a key whose circuit hash snarkjs can verify, the file has 2^{}",
            power + 1,
            ptau.power
        )));
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
    // The H points `zkey new` hashes: τ^(n+i) − τ^i from the powers (section 2).
    let powers = ptau.g1_points(2, 0, (n + h_hashed) as u64)?;
    let h_hash: Vec<G1Projective> = (0..h_hashed).into_par_iter().map(|i| powers[n + i].into_group() - powers[i]).collect();
    drop(powers);

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
    // β·A + α·B + C, per signal: IC for public signals, C (later over δ) for the rest.
    let abc: Vec<G1Projective> = columns
        .par_iter()
        .map(|col| combine(&col[0], &beta_tau_g1) + combine(&col[1], &alpha_tau_g1) + combine(&col[2], &tau_g1))
        .collect();
    drop(columns);
    let (a, b1, b2, abc, h_hash) = (
        G1Projective::normalize_batch(&a),
        G1Projective::normalize_batch(&b1),
        G2Projective::normalize_batch(&b2),
        G1Projective::normalize_batch(&abc),
        G1Projective::normalize_batch(&h_hash),
    );
    let (ic, c0) = abc.split_at(r1cs.n_public + 1);

    // snarkjs's circuit hash: the initial key (δ = 1) in `zkey new`'s order.
    let mut cs = Blake2b512::new();
    hash_g1s(&mut cs, &[alpha1, beta1]);
    hash_g2s(&mut cs, &[beta2, G2Affine::generator()]);
    hash_g1s(&mut cs, &[G1Affine::generator()]);
    hash_g2s(&mut cs, &[G2Affine::generator()]);
    hash_count(&mut cs, ic.len());
    hash_g1s(&mut cs, ic);
    hash_count(&mut cs, n - 1);
    hash_g1s(&mut cs, &h_hash);
    hash_count(&mut cs, c0.len());
    hash_g1s(&mut cs, c0);
    hash_count(&mut cs, a.len());
    hash_g1s(&mut cs, &a);
    hash_count(&mut cs, b1.len());
    hash_g1s(&mut cs, &b1);
    hash_count(&mut cs, b2.len());
    hash_g2s(&mut cs, &b2);
    let cs_hash: [u8; 64] = cs.finalize().into();
    drop(h_hash);

    let l: Vec<G1Projective> = c0.par_iter().map(|p| *p * delta_inv).collect();
    let h: Vec<G1Projective> = (0..n).into_par_iter().map(|i| double[2 * i + 1].into_group() * delta_inv).collect();
    let (l, h) = (G1Projective::normalize_batch(&l), G1Projective::normalize_batch(&h));
    let delta1 = (G1Projective::generator() * delta).into_affine();
    let delta2 = (G2Projective::generator() * delta).into_affine();

    // The contribution's proof of knowledge of δ, chained to the circuit hash as snarkjs does.
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
    w.section(3, |o| write_g1s(o, ic))?;
    w.section(9, |o| write_g1s(o, &h))?;
    w.section(8, |o| write_g1s(o, &l))?;
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
