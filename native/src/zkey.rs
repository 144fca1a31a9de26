//! The snarkjs Groth16 proving key (`.zkey`), loaded once per process: mapped
//! from its file (or copied, when given as bytes), its header and coefficients parsed.
//!
//! Sections (snarkjs zkey_utils.js): 1 protocol, 2 Groth16 header, 3 IC,
//! 4 coefficients of the A and B matrices (C is not stored: circom's reduction
//! only needs A·B − C at points where it is computed from A and B), 5 A, 6 B1,
//! 7 B2, 8 C (private signals only), 9 H, 10 contributions.
//!
//! The point sections (5 to 9, nearly all of a key) are not parsed: the MSMs
//! read them in the file's own layout (`Bases`), from the file's mapping when
//! the key is loaded from its path, so loading a key costs its hash and its
//! coefficients, and its points take no memory of the process's own.

use crate::binfile::{read_u32, BinFile};
use crate::error::{Error, ErrorKind, Result};
use crate::fft::OddPoints;
use crate::msm::{FixedBase, SubsetTable};
use crate::points::{fr_raw, g1_from_lem, g2_from_lem, words, Bases, G1_BYTES, G2_BYTES};
use ark_bn254::{g1, g2, Fq, Fr, G1Affine, G2Affine};
use ark_ff::{BigInt, One, PrimeField};
use memmap2::{Mmap, UncheckedAdvice};
use rayon::prelude::*;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::fs::File;
use std::ops::Range;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
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
    /// The A, B1, B2, C (signals nPublic+1..nVars) and H queries.
    pub points: KeyPoints,
    /// Shifted copies of the H query for the fixed-base MSM, built at most
    /// once per loaded key (so once per process: the key cache shares it), and
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
/// is exactly the one setup wrote, so its point sections are not read at all
/// at the load (no range, curve or subgroup check: seconds for large keys,
/// mostly G2 subgroup checks); the MSMs read them as they are. The header's
/// and IC's few points are always checked.
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
            || rayon::join(|| SubsetTable::build(self.points.a(), scalars, budget), || SubsetTable::build(self.points.b1(), scalars, budget)),
            || rayon::join(|| SubsetTable::build(self.points.b2(), scalars, budget), || SubsetTable::build(self.points.c(), private, budget)),
        );
        let built = WitnessTables { a, b1, b2, c };
        Some(self.witness_tables.get_or_init(|| built))
    }

    /// Gives a query's pages back after an MSM (`KeyPoints::release`), unless the key has an H
    /// table: a long batch has traded memory for speed, and keeps its pages mapped.
    pub fn release(&self, query: Query) {
        if !self.h_table.get().is_some_and(Option::is_some) {
            self.points.release(query);
        }
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
                let plan = FixedBase::<g1::Config>::plan(self.points.h().len(), budget)?;
                let table = FixedBase::build(self.points.h(), plan);
                self.points.release(Query::H);
                Some(table)
            })
            .as_ref()
    }

    /// Parses a key held in memory; its point sections are copied (in the file's layout).
    pub fn parse(bytes: &[u8], checks: PointChecks) -> Result<Self> {
        let (parts, ranges) = KeyParts::parse(bytes, checks)?;
        let mut owned = Vec::with_capacity(ranges.iter().map(|r| r.len()).sum());
        let ranges = ranges.map(|r| {
            let at = owned.len();
            owned.extend_from_slice(&bytes[r]);
            at..owned.len()
        });
        parts.finish(KeyPoints { bytes: PointBytes::Owned(owned), ranges })
    }

    /// The key in the file at `path` (opened as `file`), which must hash to `pin`: the file is
    /// mapped, the mapping itself is hashed (a few MiB at a time, each span's pages released
    /// once hashed, so the hash never holds the whole file resident) and parsed, and the
    /// point sections stay in it, unchecked (the hash vouches for them). Every page is
    /// released before the key is returned (see `KeyPoints::release`).
    pub fn map(path: &Path, file: File, pin: &[u8; 32]) -> Result<Self> {
        let cannot_read = |e: std::io::Error| Error { kind: ErrorKind::Io, message: format!("cannot read {}: {e}", path.display()) };
        let stamp = FileStamp::of(&file).map_err(cannot_read)?;
        if stamp.length == 0 {
            // Nothing to map: an empty file is either not the pinned key or no key at all.
            return Err(if <[u8; 32]>::from(Sha256::digest([])) != *pin {
                not_the_pinned_key(path)
            } else {
                Error::format(format!("{} is empty: not a proving key", path.display()))
            });
        }
        // SAFETY: a mapped file must not change while mapped (see `KeyPoints`): glassbox writes
        // keys beside their path and renames them over it, which leaves this file (inode) whole,
        // and `check_unchanged` refuses a file changed in place before each proof.
        let map = unsafe { Mmap::map(&file) }.map_err(cannot_read)?;
        let mut sha = Sha256::new();
        for from in (0..map.len()).step_by(HASH_SPAN) {
            let to = (from + HASH_SPAN).min(map.len());
            sha.update(&map[from..to]);
            let _ = release_pages(&map, from..to);
        }
        if <[u8; 32]>::from(sha.finalize()) != *pin {
            return Err(not_the_pinned_key(path));
        }
        let (parts, ranges) = KeyParts::parse(&map, PointChecks::Pinned)?;
        let points = KeyPoints { bytes: PointBytes::Mapped { map, file, path: path.to_path_buf(), stamp, pin: *pin }, ranges };
        points.release_all();
        parts.finish(points)
    }

    /// Fails when the mapped key file was changed in place since it was loaded (a key given as
    /// bytes never fails): proving from it would read points the hash no longer vouches for.
    pub fn check_unchanged(&self) -> Result<()> {
        match &self.points.bytes {
            PointBytes::Mapped { path, .. } if !self.points.file_unchanged() => Err(Error::key_changed(format!(
                "{} was changed in place since it was loaded (glassbox's setup replaces a key by renaming a new file over it, never by rewriting it): load it again",
                path.display()
            ))),
            _ => Ok(()),
        }
    }
}

