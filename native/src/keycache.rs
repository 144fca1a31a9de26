//! Proving keys parsed once per process, keyed by the SHA-256 of the file.
//!
//! Piscina workers are threads of one process and share this addon, so two
//! workers proving with the same key hold one parsed copy. A key stays while a
//! prover holds it; the most recently loaded one is also kept after its last
//! prover closes, so a process that runs batch after batch parses it once.

use crate::error::{Error, ErrorKind, Result};
use crate::zkey::{PointChecks, ProvingKey};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::fs::File;
use std::io::Read;
use std::path::Path;
use std::sync::{Arc, Mutex, OnceLock, Weak};

type Slot = Arc<Mutex<Weak<ProvingKey>>>;

fn slots() -> &'static Mutex<HashMap<[u8; 32], Slot>> {
    static SLOTS: OnceLock<Mutex<HashMap<[u8; 32], Slot>>> = OnceLock::new();
    SLOTS.get_or_init(Default::default)
}

fn recent() -> &'static Mutex<Option<Arc<ProvingKey>>> {
    static RECENT: OnceLock<Mutex<Option<Arc<ProvingKey>>>> = OnceLock::new();
    RECENT.get_or_init(Default::default)
}

pub struct Loaded {
    pub key: Arc<ProvingKey>,
    pub cached: bool,
    pub pinned: bool,
}

fn parse_hex(pin: &str) -> Result<[u8; 32]> {
    let pin = pin.trim().to_ascii_lowercase();
    if pin.len() != 64 || !pin.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(Error::format(format!("\"{pin}\" is not a SHA-256 (64 hex digits)")));
    }
    Ok(std::array::from_fn(|i| u8::from_str_radix(&pin[i * 2..i * 2 + 2], 16).expect("hex")))
}

/// Returns the parsed key for these bytes, from the cache when possible. With
/// a pin (the SHA-256 the manifest recorded at setup), the bytes must hash to
/// it and the per-point checks are skipped; without one every point is checked.
pub fn load(bytes: &[u8], pin: Option<&str>) -> Result<Loaded> {
    let digest: [u8; 32] = Sha256::digest(bytes).into();
    let pinned = match pin {
        Some(pin) => {
            if parse_hex(pin)? != digest {
                return Err(Error::mismatch("the proving key does not match its pinned SHA-256 (the manifest's): it was changed or corrupted after setup"));
            }
            true
        }
        None => false,
    };
    let slot = slot_for(digest);
    // Holding the slot while parsing makes a second loader of the same key wait, not parse again.
    let mut weak = slot.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(key) = weak.upgrade() {
        return Ok(Loaded { key, cached: true, pinned });
    }
    let key = Arc::new(ProvingKey::parse(bytes, if pinned { PointChecks::Pinned } else { PointChecks::Full })?);
    Ok(Loaded { key: keep(&mut weak, key), cached: false, pinned })
}

/// Returns the parsed key of the `.zkey` at `path`, which must hash to `pin`
/// (the manifest's SHA-256). The cache is looked up by the pin before the file
/// is touched: a key parsed from bytes with this hash is this key, so every
/// worker after the first takes it without reading or hashing the file.
///
/// The first reads it once, straight into Rust, section by section, hashing
/// the bytes as they are read (SHA-256 runs at GB/s on CPUs with SHA
/// extensions: a fraction of the parse). Loading then holds the parsed key and
/// one section, not a copy of the whole file beside the key. A file that does
/// not hash to the pin is refused as changed even when it also fails to parse
/// (the rest of it is read for the hash).
pub fn load_file(path: &Path, pin: &str) -> Result<Loaded> {
    let digest = parse_hex(pin)?;
    let slot = slot_for(digest);
    let mut weak = slot.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(key) = weak.upgrade() {
        return Ok(Loaded { key, cached: true, pinned: true });
    }
    let cannot_read = |e: std::io::Error| Error { kind: ErrorKind::Io, message: format!("cannot read {}: {e}", path.display()) };
    let file = File::open(path).map_err(cannot_read)?;
    let length = file.metadata().map_err(cannot_read)?.len();
    let mut reader = HashingReader { file, sha: Sha256::new() };
    let parsed = ProvingKey::read(&mut reader, length, PointChecks::Pinned);
    let rest = std::io::copy(&mut reader, &mut std::io::sink());
    if <[u8; 32]>::from(reader.sha.finalize()) != digest {
        return Err(Error::mismatch(format!("{} does not match its pinned SHA-256 (the manifest's): it was changed or corrupted after setup", path.display())));
    }
    rest.map_err(cannot_read)?;
    let key = Arc::new(parsed?);
    Ok(Loaded { key: keep(&mut weak, key), cached: false, pinned: true })
}

/// A file reader that hashes every byte it reads, in order.
struct HashingReader {
    file: File,
    sha: Sha256,
}

impl Read for HashingReader {
    fn read(&mut self, into: &mut [u8]) -> std::io::Result<usize> {
        let n = self.file.read(into)?;
        self.sha.update(&into[..n]);
        Ok(n)
    }
}

/// The cache slot of a key hash (slots no loader or key holds any more are dropped first).
fn slot_for(digest: [u8; 32]) -> Slot {
    let mut map = slots().lock().unwrap_or_else(|e| e.into_inner());
    map.retain(|_, s| Arc::strong_count(s) > 1 || s.lock().map(|w| w.strong_count() > 0).unwrap_or(false));
    map.entry(digest).or_default().clone()
}

/// Records a freshly parsed key in its slot and as the most recent one.
fn keep(weak: &mut Weak<ProvingKey>, key: Arc<ProvingKey>) -> Arc<ProvingKey> {
    *weak = Arc::downgrade(&key);
    *recent().lock().unwrap_or_else(|e| e.into_inner()) = Some(key.clone());
    key
}
