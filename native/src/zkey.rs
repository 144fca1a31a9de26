//! The snarkjs Groth16 proving key (`.zkey`), parsed once and kept in memory.
//!
//! Sections (snarkjs zkey_utils.js): 1 protocol, 2 Groth16 header, 3 IC,
//! 4 coefficients of the A and B matrices (C is not stored: circom's reduction
//! only needs A·B − C at points where it is computed from A and B), 5 A, 6 B1,
//! 7 B2, 8 C (private signals only), 9 H, 10 contributions.

use crate::binfile::{read_sections, read_u32, BinFile};
use crate::error::{Error, Result};
use crate::fft::OddPoints;
use crate::msm::{FixedBase, SubsetTable};
use crate::points::{fr_raw, g1_from_lem, g2_from_lem, G1_BYTES, G2_BYTES};
use ark_bn254::{g1, g2, Fq, Fr, G1Affine, G2Affine};
use ark_ff::{BigInt, One, PrimeField};
use rayon::prelude::*;
use std::collections::HashMap;
use std::io::Read;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::OnceLock;

/// One matrix (A or B) row by row: entry `k` of constraint `c` (`start[c]..start[c + 1]`)
/// is `values[coef[k]] · witness[signal[k]]`. A circuit's coefficients repeat (±1, powers of
/// two, a model's quantized weights: 64 distinct values among LeNet-5's 453,233), so each
/// distinct value is kept once: an entry takes 8 bytes (signal, value index), not the 44 of a
/// signal and an inline value.
pub struct SparseMatrix {
    pub start: Vec<u32>,
    pub signal: Vec<u32>,
    pub coef: Vec<u32>,
    /// The distinct values; `COEF_ONE` and `COEF_MINUS_ONE` are 1 and −1 (whose products
    /// the prover skips).
    pub values: Vec<Fr>,
}

pub const COEF_ONE: u32 = 0;
pub const COEF_MINUS_ONE: u32 = 1;

/// Interns coefficient values for one matrix: index of each distinct value in `values`.
struct CoefficientValues {
    values: Vec<Fr>,
    index: HashMap<Fr, u32>,
}

impl CoefficientValues {
    fn new() -> Self {
        let values = vec![Fr::one(), -Fr::one()];
        let index = values.iter().enumerate().map(|(i, v)| (*v, i as u32)).collect();
        CoefficientValues { values, index }
    }

    fn intern(&mut self, value: Fr) -> u32 {
        let next = self.values.len() as u32;
        *self.index.entry(value).or_insert_with(|| {
            self.values.push(value);
            next
        })
    }
}

pub struct ProvingKey {
    pub n_vars: usize,
    pub n_public: usize,
    pub domain_size: usize,
    pub alpha1: G1Affine,
    pub beta1: G1Affine,
    pub beta2: G2Affine,
    pub gamma2: G2Affine,
    pub delta1: G1Affine,
    pub delta2: G2Affine,
    pub ic: Vec<G1Affine>,
    pub a: SparseMatrix,
    pub b: SparseMatrix,
    pub points_a: Vec<G1Affine>,
    pub points_b1: Vec<G1Affine>,
    pub points_b2: Vec<G2Affine>,
    /// For signals nPublic+1..nVars.
    pub points_c: Vec<G1Affine>,
    pub points_h: Vec<G1Affine>,
    /// Shifted copies of the H query for the fixed-base MSM, built at most
    /// once per parsed key (so once per process: the key cache shares it), and
    /// only when the memory budget allows and the table pays (see `h_table`).
    pub h_table: OnceLock<Option<FixedBase<g1::Config>>>,
    /// The domain's FFT tables (twiddles, coset shift), built on first use.
    pub odd_points: OnceLock<OddPoints>,
    /// Tables for the witness MSMs' full-size scalars, built by the first proof
    /// made with an H table (see `witness_tables`).
    pub witness_tables: OnceLock<WitnessTables>,
    /// Set by the proof that builds `witness_tables` (the others go on without them).
    pub witness_tables_building: AtomicBool,
}

/// `SubsetTable`s of the A, B1, B2 and C bases (None where no table pays).
pub struct WitnessTables {
    pub a: Option<SubsetTable<g1::Config>>,
    pub b1: Option<SubsetTable<g1::Config>>,
    pub b2: Option<SubsetTable<g2::Config>>,
    pub c: Option<SubsetTable<g1::Config>>,
}