fn not_the_pinned_key(path: &Path) -> Error {
    Error::mismatch(format!("{} does not match its pinned SHA-256 (the manifest's): it was changed or corrupted after setup", path.display()))
}

/// Bytes hashed between page releases while a key file is mapped.
const HASH_SPAN: usize = 4 << 20;

/// What `fstat` says of a mapped key file: its identity, size and last write. (Not its
/// ctime: renaming another file over the key's path, as setup does, unlinks the mapped
/// inode, which changes its ctime but not its contents.) A rewrite is seen when the
/// clock has moved on since the previous write: with a filesystem's coarse timestamps
/// (a few ms on older kernels), one within the same tick as the write before it is not.
#[derive(PartialEq, Eq)]
struct FileStamp {
    device: u64,
    inode: u64,
    length: u64,
    modified: (i64, i64),
}

impl FileStamp {
    fn of(file: &File) -> std::io::Result<Self> {
        let m = file.metadata()?;
        Ok(Self { device: m.dev(), inode: m.ino(), length: m.len(), modified: (m.mtime(), m.mtime_nsec()) })
    }
}

/// The proving key's point queries, by their place in `KeyPoints`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Query {
    A = 0,
    B1 = 1,
    B2 = 2,
    C = 3,
    H = 4,
}

enum PointBytes {
    /// The file's read-only mapping (a key loaded from its path), with the open file, what
    /// `fstat` said of it at the load (see `ProvingKey::check_unchanged`) and its pinned hash.
    Mapped { map: Mmap, file: File, path: PathBuf, stamp: FileStamp, pin: [u8; 32] },
    /// The point sections copied back to back (a key given as bytes).
    Owned(Vec<u8>),
}

/// The key's five point sections in the file's layout (LEM, 64 bytes a G1 point, 128 a
/// G2 point), read in place by the MSMs.
///
/// From a mapping, the pages a proof reads come from the kernel's page cache, and
/// `release` gives them back after each MSM (madvise DONTNEED): they stay cached (the
/// next proof maps them again, minor faults: no disk read while the file is cached), but
/// they leave the process's resident set, so a proof holds one query's pages at a time,
/// not the whole key. The file must not be rewritten in place while mapped: glassbox
/// replaces keys by renaming a new file over the old, which leaves the mapped one whole,
/// and `ProvingKey::check_unchanged` refuses a file changed in place before each proof.
/// A file cut short *during* a proof is beyond any check: reading a page past its new end
/// raises SIGBUS, which ends the process (as it does rapidsnark, which maps keys too).
pub struct KeyPoints {
    bytes: PointBytes,
    ranges: [Range<usize>; 5],
}

/// Released ranges are rounded inwards to this: a multiple of every page size in use (4, 16 and 64 KiB).
const RELEASE_ALIGN: usize = 1 << 16;

