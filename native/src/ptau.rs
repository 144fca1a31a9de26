//! A development powers of tau, written directly in snarkjs's `.ptau` format
//! and already prepared for phase 2. INSECURE by construction: this process
//! chose τ, α and β (and forgets them when it returns).
//!
//! snarkjs builds the same file in three slow steps (new accumulator,
//! contribution, `prepare phase2`, which computes the Lagrange sections with
//! FFTs over curve points). Knowing τ, every section is a list of known
//! scalars times a generator: powers τⁱ, and the Lagrange basis Lᵢ(τ) of each
//! domain as field elements. So each point is one fixed-base multiplication.
//!
//! The file carries one contribution with valid proofs of knowledge of τ, α
//! and β (the same hash-to-G2, ChaCha and BLAKE2b transcript as snarkjs), so
//! `snarkjs powersoftau verify` accepts it.

use crate::binfile::BinWriter;
use crate::error::{Error, Result};
use crate::points::{g1_to_lem, g1_to_uncompressed, g2_to_lem, g2_to_uncompressed, G1_BYTES, G2_BYTES};
use ark_bn254::{g2, Fq, Fq2, Fr, G1Affine, G1Projective, G2Affine, G2Projective};
use ark_ec::short_weierstrass::{Affine, Projective, SWCurveConfig};
use ark_ec::{AdditiveGroup, AffineRepr, CurveGroup, PrimeGroup};
use ark_ff::{batch_inversion, BigInt, BigInteger, Field, One, PrimeField, UniformRand, Zero};
use ark_poly::{EvaluationDomain, Radix2EvaluationDomain};
use blake2::{Blake2b512, Digest};
use rayon::prelude::*;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

const CHUNK: usize = 1 << 16;

/// Precomputed multiples d·2^(w·j)·G: one mixed addition per w-bit digit.
struct FixedBase<P: SWCurveConfig> {
    window: usize,
    table: Vec<Vec<Affine<P>>>,
}

impl<P: SWCurveConfig<ScalarField = Fr>> FixedBase<P> {
    fn new(base: Projective<P>, window: usize) -> Self {
        let outer = 254usize.div_ceil(window);
        let mut starts = Vec::with_capacity(outer);
        let mut g = base;
        for _ in 0..outer {
            starts.push(g);
            for _ in 0..window {
                g.double_in_place();
            }
        }
        let table = starts
            .into_par_iter()
            .map(|g| {
                let mut row = Vec::with_capacity(1 << window);
                let mut acc = Projective::<P>::zero();
                for _ in 0..1usize << window {
                    row.push(acc);
                    acc += g;
                }
                Projective::normalize_batch(&row)
            })
            .collect();
        Self { window, table }
    }

    fn mul(&self, scalar: &Fr) -> Projective<P> {
        let bits = scalar.into_bigint();
        let mut acc = Projective::<P>::zero();
        for (j, row) in self.table.iter().enumerate() {
            let mut digit = 0usize;
            for b in 0..self.window {
                let i = j * self.window + b;
                if i < 256 && bits.get_bit(i) {
                    digit |= 1 << b;
                }
            }
            if digit != 0 {
                acc += &row[digit];
            }
        }
        acc
    }

    fn batch_mul(&self, scalars: &[Fr]) -> Vec<Affine<P>> {
        let projective: Vec<Projective<P>> = scalars.par_iter().with_min_len(256).map(|s| self.mul(s)).collect();
        Projective::normalize_batch(&projective)
    }
}

/// How a section's points are serialised, and whether they enter the transcript hash.
trait Encode: SWCurveConfig<ScalarField = Fr> {
    const SIZE: usize;
    fn lem(p: &Affine<Self>, out: &mut [u8]);
    fn uncompressed(p: &Affine<Self>, out: &mut [u8]);
}

impl Encode for ark_bn254::g1::Config {
    const SIZE: usize = G1_BYTES;
    fn lem(p: &G1Affine, out: &mut [u8]) {
        g1_to_lem(p, out)
    }
    fn uncompressed(p: &G1Affine, out: &mut [u8]) {
        g1_to_uncompressed(p, out)
    }
}

