//! Multi-scalar multiplication tuned for circom witnesses.
//!
//! Circuits compiled from ML models are mostly range checks: most witness
//! values are 0 or 1 bits, the rest small integers (or small negatives, which
//! the field stores as r − v), and only a few are full-size field elements. A
//! general MSM pays for 254-bit scalars everywhere; here each scalar is sorted
//! into one of four classes and each class costs what it needs:
//!
//! - 0: skipped;
//! - ±1: the bases are summed (one mixed addition each);
//! - |v| < 2⁶⁴: a bucket method over only as many bits as the largest needs;
//! - the rest: arkworks' general (wNAF Pippenger) MSM.
//!
//! Negative values use the negated base (free in affine form), so −1 and −5
//! are as cheap as 1 and 5.

use ark_bn254::Fr;
use ark_ec::short_weierstrass::{Affine, Projective, SWCurveConfig};
use ark_ec::{AdditiveGroup, VariableBaseMSM};
use ark_ff::{BigInt, BigInteger, PrimeField, Zero};
use rayon::prelude::*;

/// Work per rayon task when summing bases: large enough to amortise the task.
const CHUNK: usize = 1 << 12;

#[derive(Default)]
struct Classes {
    plus_one: Vec<u32>,
    minus_one: Vec<u32>,
    /// (index, |value|, negative)
    small: Vec<(u32, u64, bool)>,
    small_bits: u32,
    big: Vec<u32>,
}

fn half_modulus() -> BigInt<4> {
    let mut half = Fr::MODULUS;
    half.div2();
    half
}

fn classify(scalars: &[BigInt<4>]) -> Classes {
    let half = half_modulus();
    let modulus = Fr::MODULUS;
    let parts: Vec<Classes> = scalars
        .par_chunks(CHUNK * 4)
        .enumerate()
        .map(|(chunk, values)| {
            let mut out = Classes::default();
            for (j, s) in values.iter().enumerate() {
                let i = (chunk * CHUNK * 4 + j) as u32;
                if s.is_zero() {
                    continue;
                }
                let (magnitude, negative) = if *s > half {
                    let mut m = modulus;
                    m.sub_with_borrow(s);
                    (m, true)
                } else {
                    (*s, false)
                };
                let limbs = magnitude.0;
                if limbs[1] == 0 && limbs[2] == 0 && limbs[3] == 0 {
                    let v = limbs[0];
                    if v == 1 {
                        if negative { out.minus_one.push(i) } else { out.plus_one.push(i) }
                    } else {
                        out.small_bits = out.small_bits.max(64 - v.leading_zeros());
                        out.small.push((i, v, negative));
                    }
                } else {
                    out.big.push(i);
                }
            }
            out
        })
        .collect();
    let mut all = Classes::default();
    for mut p in parts {
        all.plus_one.append(&mut p.plus_one);
        all.minus_one.append(&mut p.minus_one);
        all.small.append(&mut p.small);
        all.big.append(&mut p.big);
        all.small_bits = all.small_bits.max(p.small_bits);
    }
    all
}

/// Σ bases[i] over the given indices.
fn sum_bases<P: SWCurveConfig>(bases: &[Affine<P>], indices: &[u32]) -> Projective<P> {
    indices
        .par_chunks(CHUNK)
        .map(|chunk| {
            let mut acc = Projective::<P>::zero();
            for &i in chunk {
                acc += &bases[i as usize];
            }
            acc
        })
        .reduce(Projective::<P>::zero, |a, b| a + b)
}

/// Bucket method over `bits`-bit unsigned scalars, c-bit windows.
fn msm_small<P: SWCurveConfig>(bases: &[Affine<P>], entries: &[(u32, u64, bool)], bits: u32) -> Projective<P> {
    if entries.is_empty() {
        return Projective::zero();
    }
    let n = entries.len();
    let threads = rayon::current_num_threads().max(1);
    let per_task = n.div_ceil(threads).max(CHUNK);
    // Cost model: windows · (points per task + 2 · buckets).
    let c = (1..=16u32)
        .min_by_key(|&c| (bits.div_ceil(c) as usize) * (per_task.min(n) + (2usize << c)))
        .unwrap_or(8);
    let windows = bits.div_ceil(c);
    let mask = (1u64 << c) - 1;
    entries
        .par_chunks(per_task)
        .map(|chunk| {
            let mut buckets = vec![Projective::<P>::zero(); (1usize << c) - 1];
            let mut total = Projective::<P>::zero();
            for w in (0..windows).rev() {
                for _ in 0..c {
                    total.double_in_place();
                }
                let shift = w * c;
                for &(i, v, negative) in chunk {
                    let digit = (v >> shift) & mask;
                    if digit != 0 {
                        let base = &bases[i as usize];
                        if negative {
                            buckets[digit as usize - 1] -= base;
                        } else {
                            buckets[digit as usize - 1] += base;
                        }
                    }
                }
                let mut running = Projective::<P>::zero();
                let mut window_sum = Projective::<P>::zero();
                for b in buckets.iter_mut().rev() {
                    running += &*b;
                    window_sum += &running;
                    *b = Projective::zero();
                }
                total += window_sum;
            }
            total
        })
        .reduce(Projective::<P>::zero, |a, b| a + b)
}