impl WitnessTables {
    pub fn bytes(&self) -> usize {
        self.a.as_ref().map_or(0, |t| t.bytes()) + self.b1.as_ref().map_or(0, |t| t.bytes()) + self.b2.as_ref().map_or(0, |t| t.bytes()) + self.c.as_ref().map_or(0, |t| t.bytes())
    }
}

/// Each witness MSM's table may take up to this fraction of the H table's memory.
const WITNESS_TABLE_SHARE: usize = 8;

/// How much to trust the points: a key whose SHA-256 matched the caller's pin
/// is exactly the one setup wrote, so the per-point curve and subgroup checks
/// (seconds for large keys, mostly G2 subgroup checks) are skipped.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum PointChecks {
    Full,
    Pinned,
}

const FQ_MODULUS_LE: [u64; 4] = Fq::MODULUS.0;
const FR_MODULUS_LE: [u64; 4] = Fr::MODULUS.0;

const WHAT: &str = "the proving key (.zkey)";

impl ProvingKey {
    /// The fixed-base table of the H query, built on the first call when the
    /// budget (`table_budget`) admits a layout that beats plain Pippenger;
    /// None when it does not (the prover then uses `msm_full`). Callers that
    /// race wait for the one build.
    pub fn h_table(&self) -> Option<&FixedBase<g1::Config>> {
        // Decided already (every proof after the first): no setting to read.
        match self.h_table.get() {
            Some(table) => table.as_ref(),
            None => self.h_table_within(table_budget(None)),
        }
    }

    /// Tables for the witness MSMs, only beside an H table (a long batch: the caller asked
    /// for one): built by the first call from that proof's scalars (`private`: those of the
    /// C query, signals nPublic+1..), for the bases whose scalars are full-size, each within
    /// an eighth of the H table's memory; later calls get them. None without an H table,
    /// and for proofs made while another one builds them: they do not wait. (Nor is the
    /// build inside `OnceLock::get_or_init`: a thread waiting on rayon there may take up
    /// another proof of the same pool, which would re-enter the initialiser and deadlock.)
    pub fn witness_tables(&self, scalars: &[BigInt<4>], private: &[BigInt<4>]) -> Option<&WitnessTables> {
        if let Some(tables) = self.witness_tables.get() {
            return Some(tables);
        }
        let h = self.h_table.get()?.as_ref()?;
        if self.witness_tables_building.swap(true, Ordering::AcqRel) {
            return None;
        }
        let budget = h.bytes() / WITNESS_TABLE_SHARE;
        let ((a, b1), (b2, c)) = rayon::join(
            || rayon::join(|| SubsetTable::build(&self.points_a, scalars, budget), || SubsetTable::build(&self.points_b1, scalars, budget)),
            || rayon::join(|| SubsetTable::build(&self.points_b2, scalars, budget), || SubsetTable::build(&self.points_c, private, budget)),
        );
        let built = WitnessTables { a, b1, b2, c };
        Some(self.witness_tables.get_or_init(|| built))
    }

    /// The key's FFT tables, built on the first call (the key load asks for them).
    pub fn odd_points(&self) -> Result<&OddPoints> {
        if let Some(tables) = self.odd_points.get() {
            return Ok(tables);
        }
        let built = OddPoints::for_domain(self.domain_size)?;
        Ok(self.odd_points.get_or_init(|| built))
    }

    /// `h_table` with the budget given (bytes): the first call with a budget decides, later
    /// ones get what it built (or None). A zero budget asks for nothing and decides nothing,
    /// so a short batch's load leaves the table to a later long batch of the same process.
    pub fn h_table_within(&self, budget: usize) -> Option<&FixedBase<g1::Config>> {
        if budget == 0 {
            return self.h_table.get().and_then(Option::as_ref);
        }
        self.h_table
            .get_or_init(|| {
                let plan = FixedBase::<g1::Config>::plan(self.points_h.len(), budget)?;
                Some(FixedBase::build(&self.points_h, plan))
            })
            .as_ref()
    }

    /// Parses a key held in memory.
    pub fn parse(bytes: &[u8], checks: PointChecks) -> Result<Self> {
        let file = BinFile::parse(bytes, "zkey", WHAT)?;
        let mut parts = KeyParts::new(checks, bytes.len() as u64);
        for (kind, body) in file.sections() {
            parts.take(kind, body)?;
        }
        parts.finish()
    }