impl Encode for g2::Config {
    const SIZE: usize = G2_BYTES;
    fn lem(p: &G2Affine, out: &mut [u8]) {
        g2_to_lem(p, out)
    }
    fn uncompressed(p: &G2Affine, out: &mut [u8]) {
        g2_to_uncompressed(p, out)
    }
}

/// Writes scalars·G in chunks (and feeds their uncompressed form to `hasher`).
fn write_points<P: Encode, W: Write>(out: &mut W, base: &FixedBase<P>, scalars: &[Fr], mut hasher: Option<&mut Blake2b512>) -> std::io::Result<()> {
    let size = P::SIZE;
    let debug = std::env::var_os("GLASSBOX_NATIVE_DEBUG").is_some();
    let started = std::time::Instant::now();
    for chunk in scalars.chunks(CHUNK) {
        let t = std::time::Instant::now();
        let points = base.batch_mul(chunk);
        if debug { eprintln!("  batch_mul {} points: {:?}", chunk.len(), t.elapsed()); }
        let mut bytes = vec![0u8; points.len() * size];
        bytes.par_chunks_mut(size).zip(points.par_iter()).for_each(|(b, p)| P::lem(p, b));
        out.write_all(&bytes)?;
        if let Some(h) = hasher.as_deref_mut() {
            bytes.par_chunks_mut(size).zip(points.par_iter()).for_each(|(b, p)| P::uncompressed(p, b));
            h.update(&bytes);
        }
    }
    if debug { eprintln!("write_points {} × {} bytes: {:?}", scalars.len(), size, started.elapsed()); }
    Ok(())
}

/// first·ratioⁱ for i < count, computed in parallel runs.
fn geometric(first: Fr, ratio: Fr, count: usize) -> Vec<Fr> {
    let mut out = vec![Fr::zero(); count];
    out.par_chunks_mut(1 << 12).enumerate().for_each(|(k, run)| {
        let mut v = first * ratio.pow([(k as u64) << 12]);
        for x in run.iter_mut() {
            *x = v;
            v *= ratio;
        }
    });
    out
}

/// Lᵢ(τ) for the domain of size 2^k, in ffjavascript's order (i-th root ωⁱ).
/// With `drop_top`, the basis snarkjs derives from τ⁰…τ^(m−2) and a zero in
/// place of τ^(m−1) (its last tauG1 level has no τ^(2n−1)).
fn lagrange(tau: Fr, k: u32, drop_top: bool) -> Vec<Fr> {
    let m = 1usize << k;
    if m == 1 {
        return vec![if drop_top { Fr::zero() } else { Fr::one() }];
    }
    let domain = Radix2EvaluationDomain::<Fr>::new(m).expect("power ≤ 28");
    let roots = geometric(Fr::one(), domain.group_gen(), m);
    let m_inv = Fr::from(m as u64).inverse().expect("m ≠ 0");
    let z = (tau.pow([m as u64]) - Fr::one()) * m_inv;
    let mut denominators: Vec<Fr> = roots.par_iter().map(|w| tau - w).collect();
    batch_inversion(&mut denominators);
    let top = tau.pow([(m - 1) as u64]) * m_inv;
    roots
        .par_iter()
        .zip(denominators.par_iter())
        .map(|(w, d)| {
            let l = z * w * d;
            if drop_top {
                l - top * w
            } else {
                l
            }
        })
        .collect()
}

/// ffjavascript's ChaCha20 stream (snarkjs seeds it from a hash to derive points).
struct ChaCha {
    state: [u32; 16],
    buffer: [u32; 16],
    index: usize,
}

impl ChaCha {
    fn new(seed: [u32; 8]) -> Self {
        let mut state = [0u32; 16];
        state[..4].copy_from_slice(&[0x61707865, 0x3320646E, 0x79622D32, 0x6B206574]);
        state[4..12].copy_from_slice(&seed);
        Self { state, buffer: [0; 16], index: 16 }
    }

    fn quarter(s: &mut [u32; 16], a: usize, b: usize, c: usize, d: usize) {
        s[a] = s[a].wrapping_add(s[b]);
        s[d] = (s[d] ^ s[a]).rotate_left(16);
        s[c] = s[c].wrapping_add(s[d]);
        s[b] = (s[b] ^ s[c]).rotate_left(12);
        s[a] = s[a].wrapping_add(s[b]);
        s[d] = (s[d] ^ s[a]).rotate_left(8);
        s[c] = s[c].wrapping_add(s[d]);
        s[b] = (s[b] ^ s[c]).rotate_left(7);
    }

