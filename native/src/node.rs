//! Node-API bindings. Every heavy call is an `AsyncTask`: it runs on a libuv
//! worker (which hands the work to the prover's own rayon pool), never on
//! Node's event loop, and a Rust panic becomes a rejected promise, not a crash.

use crate::error::{Error as CoreError, ErrorKind};
use crate::keycache;
use crate::proof_json::proof_json;
use crate::prover::{self, Timings};
use crate::ptau;
use crate::verifier::{self, VerifyingKey};
use crate::wtns::parse_witness;
use crate::zkey::{table_budget, ProvingKey};
use napi::bindgen_prelude::{AsyncTask, Buffer};
use napi::{Env, Error, Result, Status, Task};
use napi_derive::napi;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// Makes glibc's malloc give large blocks (a proof's vectors, from 1 MiB) back to the system
/// when they are freed. By default the first such free raises malloc's mmap threshold to the
/// block's size, after which blocks that size come from the heap and stay in the process once
/// freed: a proof's peak would then hold the last proof's vectors, and a batch's memory would
/// creep up proof after proof. It costs the page faults of fresh blocks (about 2% of a LeNet-5
/// proof), so it is set by the first load that leaves its key without an H table (a short
/// batch, where memory counts), not by a long batch's, which has traded memory for speed.
/// Process-wide (Node's own large mallocs too) and for good: a long batch later in the same
/// process keeps it.
fn return_large_frees() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        static ONCE: std::sync::Once = std::sync::Once::new();
        // SAFETY: mallopt only changes malloc's tuning. glibc's writes the setting under the main
        // arena's lock; other threads, allocating meanwhile, read it unlocked, which at worst uses
        // the old threshold for a block or two.
        ONCE.call_once(|| unsafe {
            libc::mallopt(libc::M_MMAP_THRESHOLD, 1 << 20);
        });
    }
}

fn to_napi(e: CoreError) -> Error {
    let code = match e.kind {
        ErrorKind::Format => "FORMAT",
        ErrorKind::Mismatch => "MISMATCH",
        ErrorKind::Invalid => "INVALID_PROOF",
        ErrorKind::KeyChanged => "KEY_CHANGED",
        ErrorKind::Io => "IO",
    };
    Error::new(Status::GenericFailure, format!("[{code}] {}", e.message))
}

/// Runs `work` on `pool`, turning a panic into an error.
fn guarded<T: Send>(pool: &rayon::ThreadPool, work: impl FnOnce() -> std::result::Result<T, CoreError> + Send) -> Result<T> {
    caught(|| pool.install(work))
}

/// Runs `work` on the calling thread (its parallel parts on rayon's global pool), turning a panic into an error.
fn caught<T>(work: impl FnOnce() -> std::result::Result<T, CoreError>) -> Result<T> {
    match catch_unwind(AssertUnwindSafe(work)) {
        Ok(result) => result.map_err(to_napi),
        Err(panic) => {
            let message = panic.downcast_ref::<&str>().map(|s| s.to_string()).or_else(|| panic.downcast_ref::<String>().cloned()).unwrap_or_else(|| "unknown panic".into());
            Err(Error::new(Status::GenericFailure, format!("[PANIC] the native prover failed internally: {message}")))
        }
    }
}

fn build_pool(threads: u32) -> Result<Arc<rayon::ThreadPool>> {
    let threads = threads.max(1) as usize;
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .thread_name(|i| format!("glassbox-prover-{i}"))
        .build()
        .map(Arc::new)
        .map_err(|e| Error::new(Status::GenericFailure, format!("cannot start {threads} prover threads: {e}")))
}

struct Shared {
    pool: Arc<rayon::ThreadPool>,
    key: Mutex<Option<Arc<ProvingKey>>>,
}

/// A Groth16 prover holding one proving key and its own thread pool.
#[napi]
pub struct NativeProver {
    shared: Arc<Shared>,
    threads: u32,
}

#[napi(object)]
pub struct KeyInfo {
    pub n_vars: u32,
    pub n_public: u32,
    pub domain_size: u32,
    /// The key was already loaded in this process.
    pub cached: bool,
    /// The bytes matched the caller's SHA-256 pin (so the point checks were skipped).
    pub pinned: bool,
    /// The points are read from the file's mapping (a key loaded from its path), not a copy.
    pub mapped: bool,
    /// Time spent building the H query's fixed-base table (0 when off, not worth it, or built before).
    pub table_ms: f64,
    /// Its size in MiB (0 without a table).
    pub table_mib: f64,
    pub ms: f64,
}

