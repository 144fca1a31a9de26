//! glassbox's native Groth16 prover (BN254) and dev powers-of-tau writer,
//! exposed to Node as a Node-API addon.
//!
//! - `NativeProver`: reads a snarkjs `.zkey` once (kept per process, keyed by
//!   its SHA-256, shared by every worker thread of the process), then proves
//!   `.wtns` witnesses into snarkjs proof JSON, each proof checked against the
//!   key's verification key before it is returned. Work runs on a rayon pool
//!   owned by the prover (sized by the caller so that workers × threads never
//!   exceed the cores), off Node's event loop.
//! - `NativeVerifier`: checks snarkjs proof JSON against a verification key
//!   JSON (parsed once), strictly: canonical coordinates, subgroup checks,
//!   public signals below r.
//! - `writeDevPtau`: a phase-2-prepared `.ptau` from a τ chosen here.
//! - `writeDevZkey`: `snarkjs zkey new` + one contribution, natively (dev keys).

pub mod binfile;
pub mod error;
pub mod fft;
pub mod fft_ifma;
pub mod ifma;
pub mod msm;
pub mod points;
pub mod proof_json;
pub mod prover;
pub mod ptau;
pub mod setup;
pub mod verifier;
pub mod wtns;
pub mod zkey;

mod keycache;
mod node;