    fn next_u32(&mut self) -> u32 {
        if self.index == 16 {
            let mut b = self.state;
            for _ in 0..10 {
                Self::quarter(&mut b, 0, 4, 8, 12);
                Self::quarter(&mut b, 1, 5, 9, 13);
                Self::quarter(&mut b, 2, 6, 10, 14);
                Self::quarter(&mut b, 3, 7, 11, 15);
                Self::quarter(&mut b, 0, 5, 10, 15);
                Self::quarter(&mut b, 1, 6, 11, 12);
                Self::quarter(&mut b, 2, 7, 8, 13);
                Self::quarter(&mut b, 3, 4, 9, 14);
            }
            for i in 0..16 {
                self.buffer[i] = b[i].wrapping_add(self.state[i]);
            }
            self.index = 0;
            for i in 12..16 {
                self.state[i] = self.state[i].wrapping_add(1);
                if self.state[i] != 0 {
                    break;
                }
            }
        }
        self.index += 1;
        self.buffer[self.index - 1]
    }

    fn next_u64(&mut self) -> u64 {
        let high = self.next_u32() as u64;
        (high << 32) | self.next_u32() as u64
    }

    /// ffjavascript's `F1.fromRng`: 254 random bits below q, taken as Montgomery limbs.
    fn next_fq(&mut self) -> Fq {
        loop {
            let mut limbs = [0u64; 4];
            for l in limbs.iter_mut() {
                *l = self.next_u64();
            }
            limbs[3] &= (1u64 << 62) - 1;
            let raw = BigInt::new(limbs);
            if raw < Fq::MODULUS {
                return Fq::new_unchecked(raw);
            }
        }
    }
}

fn fq_is_negative(x: &Fq) -> bool {
    let mut half = Fq::MODULUS;
    half.div2();
    x.into_bigint() > half
}

/// snarkjs `hashToG2`: ChaCha seeded by the hash's eight big-endian words, then
/// ffjavascript's `G2.fromRng` (try x until x³ + b is a square, pick the root's
/// sign from the stream, clear the cofactor).
pub(crate) fn hash_to_g2(hash: &[u8]) -> G2Affine {
    let seed: [u32; 8] = std::array::from_fn(|i| u32::from_be_bytes(hash[i * 4..i * 4 + 4].try_into().expect("4 bytes")));
    let mut rng = ChaCha::new(seed);
    loop {
        let c0 = rng.next_fq();
        let c1 = rng.next_fq();
        let x = Fq2::new(c0, c1);
        let greatest = rng.next_u32() & 1 == 1;
        let rhs = x.square() * x + g2::Config::COEFF_B;
        if let Some(mut y) = rhs.sqrt() {
            let negative = if y.c1.is_zero() { fq_is_negative(&y.c0) } else { fq_is_negative(&y.c1) };
            if greatest ^ negative {
                y = -y;
            }
            let cofactor = BigInt::<4>::new([0x345f2299c0f9fa8d, 0x06ceecda572a2489, 0xb85045b68181585e, 0x30644e72e131a029]);
            return G2Affine::new_unchecked(x, y).mul_bigint(cofactor).into_affine();
        }
    }
}

/// snarkjs `calculateFirstChallengeHash`: the transcript of an empty accumulator.
fn first_challenge_hash(power: u32) -> [u8; 64] {
    let mut g1 = [0u8; G1_BYTES];
    let mut g2 = [0u8; G2_BYTES];
    g1_to_uncompressed(&G1Affine::generator(), &mut g1);
    g2_to_uncompressed(&G2Affine::generator(), &mut g2);
    let mut h = Blake2b512::new();
    h.update(Blake2b512::digest(b""));
    let repeat = |h: &mut Blake2b512, bytes: &[u8], n: usize| {
        let block: Vec<u8> = bytes.iter().copied().cycle().take(bytes.len() * 4096).collect();
        for _ in 0..n / 4096 {
            h.update(&block);
        }
        for _ in 0..n % 4096 {
            h.update(bytes);
        }
    };
    let n = 1usize << power;
    repeat(&mut h, &g1, 2 * n - 1);
    repeat(&mut h, &g2, n);
    repeat(&mut h, &g1, n);
    repeat(&mut h, &g1, n);
    h.update(g2);
    h.finalize().into()
}