/// Σ scalars[i] · bases[i], cheap for zero, ±1 and small scalars.
pub fn msm_witness<P>(bases: &[Affine<P>], scalars: &[BigInt<4>]) -> Projective<P>
where
    P: SWCurveConfig<ScalarField = Fr>,
    Projective<P>: VariableBaseMSM<MulBase = Affine<P>, ScalarField = Fr>,
{
    debug_assert_eq!(bases.len(), scalars.len());
    let classes = classify(scalars);
    let ((ones, minus_ones), (small, big)) = rayon::join(
        || rayon::join(|| sum_bases(bases, &classes.plus_one), || sum_bases(bases, &classes.minus_one)),
        || {
            rayon::join(
                || msm_small(bases, &classes.small, classes.small_bits),
                || {
                    if classes.big.is_empty() {
                        return Projective::<P>::zero();
                    }
                    let big_bases: Vec<Affine<P>> = classes.big.iter().map(|&i| bases[i as usize]).collect();
                    let big_scalars: Vec<BigInt<4>> = classes.big.iter().map(|&i| scalars[i as usize]).collect();
                    <Projective<P> as VariableBaseMSM>::msm_bigint(&big_bases, &big_scalars)
                },
            )
        },
    );
    ones - minus_ones + small + big
}

/// A general MSM (for the H query, whose scalars are uniformly random).
pub fn msm_full<P>(bases: &[Affine<P>], scalars: &[BigInt<4>]) -> Projective<P>
where
    P: SWCurveConfig<ScalarField = Fr>,
    Projective<P>: VariableBaseMSM<MulBase = Affine<P>, ScalarField = Fr>,
{
    <Projective<P> as VariableBaseMSM>::msm_bigint(bases, scalars)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_bn254::{G1Affine, G1Projective, G2Affine, G2Projective};
    use ark_ec::{CurveGroup, PrimeGroup};
    use ark_ff::UniformRand;
    use ark_std::rand::{rngs::StdRng, Rng, SeedableRng};

    fn scalars(n: usize, rng: &mut StdRng) -> Vec<Fr> {
        (0..n)
            .map(|i| match i % 7 {
                0 | 1 => Fr::zero(),
                2 => Fr::from(1u64),
                3 => -Fr::from(1u64),
                4 => Fr::from(rng.gen::<u16>() as u64),
                5 => -Fr::from(rng.gen::<u32>() as u64),
                _ => Fr::rand(rng),
            })
            .collect()
    }

    #[test]
    fn matches_the_general_msm() {
        let mut rng = StdRng::seed_from_u64(7);
        let n = 3000;
        let g1: Vec<G1Affine> = (0..n).map(|_| (G1Projective::generator() * Fr::rand(&mut rng)).into_affine()).collect();
        let g2: Vec<G2Affine> = (0..n).map(|_| (G2Projective::generator() * Fr::rand(&mut rng)).into_affine()).collect();
        let s = scalars(n, &mut rng);
        let b: Vec<BigInt<4>> = s.iter().map(|x| x.into_bigint()).collect();
        assert_eq!(msm_witness(&g1, &b), G1Projective::msm(&g1, &s).unwrap());
        assert_eq!(msm_witness(&g2, &b), G2Projective::msm(&g2, &s).unwrap());
        let only_small: Vec<Fr> = (0..n).map(|i| Fr::from((i * 37 % 300) as u64)).collect();
        let bs: Vec<BigInt<4>> = only_small.iter().map(|x| x.into_bigint()).collect();
        assert_eq!(msm_witness(&g1, &bs), G1Projective::msm(&g1, &only_small).unwrap());
    }
}
