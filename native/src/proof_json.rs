//! snarkjs's proof JSON: `{proof: {pi_a, pi_b, pi_c, protocol, curve}, publicSignals}`
//! with decimal strings and projective-style affine triples (`[x, y, "1"]`).

use crate::points::{fq_decimal, fr_decimal};
use crate::prover::Proof;
use ark_bn254::{Fr, G1Affine, G2Affine};
use serde_json::{json, Value};

fn g1(p: &G1Affine) -> Value {
    if p.infinity {
        return json!(["0", "1", "0"]);
    }
    json!([fq_decimal(&p.x), fq_decimal(&p.y), "1"])
}

fn g2(p: &G2Affine) -> Value {
    if p.infinity {
        return json!([["0", "0"], ["1", "0"], ["0", "0"]]);
    }
    json!([[fq_decimal(&p.x.c0), fq_decimal(&p.x.c1)], [fq_decimal(&p.y.c0), fq_decimal(&p.y.c1)], ["1", "0"]])
}

pub fn proof_json(proof: &Proof, public: &[Fr]) -> String {
    json!({
        "proof": { "pi_a": g1(&proof.a), "pi_b": g2(&proof.b), "pi_c": g1(&proof.c), "protocol": "groth16", "curve": "bn128" },
        "publicSignals": public.iter().map(fr_decimal).collect::<Vec<_>>(),
    })
    .to_string()
}