impl KeyPoints {
    fn bytes(&self) -> &[u8] {
        match &self.bytes {
            PointBytes::Mapped { map, .. } => map,
            PointBytes::Owned(bytes) => bytes,
        }
    }

    fn section(&self, query: Query) -> &[u8] {
        &self.bytes()[self.ranges[query as usize].clone()]
    }

    pub fn a(&self) -> Bases<'_, g1::Config> {
        Bases::new(self.section(Query::A))
    }

    pub fn b1(&self) -> Bases<'_, g1::Config> {
        Bases::new(self.section(Query::B1))
    }

    pub fn b2(&self) -> Bases<'_, g2::Config> {
        Bases::new(self.section(Query::B2))
    }

    pub fn c(&self) -> Bases<'_, g1::Config> {
        Bases::new(self.section(Query::C))
    }

    pub fn h(&self) -> Bases<'_, g1::Config> {
        Bases::new(self.section(Query::H))
    }

    /// Whether the points are the file's mapping (else a copy in the process's memory).
    pub fn mapped(&self) -> bool {
        matches!(self.bytes, PointBytes::Mapped { .. })
    }

    /// The pinned SHA-256 a mapped key was loaded with (None for a copy).
    pub fn pin(&self) -> Option<[u8; 32]> {
        match &self.bytes {
            PointBytes::Mapped { pin, .. } => Some(*pin),
            PointBytes::Owned(_) => None,
        }
    }

    /// Whether `fstat` of the mapped file still says what it said at the load (a copy: true).
    fn file_unchanged(&self) -> bool {
        match &self.bytes {
            PointBytes::Mapped { file, stamp, .. } => FileStamp::of(file).is_ok_and(|now| now == *stamp),
            PointBytes::Owned(_) => true,
        }
    }

    /// Gives a query's pages back to the page cache (mapped keys; nothing for a copy).
    pub fn release(&self, query: Query) {
        if let PointBytes::Mapped { map, .. } = &self.bytes {
            let _ = release_pages(map, self.ranges[query as usize].clone());
        }
    }

    /// Gives every page of the mapping back (after the load has read the header and coefficients).
    fn release_all(&self) {
        if let PointBytes::Mapped { map, .. } = &self.bytes {
            let _ = release_pages(map, 0..map.len());
        }
    }
}