    /// Reads a key of `length` bytes from a stream, one section at a time:
    /// each section's bytes are freed once its points are parsed, so loading
    /// needs the parsed key and one section, not a second copy of the file.
    pub fn read(reader: &mut impl Read, length: u64, checks: PointChecks) -> Result<Self> {
        let mut parts = KeyParts::new(checks, length);
        read_sections(reader, length, "zkey", WHAT, |kind, body| parts.take(kind, body))?;
        parts.finish()
    }
}

/// The Groth16 header (section 2): sizes and the fixed points.
struct Header {
    n_vars: usize,
    n_public: usize,
    domain_size: usize,
    alpha1: G1Affine,
    beta1: G1Affine,
    beta2: G2Affine,
    gamma2: G2Affine,
    delta1: G1Affine,
    delta2: G2Affine,
}

/// A key assembled from its sections as they arrive (in file order, which
/// snarkjs writes 1 to 10). The header says how to read the others; a section
/// that comes before it is kept until it does.
struct KeyParts {
    checks: PointChecks,
    /// The file's size: the header's counts must fit in it before anything is allocated for them.
    length: u64,
    seen: u32,
    protocol: bool,
    header: Option<Header>,
    early: Vec<(u32, Vec<u8>)>,
    ic: Option<Vec<G1Affine>>,
    matrices: Option<(SparseMatrix, SparseMatrix)>,
    points_a: Option<Vec<G1Affine>>,
    points_b1: Option<Vec<G1Affine>>,
    points_b2: Option<Vec<G2Affine>>,
    points_c: Option<Vec<G1Affine>>,
    points_h: Option<Vec<G1Affine>>,
}

impl KeyParts {
    fn new(checks: PointChecks, length: u64) -> Self {
        Self { checks, length, seen: 0, protocol: false, header: None, early: Vec::new(), ic: None, matrices: None, points_a: None, points_b1: None, points_b2: None, points_c: None, points_h: None }
    }

    fn take(&mut self, kind: u32, body: &[u8]) -> Result<()> {
        // Only the sections read here must be unique (10, the contributions, and unknown ones are skipped).
        if (1..=9).contains(&kind) {
            if self.seen & (1 << kind) != 0 {
                return Err(Error::format(format!("{WHAT} has more than one section {kind}")));
            }
            self.seen |= 1 << kind;
        }
        match kind {
            1 => {
                if body.len() != 4 || read_u32(body, 0) != 1 {
                    return Err(Error::format("the proving key is not a Groth16 key (snarkjs protocol id 1)"));
                }
                self.protocol = true;
            }
            2 => {
                let h = header(body)?;
                // A pinned key is parsed before its hash is known: a forged header must not make it allocate
                // for points the file does not hold (the coefficient rows are sized by the domain).
                let points = |count: usize, bytes: usize| count as u64 * bytes as u64;
                let claimed = points(h.n_public + 1, G1_BYTES) + points(h.n_vars, 2 * G1_BYTES + G2_BYTES) + points(h.n_vars - h.n_public - 1, G1_BYTES) + points(h.domain_size, G1_BYTES);
                if claimed > self.length {
                    return Err(Error::format(format!(
                        "the proving key's header claims {} variables and a domain of {}, whose points take {claimed} bytes, more than the file's {}: the file is corrupt",
                        h.n_vars, h.domain_size, self.length
                    )));
                }
                self.header = Some(h);
                for (kind, body) in std::mem::take(&mut self.early) {
                    self.sized(kind, &body)?;
                }
            }
            3..=9 if self.header.is_none() => self.early.push((kind, body.to_vec())),
            3..=9 => self.sized(kind, body)?,
            // 10 (contributions) and any other section: not needed to prove.
            _ => {}
        }
        Ok(())
    }

    /// A section whose size the header fixes.
    fn sized(&mut self, kind: u32, body: &[u8]) -> Result<()> {
        let h = self.header.as_ref().expect("the header is read first");
        let (n_vars, n_public, domain_size, checks) = (h.n_vars, h.n_public, h.domain_size, self.checks);
        match kind {
            3 => self.ic = Some(g1_section(body, "IC", n_public + 1, checks)?),
            4 => self.matrices = Some(matrices(body, n_vars, domain_size)?),
            5 => self.points_a = Some(g1_section(body, "A", n_vars, checks)?),
            6 => self.points_b1 = Some(g1_section(body, "B1", n_vars, checks)?),
            7 => self.points_b2 = Some(g2_section(body, "B2", n_vars, checks)?),
            8 => self.points_c = Some(g1_section(body, "C", n_vars - n_public - 1, checks)?),
            9 => self.points_h = Some(g1_section(body, "H", domain_size, checks)?),
            _ => unreachable!("only sections 3 to 9 are sized"),
        }
        Ok(())
    }