/// One contributor's public key: g1_s, g1_s·x and hashToG2(transcript)·x.
struct KeyPart {
    g1_s: G1Affine,
    g1_sx: G1Affine,
    g2_spx: G2Affine,
}

fn key_part(secret: Fr, personalization: u8, challenge: &[u8; 64]) -> KeyPart {
    let mut rng = rand::rngs::OsRng;
    let g1_s = (G1Projective::generator() * Fr::rand(&mut rng)).into_affine();
    let g1_sx = (g1_s * secret).into_affine();
    let mut h = Blake2b512::new();
    let mut buf = [0u8; G1_BYTES];
    h.update([personalization]);
    h.update(challenge);
    g1_to_uncompressed(&g1_s, &mut buf);
    h.update(buf);
    g1_to_uncompressed(&g1_sx, &mut buf);
    h.update(buf);
    let g2_sp = hash_to_g2(&h.finalize());
    KeyPart { g1_s, g1_sx, g2_spx: (g2_sp * secret).into_affine() }
}

/// The pubkey as snarkjs lays it out: six G1 points then three G2 points.
fn key_bytes(parts: &[KeyPart; 3], uncompressed: bool) -> Vec<u8> {
    let mut out = Vec::new();
    let mut b1 = [0u8; G1_BYTES];
    let mut b2 = [0u8; G2_BYTES];
    for part in parts {
        for p in [&part.g1_s, &part.g1_sx] {
            if uncompressed { g1_to_uncompressed(p, &mut b1) } else { g1_to_lem(p, &mut b1) }
            out.extend_from_slice(&b1);
        }
    }
    for part in parts {
        if uncompressed { g2_to_uncompressed(&part.g2_spx, &mut b2) } else { g2_to_lem(&part.g2_spx, &mut b2) }
        out.extend_from_slice(&b2);
    }
    out
}

/// BLAKE2b-512's initial state in the 216-byte layout snarkjs stores
/// (noble-hashes internals: a 128-byte block buffer, then v0..v7 as lo/hi
/// 32-bit words, then length and position). Continuing from it hashes the
/// contributor's public key alone, which is what `verify` recomputes.
fn fresh_partial_hash() -> [u8; 216] {
    const IV: [u64; 8] = [
        0x6a09e667f3bcc908, 0xbb67ae8584caa73b, 0x3c6ef372fe94f82b, 0xa54ff53a5f1d36f1,
        0x510e527fade682d1, 0x9b05688c2b3e6c1f, 0x1f83d9abfb41bd6b, 0x5be0cd19137e2179,
    ];
    let mut out = [0u8; 216];
    for (i, v) in IV.iter().enumerate() {
        let v = if i == 0 { v ^ 0x0101_0040 } else { *v };
        out[128 + i * 8..132 + i * 8].copy_from_slice(&(v as u32).to_le_bytes());
        out[132 + i * 8..136 + i * 8].copy_from_slice(&((v >> 32) as u32).to_le_bytes());
    }
    out
}

/// The parameters snarkjs records with a contribution: one name (type 1),
/// length-prefixed. The dev ptau's and the dev zkey's contributions carry it.
pub(crate) fn write_contribution_name<W: Write>(out: &mut W) -> std::io::Result<()> {
    let name = b"glassbox dev (INSECURE)";
    let mut params = vec![1u8, name.len() as u8];
    params.extend_from_slice(name);
    out.write_all(&(params.len() as u32).to_le_bytes())?;
    out.write_all(&params)
}