#[napi(object)]
pub struct ProveResult {
    /// `{"proof": {...}, "publicSignals": [...]}` in snarkjs's format.
    pub json: String,
    pub witness_ms: f64,
    pub witness_msm_ms: f64,
    pub qap_ms: f64,
    pub fft_ms: f64,
    pub msm_ms: f64,
    /// Building the key's tables during this proof (the H query's when the load did not build it,
    /// the witness MSMs' beside it; 0 when built before or off).
    pub table_ms: f64,
    /// The size of the key's tables: the H table and, beside it, the witness MSMs' (0 when the prover runs without).
    pub table_mib: f64,
    pub verify_ms: f64,
    pub total_ms: f64,
}

#[napi]
impl NativeProver {
    /// `threads`: the size of this prover's own thread pool (≥ 1).
    #[napi(constructor)]
    pub fn new(threads: u32) -> Result<Self> {
        Ok(Self { shared: Arc::new(Shared { pool: build_pool(threads)?, key: Mutex::new(None) }), threads: threads.max(1) })
    }

    #[napi(getter)]
    pub fn threads(&self) -> u32 {
        self.threads
    }

    /// Parses (or takes from the per-process cache) a snarkjs `.zkey`.
    /// `sha256`: the hash recorded at setup; when given, the bytes must match it.
    #[napi(ts_return_type = "Promise<KeyInfo>")]
    pub fn load_key(&self, zkey: Buffer, sha256: Option<String>) -> AsyncTask<LoadKeyTask> {
        AsyncTask::new(LoadKeyTask { shared: self.shared.clone(), source: KeySource::Bytes { bytes: zkey.to_vec(), pin: sha256 }, h_table: None })
    }

    /// Loads the `.zkey` at `path`, which must hash to `sha256` (the manifest's).
    /// The per-process cache is looked up by that hash first, so only the first
    /// prover of a process maps and hashes the file (in Rust: no copy through JS;
    /// the points are read in place, see `zkey::KeyPoints`).
    ///
    /// `h_table` asks for the H query's fixed-base table with a budget (`auto` or MiB, as
    /// GLASSBOX_NATIVE_TABLE_MIB, which overrides it when set); the first load of a key
    /// in the process decides, and the table is built on every core.
    #[napi(ts_args_type = "path: string, sha256: string, hTable?: string | null", ts_return_type = "Promise<KeyInfo>")]
    pub fn load_key_file(&self, path: String, sha256: String, h_table: Option<String>) -> AsyncTask<LoadKeyTask> {
        AsyncTask::new(LoadKeyTask { shared: self.shared.clone(), source: KeySource::File { path: path.into(), pin: sha256 }, h_table })
    }

    /// Proves one `.wtns` witness; resolves to snarkjs proof JSON and timings.
    #[napi(ts_return_type = "Promise<ProveResult>")]
    pub fn prove(&self, wtns: Buffer) -> AsyncTask<ProveTask> {
        AsyncTask::new(ProveTask { shared: self.shared.clone(), bytes: wtns.to_vec() })
    }

    /// Releases this prover's hold on its key (the process cache may keep it).
    #[napi]
    pub fn close(&self) {
        if let Ok(mut key) = self.shared.key.lock() {
            *key = None;
        }
    }
}

/// A key handed over as bytes (pinned or fully checked), or as a pinned file the cache may already hold.
enum KeySource {
    Bytes { bytes: Vec<u8>, pin: Option<String> },
    File { path: std::path::PathBuf, pin: String },
}

pub struct LoadKeyTask {
    shared: Arc<Shared>,
    source: KeySource,
    /// The caller's H-table setting (see `zkey::table_budget`).
    h_table: Option<String>,
}

impl Task for LoadKeyTask {
    type Output = KeyInfo;
    type JsValue = KeyInfo;