    fn finish(self) -> Result<ProvingKey> {
        let missing = |kind: u32| Error::format(format!("{WHAT} has no section {kind}"));
        if !self.protocol {
            return Err(missing(1));
        }
        let h = self.header.ok_or_else(|| missing(2))?;
        let (a, b) = self.matrices.ok_or_else(|| missing(4))?;
        Ok(ProvingKey {
            n_vars: h.n_vars,
            n_public: h.n_public,
            domain_size: h.domain_size,
            alpha1: h.alpha1,
            beta1: h.beta1,
            beta2: h.beta2,
            gamma2: h.gamma2,
            delta1: h.delta1,
            delta2: h.delta2,
            ic: self.ic.ok_or_else(|| missing(3))?,
            a,
            b,
            points_a: self.points_a.ok_or_else(|| missing(5))?,
            points_b1: self.points_b1.ok_or_else(|| missing(6))?,
            points_b2: self.points_b2.ok_or_else(|| missing(7))?,
            points_c: self.points_c.ok_or_else(|| missing(8))?,
            points_h: self.points_h.ok_or_else(|| missing(9))?,
            h_table: OnceLock::new(),
            odd_points: OnceLock::new(),
            witness_tables: OnceLock::new(),
            witness_tables_building: AtomicBool::new(false),
        })
    }
}

fn header(header: &[u8]) -> Result<Header> {
    if header.len() != 4 + 32 + 4 + 32 + 12 + 3 * G1_BYTES + 3 * G2_BYTES {
        return Err(Error::format(format!("the proving key's Groth16 header has {} bytes, expected 660", header.len())));
    }
    if read_u32(header, 0) != 32 || limbs_le(&header[4..36]) != FQ_MODULUS_LE || read_u32(header, 36) != 32 || limbs_le(&header[40..72]) != FR_MODULUS_LE {
        return Err(Error::format("the proving key is not over BN254 (bn128)"));
    }
    let n_vars = read_u32(header, 72) as usize;
    let n_public = read_u32(header, 76) as usize;
    let domain_size = read_u32(header, 80) as usize;
    if !domain_size.is_power_of_two() || domain_size > 1 << 28 || n_public + 1 > n_vars {
        return Err(Error::format(format!("the proving key's header is inconsistent (nVars {n_vars}, nPublic {n_public}, domain {domain_size})")));
    }
    let mut at = 84;
    let mut g1 = |name: &str| -> Result<G1Affine> {
        let p = g1_from_lem(&header[at..at + G1_BYTES]).ok_or_else(|| Error::format(format!("the proving key's {name} is not a valid point")))?;
        at += G1_BYTES;
        Ok(p)
    };
    let alpha1 = g1("alpha1")?;
    let beta1 = g1("beta1")?;
    let mut at2 = at;
    let mut g2 = |name: &str| -> Result<G2Affine> {
        let p = g2_from_lem(&header[at2..at2 + G2_BYTES]).ok_or_else(|| Error::format(format!("the proving key's {name} is not a valid point")))?;
        at2 += G2_BYTES;
        Ok(p)
    };
    let beta2 = g2("beta2")?;
    let gamma2 = g2("gamma2")?;
    let delta1 = g1_from_lem(&header[at2..at2 + G1_BYTES]).ok_or_else(|| Error::format("the proving key's delta1 is not a valid point"))?;
    let delta2 = g2_from_lem(&header[at2 + G1_BYTES..at2 + G1_BYTES + G2_BYTES]).ok_or_else(|| Error::format("the proving key's delta2 is not a valid point"))?;
    // The header points are few: always check them.
    for (name, p) in [("alpha1", alpha1), ("beta1", beta1), ("delta1", delta1)] {
        if !p.is_on_curve() {
            return Err(Error::format(format!("the proving key's {name} is not on the curve: the file is corrupt")));
        }
    }
    for (name, p) in [("beta2", beta2), ("gamma2", gamma2), ("delta2", delta2)] {
        if !p.is_on_curve() || !p.is_in_correct_subgroup_assuming_on_curve() {
            return Err(Error::format(format!("the proving key's {name} is not a valid G2 point: the file is corrupt")));
        }
    }
    Ok(Header { n_vars, n_public, domain_size, alpha1, beta1, beta2, gamma2, delta1, delta2 })
}

