//! Groth16 verification of snarkjs proof JSON against a snarkjs verification
//! key JSON, natively: the same equation snarkjs and the Solidity verifier
//! check, e(A, B) = e(α, β) · e(Σ xᵢ·ICᵢ, γ) · e(C, δ), in about a millisecond
//! instead of snarkjs's curve set-up and wasm pairing.
//!
//! Every value is checked before it reaches the pairing, and a bad one makes
//! the proof false (snarkjs throws on some): coordinates must be canonical
//! decimals below the base field's modulus, points affine (z = 1), on the
//! curve and in the prime-order subgroup (G2 has a cofactor: a point outside
//! the subgroup must not reach the pairing), and public signals below r, as
//! the Solidity verifier requires (x and x + r must not both prove a statement).

use crate::error::{Error, Result};
use ark_bn254::{Bn254, Fq, Fq2, Fr, G1Affine, G1Projective, G2Affine};
use ark_ec::pairing::{Pairing, PairingOutput};
use ark_ec::{AffineRepr, CurveGroup, VariableBaseMSM};
use ark_ff::{BigInt, PrimeField};
use serde_json::Value;

/// A verification key parsed once, with its G2 points prepared for the
/// Miller loop (they are the same for every proof).
pub struct VerifyingKey {
    alpha_beta: PairingOutput<Bn254>,
    gamma2: <Bn254 as Pairing>::G2Prepared,
    delta2: <Bn254 as Pairing>::G2Prepared,
    ic: Vec<G1Affine>,
}

impl VerifyingKey {
    /// Number of public signals the key expects.
    pub fn n_public(&self) -> usize {
        self.ic.len() - 1
    }

    /// e(α, β) as snarkjs writes `vk_alphabeta_12`: `[[c0.c0, c0.c1, c0.c2], [c1.c0, c1.c1, c1.c2]]`,
    /// each an Fq2 pair of decimals (the same tower: Fq2 = Fq[u]/(u² + 1), Fq6 = Fq2[v]/(v³ − (9 + u)),
    /// Fq12 = Fq6[w]/(w² − v)).
    pub fn alpha_beta_json(&self) -> Value {
        let f = self.alpha_beta.0;
        let fq2 = |x: &Fq2| serde_json::json!([x.c0.to_string(), x.c1.to_string()]);
        serde_json::json!([[fq2(&f.c0.c0), fq2(&f.c0.c1), fq2(&f.c0.c2)], [fq2(&f.c1.c0), fq2(&f.c1.c1), fq2(&f.c1.c2)]])
    }
}

/// e(a, g₂) = e(g₁, b) for a G1 point `a` and a G2 point `b` (snarkjs JSON): the
/// two have the same discrete logarithm. False when either is not a valid point.
pub fn same_discrete_log(a_json: &str, b_json: &str) -> Result<bool> {
    let (Some(a), Some(b)) = (g1(&parse(a_json, "G1 point")?), g2(&parse(b_json, "G2 point")?)) else {
        return Ok(false);
    };
    Ok(Bn254::pairing(a, G2Affine::generator()) == Bn254::pairing(G1Affine::generator(), b))
}

/// A decimal string below `modulus`, as little-endian limbs; `None` when it is
/// not a canonical decimal (empty, signs, other characters, leading zeros) or
/// not below the modulus.
fn decimal_below(text: &str, modulus: &BigInt<4>) -> Option<BigInt<4>> {
    if text.is_empty() || text.len() > 78 || (text.len() > 1 && text.starts_with('0')) {
        return None;
    }
    let mut limbs = [0u64; 4];
    for ch in text.bytes() {
        let digit = ch.checked_sub(b'0').filter(|d| *d < 10)? as u128;
        let mut carry = digit;
        for limb in limbs.iter_mut() {
            let wide = (*limb as u128) * 10 + carry;
            *limb = wide as u64;
            carry = wide >> 64;
        }
        if carry != 0 {
            return None;
        }
    }
    let value = BigInt::new(limbs);
    (value < *modulus).then_some(value)
}

fn fq(value: &Value) -> Option<Fq> {
    Fq::from_bigint(decimal_below(value.as_str()?, &Fq::MODULUS)?)
}

fn fr(value: &Value) -> Option<Fr> {
    Fr::from_bigint(decimal_below(value.as_str()?, &Fr::MODULUS)?)
}

fn is_decimal(value: &Value, expected: &str) -> bool {
    value.as_str() == Some(expected)
}

/// `[x, y, "1"]` (snarkjs's affine triple) on the curve; `None` otherwise.
/// The point at infinity (`["0", "1", "0"]`) is refused: no honest proof or
/// key contains it.
fn g1(value: &Value) -> Option<G1Affine> {
    let xyz = value.as_array().filter(|a| a.len() == 3)?;
    if !is_decimal(&xyz[2], "1") {
        return None;
    }
    let point = G1Affine::new_unchecked(fq(&xyz[0])?, fq(&xyz[1])?);
    (point.is_on_curve() && point.is_in_correct_subgroup_assuming_on_curve()).then_some(point)
}

/// `[[x0, x1], [y0, y1], ["1", "0"]]` on the twist and in the prime-order subgroup; `None` otherwise.
fn g2(value: &Value) -> Option<G2Affine> {
    let xyz = value.as_array().filter(|a| a.len() == 3)?;
    let pair = |v: &Value| -> Option<Fq2> {
        let c = v.as_array().filter(|a| a.len() == 2)?;
        Some(Fq2::new(fq(&c[0])?, fq(&c[1])?))
    };
    let z = xyz[2].as_array().filter(|a| a.len() == 2)?;
    if !is_decimal(&z[0], "1") || !is_decimal(&z[1], "0") {
        return None;
    }
    let point = G2Affine::new_unchecked(pair(&xyz[0])?, pair(&xyz[1])?);
    (point.is_on_curve() && point.is_in_correct_subgroup_assuming_on_curve()).then_some(point)
}