/// Drops the pages of `range` (rounded inwards to whole `RELEASE_ALIGN` blocks) from this
/// process's resident set; the page cache keeps them. A failure leaves them resident, which
/// costs memory, not correctness: the caller may ignore it.
fn release_pages(map: &Mmap, range: Range<usize>) -> std::io::Result<()> {
    let from = range.start.next_multiple_of(RELEASE_ALIGN);
    let to = range.end - range.end % RELEASE_ALIGN;
    if from >= to {
        return Ok(());
    }
    // SAFETY: the mapping is read-only and backed by the file: DONTNEED drops this process's
    // page-table entries only, and a later read maps the file's (cached) pages again with the
    // same contents. Other threads may be reading these pages (another proof with the same
    // key): they fault them back in.
    unsafe { map.unchecked_advise_range(UncheckedAdvice::DontNeed, from, to - from) }
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

/// What a key holds besides its points: the header, IC and the coefficient matrices.
struct KeyParts {
    header: Header,
    ic: Vec<G1Affine>,
    matrices: (SparseMatrix, SparseMatrix),
}

impl KeyParts {
    /// Reads the header, IC and coefficients of the key in `bytes`, and finds its point
    /// sections (ranges of `bytes`: A, B1, B2, C, H), each of the size the header implies;
    /// with full checks every point must be valid.
    fn parse(bytes: &[u8], checks: PointChecks) -> Result<(Self, [Range<usize>; 5])> {
        let file = BinFile::parse(bytes, "zkey", WHAT)?;
        // Only the sections read here must be unique (10, the contributions, and unknown ones are skipped).
        let mut found: [Option<&[u8]>; 10] = [None; 10];
        for (kind, body) in file.sections() {
            let Some(slot) = found.get_mut(kind as usize).filter(|_| (1..=9).contains(&kind)) else {
                continue;
            };
            if slot.replace(body).is_some() {
                return Err(Error::format(format!("{WHAT} has more than one section {kind}")));
            }
        }
        let section = |kind: usize| found[kind].ok_or_else(|| Error::format(format!("{WHAT} has no section {kind}")));
        let protocol = section(1)?;
        if protocol.len() != 4 || read_u32(protocol, 0) != 1 {
            return Err(Error::format("the proving key is not a Groth16 key (snarkjs protocol id 1)"));
        }
        let h = header(section(2)?)?;
        // A pinned key is parsed unchecked: a forged header must not make it allocate for
        // points the file does not hold (the coefficient rows are sized by the domain).
        let points = |count: usize, bytes: usize| count as u64 * bytes as u64;
        let claimed = points(h.n_public + 1, G1_BYTES) + points(h.n_vars, 2 * G1_BYTES + G2_BYTES) + points(h.n_vars - h.n_public - 1, G1_BYTES) + points(h.domain_size, G1_BYTES);
        if claimed > bytes.len() as u64 {
            return Err(Error::format(format!(
                "the proving key's header claims {} variables and a domain of {}, whose points take {claimed} bytes, more than the file's {}: the file is corrupt",
                h.n_vars,
                h.domain_size,
                bytes.len()
            )));
        }
        let ic = point_section(section(3)?, "IC", h.n_public + 1)?;
        let matrices = matrices(section(4)?, h.n_vars, h.domain_size)?;
        let private = h.n_vars - h.n_public - 1;
        let queries = [(5, "A", h.n_vars, G1_BYTES), (6, "B1", h.n_vars, G1_BYTES), (7, "B2", h.n_vars, G2_BYTES), (8, "C", private, G1_BYTES), (9, "H", h.domain_size, G1_BYTES)];
        let mut ranges: [Range<usize>; 5] = Default::default();
        for (range, (kind, name, count, size)) in ranges.iter_mut().zip(queries) {
            let body = section(kind)?;
            check_size(body, name, count, size)?;
            if checks == PointChecks::Full {
                if size == G1_BYTES {
                    check_points(body, name, &G1_POINTS)?;
                } else {
                    check_points(body, name, &G2_POINTS)?;
                }
            }
            let start = body.as_ptr() as usize - bytes.as_ptr() as usize;
            *range = start..start + body.len();
        }
        Ok((Self { header: h, ic, matrices }, ranges))
    }

    fn finish(self, points: KeyPoints) -> Result<ProvingKey> {
        let h = self.header;
        let (a, b) = self.matrices;
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
            ic: self.ic,
            a,
            b,
            points,
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
    if read_u32(header, 0) != 32 || words(&header[4..36]) != FQ_MODULUS_LE || read_u32(header, 36) != 32 || words(&header[40..72]) != FR_MODULUS_LE {
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

/// How a section's points are read and checked.
struct PointKind<T> {
    size: usize,
    parse: fn(&[u8]) -> Option<T>,
    valid: fn(&T) -> bool,
    /// What an invalid point is, for the error.
    invalid: &'static str,
}

// BN254's G1 has cofactor 1: on the curve means in the group.
const G1_POINTS: PointKind<G1Affine> = PointKind { size: G1_BYTES, parse: g1_from_lem, valid: |p| p.is_on_curve(), invalid: "a point off the curve" };
const G2_POINTS: PointKind<G2Affine> = PointKind { size: G2_BYTES, parse: g2_from_lem, valid: |p| p.is_on_curve() && p.is_in_correct_subgroup_assuming_on_curve(), invalid: "an invalid G2 point" };

/// A section must hold `count` points of `size` bytes.
fn check_size(bytes: &[u8], name: &str, count: usize, size: usize) -> Result<()> {
    if bytes.len() != count * size {
        return Err(Error::format(format!("the proving key's {name} section has {} bytes, expected {} points", bytes.len(), count)));
    }
    Ok(())
}

/// A section of `count` G1 points, checked and parsed (the IC: few points).
fn point_section(bytes: &[u8], name: &str, count: usize) -> Result<Vec<G1Affine>> {
    check_size(bytes, name, count, G1_BYTES)?;
    check_points(bytes, name, &G1_POINTS)?;
    Ok(bytes.chunks_exact(G1_BYTES).map(|b| g1_from_lem(b).expect("checked above")).collect())
}

/// Every point of a section (left in place) has canonical coordinates and is valid.
fn check_points<T>(bytes: &[u8], name: &str, kind: &PointKind<T>) -> Result<()> {
    bytes.par_chunks_exact(kind.size).try_for_each(|b| match (kind.parse)(b) {
        None => Err(out_of_range(name)),
        Some(p) if !(kind.valid)(&p) => Err(Error::format(format!("the proving key's {name} section holds {}: the file is corrupt", kind.invalid))),
        Some(_) => Ok(()),
    })
}

fn out_of_range(name: &str) -> Error {
    Error::format(format!("the proving key's {name} section holds a coordinate out of range: the file is corrupt"))
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

#[cfg(test)]
mod point_tests {
    use super::{release_pages, FileStamp, KeyPoints, PointBytes, Query, RELEASE_ALIGN};
    use crate::points::{g1_from_lem, g2_from_lem, lem_points, G1_BYTES, G2_BYTES};
    use ark_bn254::{Fr, G1Affine, G1Projective, G2Affine, G2Projective};
    use ark_ec::{CurveGroup, PrimeGroup};
    use memmap2::Mmap;
    use std::io::Write;

    /// A file of G1 and G2 points in the zkey's layout, every fourth point at infinity.
    fn points_file() -> (std::path::PathBuf, Vec<G1Affine>, Vec<G2Affine>, Vec<u8>) {
        let g1: Vec<G1Affine> = (0..3000u64).map(|i| if i % 4 == 0 { G1Affine::identity() } else { (G1Projective::generator() * Fr::from(i)).into_affine() }).collect();
        let g2: Vec<G2Affine> = (0..700u64).map(|i| if i % 4 == 0 { G2Affine::identity() } else { (G2Projective::generator() * Fr::from(i)).into_affine() }).collect();
        let mut bytes = vec![7u8; 12];
        bytes.extend(lem_points(&g1));
        bytes.extend(lem_points(&g2));
        let path = std::env::temp_dir().join(format!("glassbox-keypoints-{}.bin", std::process::id()));
        std::fs::write(&path, &bytes).unwrap();
        (path, g1, g2, bytes)
    }

    #[test]
    fn mapped_points_read_in_place_and_survive_release() {
        let (path, g1, g2, bytes) = points_file();
        let file = std::fs::File::open(&path).unwrap();
        // An old mtime, so that the rewrite below is seen even with coarse timestamps.
        std::fs::File::options().write(true).open(&path).unwrap().set_modified(std::time::SystemTime::UNIX_EPOCH).unwrap();
        let map = unsafe { Mmap::map(&file) }.unwrap();
        let stamp = FileStamp::of(&file).unwrap();
        // A at 12.. (unaligned, as in a zkey), B1, C and H the same points, B2 the G2 points after them.
        let g1_range = 12..12 + g1.len() * G1_BYTES;
        let g2_range = g1_range.end..g1_range.end + g2.len() * G2_BYTES;
        assert!(g1_range.len() > 2 * RELEASE_ALIGN, "the test releases whole aligned blocks");
        let points = KeyPoints { bytes: PointBytes::Mapped { map, file, path: path.clone(), stamp, pin: [0; 32] }, ranges: [g1_range.clone(), g1_range.clone(), g2_range, g1_range.clone(), g1_range] };
        assert!(points.mapped());
        for round in 0..2 {
            for (i, p) in g1.iter().enumerate() {
                assert_eq!(points.a().affine(i), *p, "round {round}, point {i}");
                assert_eq!(points.a().get(i).is_none(), p.infinity);
                assert_eq!(g1_from_lem(points.a().raw(i)).unwrap(), *p);
            }
            for (i, p) in g2.iter().enumerate() {
                assert_eq!(points.b2().affine(i), *p);
                assert_eq!(g2_from_lem(points.b2().raw(i)).unwrap(), *p);
            }
            // Released pages read the same again (from the page cache, or the disk).
            let PointBytes::Mapped { map, .. } = &points.bytes else { unreachable!() };
            for range in points.ranges.iter().chain([&(0..map.len())]) {
                release_pages(map, range.clone()).expect("madvise accepts the aligned range");
            }
        }
        // Rewritten in place (the same bytes, even): no longer the file that was loaded.
        assert!(points.file_unchanged());
        std::fs::OpenOptions::new().write(true).open(&path).unwrap().write_all(&bytes[..12]).unwrap();
        assert!(!points.file_unchanged(), "a write in place changes the file's stamp");
        std::fs::remove_file(&path).unwrap();
        // A copy reads the same.
        let copy = KeyPoints { bytes: PointBytes::Owned(bytes), ranges: points.ranges.clone() };
        assert!(!copy.mapped());
        copy.release(Query::A);
        assert!((0..g1.len()).all(|i| copy.h().affine(i) == g1[i]));
    }
}