    fn compute(&mut self) -> Result<KeyInfo> {
        let started = Instant::now();
        let source = std::mem::replace(&mut self.source, KeySource::Bytes { bytes: Vec::new(), pin: None });
        let loaded = guarded(&self.shared.pool, || match &source {
            KeySource::File { path, pin } => keycache::load_file(path, pin),
            KeySource::Bytes { bytes, pin } => keycache::load(bytes, pin.as_deref()),
        })?;
        drop(source);
        let key = loaded.key;
        // The FFT tables too (milliseconds), so that the first proof does not wait for them.
        guarded(&self.shared.pool, || key.odd_points().map(|_| ()))?;
        // The H table (when the caller asks for one or GLASSBOX_NATIVE_TABLE_MIB enables it) is
        // built here, not in the first proof: loading is when a batch expects to wait, and every
        // prover of the process shares it. It is built on rayon's global pool (every core), not this
        // prover's: a 1-thread worker of a pool still builds it on all of them, and the pool's
        // other workers, waiting for the same key, block their own (libuv) threads, no rayon one.
        let t = Instant::now();
        let budget = table_budget(self.h_table.as_deref());
        let table_mib = caught(|| Ok(key.h_table_within(budget).map_or(0.0, |t| t.bytes() as f64 / (1 << 20) as f64)))?;
        let table_ms = t.elapsed().as_secs_f64() * 1000.0;
        if table_mib == 0.0 {
            return_large_frees();
        }
        let info = KeyInfo {
            n_vars: key.n_vars as u32,
            n_public: key.n_public as u32,
            domain_size: key.domain_size as u32,
            cached: loaded.cached,
            pinned: loaded.pinned,
            mapped: key.points.mapped(),
            table_ms,
            table_mib,
            ms: started.elapsed().as_secs_f64() * 1000.0,
        };
        *self.shared.key.lock().unwrap_or_else(|e| e.into_inner()) = Some(key);
        Ok(info)
    }

    fn resolve(&mut self, _env: Env, output: KeyInfo) -> Result<KeyInfo> {
        Ok(output)
    }
}

pub struct ProveTask {
    shared: Arc<Shared>,
    bytes: Vec<u8>,
}

impl Task for ProveTask {
    type Output = ProveResult;
    type JsValue = ProveResult;

    fn compute(&mut self) -> Result<ProveResult> {
        let started = Instant::now();
        let key = self.shared.key.lock().unwrap_or_else(|e| e.into_inner()).clone();
        let key = key.ok_or_else(|| Error::new(Status::GenericFailure, "[STATE] no proving key loaded: call loadKey first".to_string()))?;
        let bytes = std::mem::take(&mut self.bytes);
        let mut timings = Timings::default();
        let json = guarded(&self.shared.pool, || {
            // A key file rewritten in place since the load: refused, and forgotten by the cache so
            // that loading it again maps and hashes the file anew.
            key.check_unchanged().inspect_err(|_| keycache::evict(&key))?;
            let t = Instant::now();
            let witness = parse_witness(&bytes, key.n_vars)?;
            drop(bytes);
            timings.witness_ms = t.elapsed().as_secs_f64() * 1000.0;
            let (proof, public) = prover::prove(&key, &witness, &mut timings)?;
            let t = Instant::now();
            if !prover::verify(&key, &proof, &public) {
                return Err(CoreError::invalid(
                    "the proof does not verify against the proving key's own verification key: the key is corrupt, belongs to another circuit, or the witness does not satisfy the circuit",
                ));
            }
            timings.verify_ms = t.elapsed().as_secs_f64() * 1000.0;
            Ok(proof_json(&proof, &public))
        })?;
        Ok(ProveResult {
            json,
            witness_ms: timings.witness_ms,
            witness_msm_ms: timings.witness_msm_ms,
            qap_ms: timings.qap_ms,
            fft_ms: timings.fft_ms,
            msm_ms: timings.msm_ms,
            table_ms: timings.table_ms,
            table_mib: (key.h_table.get().and_then(|t| t.as_ref()).map_or(0, |t| t.bytes()) + key.witness_tables.get().map_or(0, |t| t.bytes())) as f64 / (1 << 20) as f64,
            verify_ms: timings.verify_ms,
            total_ms: started.elapsed().as_secs_f64() * 1000.0,
        })
    }

    fn resolve(&mut self, _env: Env, output: ProveResult) -> Result<ProveResult> {
        Ok(output)
    }
}

pub struct DevPtauTask {
    path: String,
    power: u32,
    pool: Arc<rayon::ThreadPool>,
}

impl Task for DevPtauTask {
    type Output = ();
    type JsValue = ();

    fn compute(&mut self) -> Result<()> {
        let (path, power) = (self.path.clone(), self.power);
        guarded(&self.pool, || ptau::write_dev_ptau(std::path::Path::new(&path), power))
    }

    fn resolve(&mut self, _env: Env, _output: ()) -> Result<()> {
        Ok(())
    }
}