fn limbs_le(bytes: &[u8]) -> [u64; 4] {
    std::array::from_fn(|i| u64::from_le_bytes(bytes[i * 8..i * 8 + 8].try_into().expect("8 bytes")))
}

fn g1_section(bytes: &[u8], name: &str, count: usize, checks: PointChecks) -> Result<Vec<G1Affine>> {
    // BN254's G1 has cofactor 1: on the curve means in the group.
    point_section(bytes, name, count, checks, G1_BYTES, g1_from_lem, |p| p.is_on_curve(), "a point off the curve")
}

fn g2_section(bytes: &[u8], name: &str, count: usize, checks: PointChecks) -> Result<Vec<G2Affine>> {
    point_section(bytes, name, count, checks, G2_BYTES, g2_from_lem, |p| p.is_on_curve() && p.is_in_correct_subgroup_assuming_on_curve(), "an invalid G2 point")
}

/// A section of `count` points of `size` bytes each; with full checks, every point must pass `valid`.
#[allow(clippy::too_many_arguments)]
fn point_section<T: Send + Sync>(bytes: &[u8], name: &str, count: usize, checks: PointChecks, size: usize, parse: fn(&[u8]) -> Option<T>, valid: fn(&T) -> bool, invalid: &str) -> Result<Vec<T>> {
    if bytes.len() != count * size {
        return Err(Error::format(format!("the proving key's {name} section has {} bytes, expected {} points", bytes.len(), count)));
    }
    let points: Option<Vec<T>> = bytes.par_chunks_exact(size).map(parse).collect();
    let points = points.ok_or_else(|| Error::format(format!("the proving key's {name} section holds a coordinate out of range: the file is corrupt")))?;
    if checks == PointChecks::Full && !points.par_iter().all(valid) {
        return Err(Error::format(format!("the proving key's {name} section holds {invalid}: the file is corrupt")));
    }
    Ok(points)
}

/// Section 4: `u32 count`, then `u32 matrix, u32 constraint, u32 signal, 32-byte value`
/// with the value stored as c·R² (snarkjs multiplies it by the witness in
/// Montgomery arithmetic, which leaves c·w in Montgomery form). Read as
/// Montgomery limbs that is c·R; one more multiplication by R⁻¹ gives c.
fn matrices(bytes: &[u8], n_vars: usize, domain_size: usize) -> Result<(SparseMatrix, SparseMatrix)> {
    const ENTRY: usize = 12 + 32;
    if bytes.len() < 4 {
        return Err(Error::format("the proving key's coefficient section is empty"));
    }
    let count = read_u32(bytes, 0) as usize;
    if bytes.len() != 4 + count * ENTRY {
        return Err(Error::format(format!("the proving key's coefficient section has {} bytes for {} entries", bytes.len(), count)));
    }
    let r_inv = Fr::new_unchecked(BigInt::one());
    let mut rows = [vec![0u32; domain_size + 1], vec![0u32; domain_size + 1]];
    for i in 0..count {
        let e = &bytes[4 + i * ENTRY..];
        let (m, c, s) = (read_u32(e, 0) as usize, read_u32(e, 4) as usize, read_u32(e, 8) as usize);
        if m > 1 || c >= domain_size || s >= n_vars {
            return Err(Error::format(format!("the proving key's coefficient {i} is out of range (matrix {m}, constraint {c}, signal {s}): the file is corrupt")));
        }
        rows[m][c + 1] += 1;
    }
    for row in rows.iter_mut() {
        for c in 0..domain_size {
            row[c + 1] += row[c];
        }
    }
    let mut fill = [rows[0].clone(), rows[1].clone()];
    let sizes = [rows[0][domain_size] as usize, rows[1][domain_size] as usize];
    let mut signal = [vec![0u32; sizes[0]], vec![0u32; sizes[1]]];
    let mut coef = [vec![COEF_ONE; sizes[0]], vec![COEF_ONE; sizes[1]]];
    let mut values = [CoefficientValues::new(), CoefficientValues::new()];
    for i in 0..count {
        let e = &bytes[4 + i * ENTRY..4 + (i + 1) * ENTRY];
        let (m, c, s) = (read_u32(e, 0) as usize, read_u32(e, 4) as usize, read_u32(e, 8));
        let raw = fr_raw(&e[12..44]).ok_or_else(|| Error::format(format!("the proving key's coefficient {i} is not a field element: the file is corrupt")))?;
        let at = fill[m][c] as usize;
        fill[m][c] += 1;
        signal[m][at] = s;
        coef[m][at] = values[m].intern(raw * r_inv);
    }
    let [sa, sb] = signal;
    let [ca, cb] = coef;
    let [ra, rb] = rows;
    let [va, vb] = values.map(|v| v.values);
    Ok((SparseMatrix { start: ra, signal: sa, coef: ca, values: va }, SparseMatrix { start: rb, signal: sb, coef: cb, values: vb }))
}

