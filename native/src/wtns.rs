//! The circom/snarkjs witness (`.wtns`): section 1 is `u32 n8, q (n8 bytes),
//! u32 count`, section 2 the values, little-endian standard form.

use crate::binfile::{read_u32, BinFile};
use crate::error::{Error, Result};
use crate::points::fr_from_le;
use ark_bn254::Fr;
use ark_ff::PrimeField;
use rayon::prelude::*;

pub fn parse_witness(bytes: &[u8], expected_len: usize) -> Result<Vec<Fr>> {
    let what = "the witness (.wtns)";
    let file = BinFile::parse(bytes, "wtns", what)?;
    let header = file.section(1, what)?;
    if header.len() != 4 + 32 + 4 || read_u32(header, 0) != 32 {
        return Err(Error::format("the witness header is not for a 254-bit field"));
    }
    let q: [u64; 4] = std::array::from_fn(|i| u64::from_le_bytes(header[4 + i * 8..12 + i * 8].try_into().expect("8 bytes")));
    if q != Fr::MODULUS.0 {
        return Err(Error::mismatch("Curve of the witness does not match the curve of the proving key (expected BN254)"));
    }
    let count = read_u32(header, 36) as usize;
    if count != expected_len {
        return Err(Error::mismatch(format!("Invalid witness length. Circuit: {expected_len}, witness: {count}")));
    }
    let values = file.section(2, what)?;
    if values.len() != count * 32 {
        return Err(Error::format(format!("the witness holds {} bytes for {count} values", values.len())));
    }
    values
        .par_chunks_exact(32)
        .enumerate()
        .map(|(i, v)| fr_from_le(v).ok_or_else(|| Error::format(format!("witness value {i} is not reduced modulo the field order"))))
        .collect()
}