fn parse(json: &str, what: &str) -> Result<Value> {
    serde_json::from_str(json).map_err(|e| Error::format(format!("the {what} is not valid JSON: {e}")))
}

/// Parses snarkjs's `verification_key.json` (Groth16, BN254).
pub fn parse_verifying_key(json: &str) -> Result<VerifyingKey> {
    let key = parse(json, "verification key")?;
    let field = |name: &str| key.get(name).ok_or_else(|| Error::format(format!("the verification key has no \"{name}\"")));
    if key.get("protocol").and_then(Value::as_str) != Some("groth16") {
        return Err(Error::format("the verification key is not a Groth16 key (\"protocol\" is not \"groth16\")"));
    }
    if key.get("curve").and_then(Value::as_str) != Some("bn128") {
        return Err(Error::format("the verification key is not for BN254 (\"curve\" is not \"bn128\")"));
    }
    let bad = |name: &str| Error::format(format!("the verification key's \"{name}\" is not a point of the curve's prime-order subgroup"));
    let alpha1 = g1(field("vk_alpha_1")?).ok_or_else(|| bad("vk_alpha_1"))?;
    let beta2 = g2(field("vk_beta_2")?).ok_or_else(|| bad("vk_beta_2"))?;
    let gamma2 = g2(field("vk_gamma_2")?).ok_or_else(|| bad("vk_gamma_2"))?;
    let delta2 = g2(field("vk_delta_2")?).ok_or_else(|| bad("vk_delta_2"))?;
    let ic = field("IC")?
        .as_array()
        .ok_or_else(|| Error::format("the verification key's \"IC\" is not a list"))?
        .iter()
        .enumerate()
        .map(|(i, p)| g1(p).ok_or_else(|| bad(&format!("IC[{i}]"))))
        .collect::<Result<Vec<_>>>()?;
    if ic.is_empty() {
        return Err(Error::format("the verification key's \"IC\" is empty"));
    }
    if let Some(n) = key.get("nPublic").and_then(Value::as_u64) {
        if n as usize + 1 != ic.len() {
            return Err(Error::format(format!("the verification key says nPublic = {n} but has {} IC points", ic.len())));
        }
    }
    Ok(VerifyingKey { alpha_beta: Bn254::pairing(alpha1, beta2), gamma2: gamma2.into(), delta2: delta2.into(), ic })
}

/// Whether `proof` (snarkjs's `{pi_a, pi_b, pi_c}`) proves `public_signals`
/// (decimal strings) under `key`. Malformed or out-of-range values make the
/// proof false, never an error: they are the prover's, not the verifier's.
pub fn verify_json(key: &VerifyingKey, proof_json: &str, public_json: &str) -> Result<bool> {
    let proof = parse(proof_json, "proof")?;
    let public = parse(public_json, "public signals list")?;
    let Some(signals) = public.as_array() else {
        return Err(Error::format("the public signals are not a list"));
    };
    if signals.len() != key.n_public() {
        return Ok(false);
    }
    let Some(inputs) = signals.iter().map(fr).collect::<Option<Vec<Fr>>>() else {
        return Ok(false);
    };
    let (Some(a), Some(b), Some(c)) = (proof.get("pi_a").and_then(g1), proof.get("pi_b").and_then(g2), proof.get("pi_c").and_then(g1)) else {
        return Ok(false);
    };
    let vk_x: G1Projective = key.ic[0].into_group() + G1Projective::msm_unchecked(&key.ic[1..], &inputs);
    // e(A, B) · e(−vk_x, γ) · e(−C, δ) = e(α, β)
    let miller = Bn254::multi_miller_loop(
        [a, (-vk_x).into_affine(), (-c.into_group()).into_affine()],
        [b.into(), key.gamma2.clone(), key.delta2.clone()],
    );
    Ok(Bn254::final_exponentiation(miller).is_some_and(|lhs| lhs == key.alpha_beta))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ff::UniformRand;

    #[test]
    fn decimals_are_canonical_and_below_the_modulus() {
        assert_eq!(decimal_below("0", &Fr::MODULUS), Some(BigInt::new([0, 0, 0, 0])));
        assert_eq!(decimal_below("18446744073709551616", &Fr::MODULUS), Some(BigInt::new([0, 1, 0, 0])));
        for bad in ["", "01", "-1", "1e3", " 1", "21888242871839275222246405745257275088548364400416034343698204186575808495617"] {
            assert_eq!(decimal_below(bad, &Fr::MODULUS), None, "{bad:?}");
        }
        assert!(decimal_below("21888242871839275222246405745257275088548364400416034343698204186575808495616", &Fr::MODULUS).is_some());
    }

    /// Prints a point on the twist outside the prime-order subgroup, for the TypeScript test.
    #[test]
    fn a_twist_point_outside_the_subgroup_is_refused() {
        let mut rng = ark_std::test_rng();
        let point = loop {
            let x = Fq2::rand(&mut rng);
            if let Some(p) = G2Affine::get_point_from_x_unchecked(x, false) {
                if !p.is_in_correct_subgroup_assuming_on_curve() {
                    break p;
                }
            }
        };
        let json = serde_json::json!([[point.x.c0.to_string(), point.x.c1.to_string()], [point.y.c0.to_string(), point.y.c1.to_string()], ["1", "0"]]);
        println!("outside the subgroup: {json}");
        assert!(point.is_on_curve());
        assert!(g2(&json).is_none());
    }
}