/// Bytes the H table may take, from `GLASSBOX_NATIVE_TABLE_MIB` or, when that
/// is unset, the caller's `requested` setting (the pool asks for `auto` for long
/// batches): a number of MiB (0 turns the table off), or `auto` for an eighth of
/// the machine's memory, at most a quarter of what is available now (Linux
/// /proc/meminfo; 0 where it cannot be read). Neither set: no table, because it
/// costs about 250 doublings per H point to build (seconds, several proofs'
/// worth) and saves a fraction of the H MSM per proof: it pays only for long
/// batches in one process (see README, native prover).
pub fn table_budget(requested: Option<&str>) -> usize {
    let env = std::env::var("GLASSBOX_NATIVE_TABLE_MIB").ok();
    let setting = table_setting(env.as_deref(), requested);
    let meminfo = match setting.map(str::trim) {
        Some(v) if v.eq_ignore_ascii_case("auto") => std::fs::read_to_string("/proc/meminfo").ok(),
        _ => None,
    };
    budget_from(setting, meminfo.as_deref())
}

/// The setting that decides: the operator's GLASSBOX_NATIVE_TABLE_MIB when set
/// (an empty value counts as unset), else the caller's request.
fn table_setting<'a>(env: Option<&'a str>, requested: Option<&'a str>) -> Option<&'a str> {
    env.filter(|v| !v.trim().is_empty()).or(requested.filter(|v| !v.trim().is_empty()))
}

/// `table_budget` without the environment: the setting and /proc/meminfo's text.
fn budget_from(setting: Option<&str>, meminfo: Option<&str>) -> usize {
    match setting.map(str::trim) {
        Some(v) if v.eq_ignore_ascii_case("auto") => {
            let field = |name: &str| -> Option<usize> {
                let line = meminfo?.lines().find(|l| l.starts_with(name))?;
                line.split_whitespace().nth(1)?.parse::<usize>().ok().map(|kib| kib * 1024)
            };
            match (field("MemTotal:"), field("MemAvailable:")) {
                (Some(total), Some(available)) => (total / 8).min(available / 4),
                _ => 0,
            }
        }
        Some(v) => v.parse::<usize>().map(|mib| mib.saturating_mul(1 << 20)).unwrap_or(0),
        None => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::{budget_from, table_setting};

    #[test]
    fn the_operators_setting_wins_over_the_request() {
        assert_eq!(table_setting(None, None), None, "neither: no table");
        assert_eq!(table_setting(None, Some("auto")), Some("auto"), "a long batch's request");
        assert_eq!(table_setting(Some("0"), Some("auto")), Some("0"), "the operator turns it off");
        assert_eq!(table_setting(Some("512"), None), Some("512"), "the operator turns it on for any batch");
        assert_eq!(table_setting(Some("  "), Some("auto")), Some("auto"), "an empty variable counts as unset");
        assert_eq!(table_setting(None, Some("")), None);
    }

    #[test]
    fn table_budget_settings() {
        let meminfo = "MemTotal:       24576000 kB\nMemFree:        1000 kB\nMemAvailable:   20000000 kB\n";
        assert_eq!(budget_from(None, Some(meminfo)), 0, "off by default");
        assert_eq!(budget_from(Some("0"), Some(meminfo)), 0);
        assert_eq!(budget_from(Some(" 300 "), None), 300 << 20);
        assert_eq!(budget_from(Some("lots"), None), 0, "an unreadable setting turns the table off");
        assert_eq!(budget_from(Some("auto"), Some(meminfo)), 24576000 * 1024 / 8);
        let busy = "MemTotal:       24576000 kB\nMemAvailable:   4000000 kB\n";
        assert_eq!(budget_from(Some("AUTO"), Some(busy)), 4000000 * 1024 / 4, "at most a quarter of what is free");
        assert_eq!(budget_from(Some("auto"), None), 0, "no /proc/meminfo: no table");
    }
}
