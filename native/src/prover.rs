//! Groth16 proving with snarkjs's semantics (groth16_prove.js), so that
//! snarkjs and the generated Solidity verifier accept the proofs unchanged.
//!
//! The H term uses circom's reduction, not libsnark's: the key's H query holds
//! the Lagrange basis of the *doubled* domain at its odd points (L₂ₙ,₂ᵢ₊₁(τ)/δ),
//! so the prover needs A·B − C evaluated at the odd 2n-th roots of unity:
//! interpolate A, B and C on the n-th roots (IFFT), shift by ω₂ₙ (coset), and
//! evaluate again (FFT). There A·B − C is exactly what the basis needs; no
//! division by the vanishing polynomial is done (the key absorbed it).

use crate::error::Result;
use crate::msm::{msm_full, msm_witness, msm_witness_with};
use crate::zkey::{ProvingKey, Query, SparseMatrix, WitnessTables, COEF_MINUS_ONE, COEF_ONE};
use ark_bn254::{Bn254, Fr, G1Affine, G1Projective, G2Affine, G2Projective};
use ark_ec::pairing::Pairing;
use ark_ec::{AffineRepr, CurveGroup};
use ark_ff::{BigInt, One, PrimeField, UniformRand, Zero};
use rayon::prelude::*;
use std::time::Instant;

pub struct Proof {
    pub a: G1Affine,
    pub b: G2Affine,
    pub c: G1Affine,
}

/// Milliseconds spent in each step of one proof (for profiling).
#[derive(Default, Debug, Clone)]
pub struct Timings {
    /// Parsing the `.wtns`.
    pub witness_ms: f64,
    /// The witness's integers for the MSMs, and A and B evaluated at the domain (with A·B).
    pub qap_ms: f64,
    /// The witness MSMs (A, B1, B2, C).
    pub witness_msm_ms: f64,
    /// The six FFTs, A·B − C at the odd points and its integers for the H MSM.
    pub fft_ms: f64,
    /// The H MSM (full-size scalars, the domain's size).
    pub msm_ms: f64,
    /// Building the key's tables in this proof: the H query's (when the load did not) and the
    /// witness MSMs' (the first proof beside an H table); 0 after.
    pub table_ms: f64,
    pub verify_ms: f64,
}

fn ms_since(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1000.0
}

/// GLASSBOX_NATIVE_DEBUG: times one MSM again, alone.
fn time<T>(name: &str, msm: &dyn Fn() -> T) {
    let t = Instant::now();
    std::hint::black_box(msm());
    eprintln!("  msm {name}: {:.1} ms", ms_since(t));
}

/// GLASSBOX_NATIVE_DEBUG: the witness MSMs timed again, plain and (where one was built) with their tables.
fn debug_witness_msms(pk: &ProvingKey, scalars: &[BigInt<4>], tables: Option<&WitnessTables>) {
    let (points, private) = (&pk.points, &scalars[pk.n_public + 1..]);
    time("A", &|| msm_witness(points.a(), scalars));
    pk.release(Query::A);
    time("B1", &|| msm_witness(points.b1(), scalars));
    pk.release(Query::B1);
    time("B2", &|| msm_witness(points.b2(), scalars));
    pk.release(Query::B2);
    time("C", &|| msm_witness(points.c(), private));
    pk.release(Query::C);
    // With its table only (a witness MSM may have none: no layout paid).
    if let Some(t) = tables.and_then(|t| t.a.as_ref()) {
        time("A (table)", &|| msm_witness_with(points.a(), scalars, Some(t)));
    }
    if let Some(t) = tables.and_then(|t| t.b1.as_ref()) {
        time("B1 (table)", &|| msm_witness_with(points.b1(), scalars, Some(t)));
    }
    if let Some(t) = tables.and_then(|t| t.b2.as_ref()) {
        time("B2 (table)", &|| msm_witness_with(points.b2(), scalars, Some(t)));
    }
    if let Some(t) = tables.and_then(|t| t.c.as_ref()) {
        time("C (table)", &|| msm_witness_with(points.c(), private, Some(t)));
    }
}

/// Evaluations of one matrix times the witness at the n-th roots of unity.
fn evaluate(matrix: &SparseMatrix, witness: &[Fr], domain_size: usize) -> Vec<Fr> {
    (0..domain_size)
        .into_par_iter()
        .with_min_len(1 << 10)
        .map(|c| {
            let (from, to) = (matrix.start[c] as usize, matrix.start[c + 1] as usize);
            let mut acc = Fr::zero();
            for k in from..to {
                let w = witness[matrix.signal[k] as usize];
                match matrix.coef[k] {
                    COEF_ONE => acc += w,
                    COEF_MINUS_ONE => acc -= w,
                    v => acc += matrix.values[v as usize] * w,
                }
            }
            acc
        })
        .collect()
}

