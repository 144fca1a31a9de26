use ark_bn254::{Fq, Fr, G1Affine, G1Projective, G2Projective, G2Affine};
use ark_ec::{CurveGroup, PrimeGroup, AdditiveGroup};
use ark_ff::UniformRand;
use std::time::Instant;
fn main() {
    let mut rng = ark_std::test_rng();
    let mut a = Fq::rand(&mut rng); let b = Fq::rand(&mut rng);
    let t = Instant::now();
    for _ in 0..10_000_000 { a *= b; }
    println!("Fq mul: {:.1} ns ({})", t.elapsed().as_nanos() as f64 / 1e7, a);
    let pts: Vec<G1Affine> = (0..1024).map(|_| (G1Projective::generator() * Fr::rand(&mut rng)).into_affine()).collect();
    let mut acc = G1Projective::generator();
    let t = Instant::now();
    for i in 0..1_000_000 { acc += &pts[i & 1023]; }
    println!("G1 mixed add: {:.1} ns", t.elapsed().as_nanos() as f64 / 1e6);
    let t = Instant::now();
    for _ in 0..1_000_000 { acc.double_in_place(); }
    println!("G1 double: {:.1} ns {}", t.elapsed().as_nanos() as f64 / 1e6, acc.into_affine().x);
    let pts2: Vec<G2Affine> = (0..1024).map(|_| (G2Projective::generator() * Fr::rand(&mut rng)).into_affine()).collect();
    let mut acc2 = G2Projective::generator();
    let t = Instant::now();
    for i in 0..1_000_000 { acc2 += &pts2[i & 1023]; }
    println!("G2 mixed add: {:.1} ns {}", t.elapsed().as_nanos() as f64 / 1e6, acc2.into_affine().x);
}