/// Writes a phase-2-prepared powers of tau of 2^power for a τ chosen here
/// (INSECURE: this process knew τ), in snarkjs's `.ptau` format.
#[napi(ts_return_type = "Promise<void>")]
pub fn write_dev_ptau(path: String, power: u32, threads: u32) -> Result<AsyncTask<DevPtauTask>> {
    Ok(AsyncTask::new(DevPtauTask { path, power, pool: build_pool(threads)? }))
}

pub struct DevZkeyTask {
    r1cs: String,
    ptau: String,
    ptau_sha256: String,
    zkey: String,
    pool: Arc<rayon::ThreadPool>,
}

impl Task for DevZkeyTask {
    type Output = u32;
    type JsValue = u32;

    fn compute(&mut self) -> Result<u32> {
        let (r1cs, ptau, pin, zkey) = (self.r1cs.clone(), self.ptau.clone(), self.ptau_sha256.clone(), self.zkey.clone());
        guarded(&self.pool, || {
            let bytes = std::fs::read(&r1cs)?;
            crate::setup::write_dev_zkey(&bytes, std::path::Path::new(&ptau), &pin, std::path::Path::new(&zkey))
        })
    }

    fn resolve(&mut self, _env: Env, output: u32) -> Result<u32> {
        Ok(output)
    }
}

/// Writes a Groth16 proving key for a circuit (`snarkjs zkey new` and one
/// contribution of fresh δ, in one pass) from a prepared ptau. Resolves to the
/// circuit's domain power. For development keys (see setup.rs).
#[napi(ts_return_type = "Promise<number>")]
pub fn write_dev_zkey(r1cs_path: String, ptau_path: String, ptau_sha256: String, zkey_path: String, threads: u32) -> Result<AsyncTask<DevZkeyTask>> {
    Ok(AsyncTask::new(DevZkeyTask { r1cs: r1cs_path, ptau: ptau_path, ptau_sha256, zkey: zkey_path, pool: build_pool(threads)? }))
}

/// A Groth16 verifier holding one verification key (snarkjs JSON). Calls are
/// synchronous: a verification takes about a millisecond.
#[napi]
pub struct NativeVerifier {
    key: VerifyingKey,
}

fn unwind<T>(work: impl FnOnce() -> std::result::Result<T, CoreError>) -> Result<T> {
    match catch_unwind(AssertUnwindSafe(work)) {
        Ok(result) => result.map_err(to_napi),
        Err(_) => Err(Error::new(Status::GenericFailure, "[PANIC] the native verifier failed internally".to_string())),
    }
}

#[napi]
impl NativeVerifier {
    /// Parses the key; fails (FORMAT) when it is not a BN254 Groth16 key of valid points.
    #[napi(constructor)]
    pub fn new(verification_key_json: String) -> Result<Self> {
        unwind(|| verifier::parse_verifying_key(&verification_key_json)).map(|key| Self { key })
    }

    /// Public signals the key expects.
    #[napi(getter)]
    pub fn n_public(&self) -> u32 {
        self.key.n_public() as u32
    }

    /// e(α, β) in snarkjs's `vk_alphabeta_12` layout (JSON), to check a verification key file against its proving key.
    #[napi(getter)]
    pub fn alpha_beta_json(&self) -> String {
        self.key.alpha_beta_json().to_string()
    }

    /// Whether the proof (`{pi_a, pi_b, pi_c, …}` JSON) proves the public signals (a JSON list of
    /// decimal strings). Out-of-range or malformed values make it false; only unparseable JSON throws.
    #[napi]
    pub fn verify(&self, proof_json: String, public_signals_json: String) -> Result<bool> {
        unwind(|| verifier::verify_json(&self.key, &proof_json, &public_signals_json))
    }
}

/// Whether a G1 and a G2 point (snarkjs JSON, `[x, y, "1"]` and `[[x0, x1], [y0, y1], ["1", "0"]]`)
/// have the same discrete logarithm: e(a, g₂) = e(g₁, b). False when either is not a valid point.
#[napi]
pub fn same_discrete_log(g1_json: String, g2_json: String) -> Result<bool> {
    unwind(|| verifier::same_discrete_log(&g1_json, &g2_json))
}

/// The addon's version (the crate's).
#[napi]
pub fn native_version() -> String {
    env!("CARGO_PKG_VERSION").to_string()
}

/// Whether this process's MSMs and FFTs run on the AVX-512 IFMA lanes (the CPU has them and
/// GLASSBOX_NATIVE_IFMA is not 0): what a bench reports beside its figures.
#[napi]
pub fn ifma_lanes() -> bool {
    crate::ifma::enabled()
}