pub fn prove(pk: &ProvingKey, witness: &[Fr], timings: &mut Timings) -> Result<(Proof, Vec<Fr>)> {
    let n = pk.domain_size;
    let odd = pk.odd_points()?;
    let points = &pk.points;

    let t = Instant::now();
    let scalars: Vec<BigInt<4>> = witness.par_iter().map(|w| w.into_bigint()).collect();
    let private = &scalars[pk.n_public + 1..];
    timings.qap_ms = ms_since(t);
    let t = Instant::now();
    let built = pk.witness_tables.get().is_some();
    let tables = pk.witness_tables(&scalars, private);
    if !built && tables.is_some() {
        timings.table_ms += ms_since(t);
    }

    // The witness MSMs one after another (each on every thread), each query's pages released
    // after it (a mapped key without an H table), then the FFTs: a proof holds one query of the
    // key at a time, never the FFTs' buffers (three vectors of the domain: 12 MiB at 2^17) beside it.
    let t = Instant::now();
    let sum_a = msm_witness_with(points.a(), &scalars, tables.and_then(|t| t.a.as_ref()));
    pk.release(Query::A);
    let sum_b1 = msm_witness_with(points.b1(), &scalars, tables.and_then(|t| t.b1.as_ref()));
    pk.release(Query::B1);
    let sum_b2 = msm_witness_with(points.b2(), &scalars, tables.and_then(|t| t.b2.as_ref()));
    pk.release(Query::B2);
    let sum_c = msm_witness_with(points.c(), private, tables.and_then(|t| t.c.as_ref()));
    pk.release(Query::C);
    timings.witness_msm_ms = ms_since(t);
    if std::env::var_os("GLASSBOX_NATIVE_DEBUG").is_some() {
        debug_witness_msms(pk, &scalars, tables);
    }
    drop(scalars);

    let t = Instant::now();
    let mut a = evaluate(&pk.a, witness, n);
    let mut b = evaluate(&pk.b, witness, n);
    let mut c: Vec<Fr> = a.par_iter().zip(b.par_iter()).map(|(x, y)| *x * y).collect();
    timings.qap_ms += ms_since(t);

    let t = Instant::now();
    rayon::join(|| odd.apply(&mut a), || rayon::join(|| odd.apply(&mut b), || odd.apply(&mut c)));
    // A·B − C into C's buffer, and its integers in place (an Fr and a BigInt<4> are both
    // four limbs, so std's in-place collect reuses the allocation): no fourth vector at the peak.
    c.par_iter_mut().zip(a.par_iter()).zip(b.par_iter()).for_each(|((z, x), y)| *z = *x * y - *z);
    drop((a, b));
    let h: Vec<BigInt<4>> = c.into_iter().map(|z| z.into_bigint()).collect();
    timings.fft_ms = ms_since(t);

    let t = Instant::now();
    let built = pk.h_table.get().is_some();
    let table = pk.h_table();
    if !built {
        timings.table_ms += ms_since(t);
    }
    let t = Instant::now();
    let sum_h = match table {
        Some(table) => table.msm(&h),
        None => msm_full(points.h(), &h),
    };
    pk.release(Query::H);
    timings.msm_ms = ms_since(t);
    if std::env::var_os("GLASSBOX_NATIVE_DEBUG").is_some() {
        time("H", &|| msm_full(points.h(), &h));
        pk.release(Query::H);
        if let Some(table) = table {
            let plan = table.plan_used();
            time(&format!("H (fixed-base table, c = {}, {} pass(es), {} MiB)", plan.c, plan.passes, plan.bytes >> 20), &|| table.msm(&h));
        }
    }

    let mut rng = rand::rngs::OsRng;
    let r = Fr::rand(&mut rng);
    let s = Fr::rand(&mut rng);
    let delta1: G1Projective = pk.delta1.into_group();
    let pi_a = sum_a + pk.alpha1 + delta1 * r;
    let pi_b: G2Projective = sum_b2 + pk.beta2 + pk.delta2.into_group() * s;
    let pib1 = sum_b1 + pk.beta1 + delta1 * s;
    let pi_c = sum_c + sum_h + pi_a * s + pib1 * r - delta1 * (r * s);

    let public = witness[1..=pk.n_public].to_vec();
    Ok((Proof { a: pi_a.into_affine(), b: pi_b.into_affine(), c: pi_c.into_affine() }, public))
}

/// The Groth16 verification equation with the key's own verification key:
/// e(A, B) = e(α, β) · e(Σ xᵢ·ICᵢ, γ) · e(C, δ). A failure means the key is
/// corrupt or belongs to another circuit (or the witness does not satisfy it).
pub fn verify(pk: &ProvingKey, proof: &Proof, public: &[Fr]) -> bool {
    if public.len() + 1 != pk.ic.len() {
        return false;
    }
    let mut vk_x = pk.ic[0].into_group();
    for (x, p) in public.iter().zip(&pk.ic[1..]) {
        vk_x += *p * x;
    }
    let lhs = Bn254::multi_pairing(
        [proof.a, (-pk.alpha1.into_group()).into_affine(), (-vk_x).into_affine(), (-proof.c.into_group()).into_affine()],
        [proof.b, pk.beta2, pk.gamma2, pk.delta2],
    );
    lhs.0.is_one()
}