pub fn write_dev_ptau(path: &Path, power: u32) -> Result<()> {
    if !(1..=27).contains(&power) {
        return Err(Error::format(format!("cannot write a powers of tau of power {power} (1 to 27)")));
    }
    let n = 1usize << power;
    let mut rng = rand::rngs::OsRng;
    // τ must not be a root of unity of any domain used (all divide 2^(power+1)).
    let tau = loop {
        let t = Fr::rand(&mut rng);
        if !t.is_zero() && t.pow([2 * n as u64]) != Fr::one() {
            break t;
        }
    };
    let alpha = loop {
        let a = Fr::rand(&mut rng);
        if !a.is_zero() {
            break a;
        }
    };
    let beta = loop {
        let b = Fr::rand(&mut rng);
        if !b.is_zero() {
            break b;
        }
    };

    let g1 = FixedBase::<ark_bn254::g1::Config>::new(G1Projective::generator(), 15);
    let g2 = FixedBase::<g2::Config>::new(G2Projective::generator(), 13);

    let challenge = first_challenge_hash(power);
    let key = [key_part(tau, 0, &challenge), key_part(alpha, 1, &challenge), key_part(beta, 2, &challenge)];
    let response_hash: [u8; 64] = Blake2b512::digest(key_bytes(&key, true)).into();
    let mut transcript = Blake2b512::new();
    transcript.update(response_hash);

    let file = File::create(path)?;
    let mut w = BinWriter::new(BufWriter::with_capacity(1 << 22, file), "ptau", 1, 11)?;
    w.section(1, |o| {
        o.write_all(&32u32.to_le_bytes())?;
        o.write_all(&Fq::MODULUS.to_bytes_le())?;
        o.write_all(&power.to_le_bytes())?;
        o.write_all(&power.to_le_bytes())
    })?;
    let powers = geometric(Fr::one(), tau, 2 * n - 1);
    w.section(2, |o| write_points(o, &g1, &powers, Some(&mut transcript)))?;
    w.section(3, |o| write_points(o, &g2, &powers[..n], Some(&mut transcript)))?;
    let scaled: Vec<Fr> = powers[..n].par_iter().map(|p| alpha * p).collect();
    w.section(4, |o| write_points(o, &g1, &scaled, Some(&mut transcript)))?;
    let scaled: Vec<Fr> = powers[..n].par_iter().map(|p| beta * p).collect();
    w.section(5, |o| write_points(o, &g1, &scaled, Some(&mut transcript)))?;
    drop((scaled, powers));
    w.section(6, |o| write_points(o, &g2, &[beta], Some(&mut transcript)))?;
    let next_challenge: [u8; 64] = transcript.finalize().into();

    w.section(7, |o| {
        o.write_all(&1u32.to_le_bytes())?;
        let mut b1 = [0u8; G1_BYTES];
        let mut b2 = [0u8; G2_BYTES];
        g1_to_lem(&(G1Projective::generator() * tau).into_affine(), &mut b1);
        o.write_all(&b1)?;
        g2_to_lem(&(G2Projective::generator() * tau).into_affine(), &mut b2);
        o.write_all(&b2)?;
        g1_to_lem(&(G1Projective::generator() * alpha).into_affine(), &mut b1);
        o.write_all(&b1)?;
        g1_to_lem(&(G1Projective::generator() * beta).into_affine(), &mut b1);
        o.write_all(&b1)?;
        g2_to_lem(&(G2Projective::generator() * beta).into_affine(), &mut b2);
        o.write_all(&b2)?;
        o.write_all(&key_bytes(&key, false))?;
        o.write_all(&fresh_partial_hash())?;
        o.write_all(&next_challenge)?;
        o.write_all(&0u32.to_le_bytes())?; // a contribution, not a beacon
        write_contribution_name(o)
    })?;

    // Phase-2 sections: the Lagrange basis of every domain 2^0 … 2^power
    // (and 2^(power+1) for tauG1, used for circom's H query).
    w.section(12, |o| {
        for k in 0..=power + 1 {
            write_points(o, &g1, &lagrange(tau, k, k == power + 1), None)?;
        }
        Ok(())
    })?;
    w.section(13, |o| (0..=power).try_for_each(|k| write_points(o, &g2, &lagrange(tau, k, false), None)))?;
    w.section(14, |o| {
        (0..=power).try_for_each(|k| {
            let l: Vec<Fr> = lagrange(tau, k, false).into_par_iter().map(|x| alpha * x).collect();
            write_points(o, &g1, &l, None)
        })
    })?;
    w.section(15, |o| {
        (0..=power).try_for_each(|k| {
            let l: Vec<Fr> = lagrange(tau, k, false).into_par_iter().map(|x| beta * x).collect();
            write_points(o, &g1, &l, None)
        })
    })?;
    let mut out = w.finish();
    out.flush()?;
    out.into_inner().map_err(|e| Error::from(e.into_error()))?.sync_all()?;
    Ok(())
}
