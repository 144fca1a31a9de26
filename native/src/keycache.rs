//! Proving keys loaded once per process, keyed by the SHA-256 of the file.
//!
//! Piscina workers are threads of one process and share this addon, so two
//! workers proving with the same key share one mapping of it (or, for a key
//! given as bytes, one copy). A key stays while a
//! prover holds it; the most recently loaded one is also kept after its last
//! prover closes, so a process that runs batch after batch loads it once.

use crate::error::{Error, ErrorKind, Result};
use crate::zkey::{PointChecks, ProvingKey};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::fs::File;
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
    if let Some(key) = cached(&mut weak) {
        return Ok(Loaded { key, cached: true, pinned });
    }
    let key = Arc::new(ProvingKey::parse(bytes, if pinned { PointChecks::Pinned } else { PointChecks::Full })?);
    Ok(Loaded { key: keep(&mut weak, key), cached: false, pinned })
}

/// Returns the key of the `.zkey` at `path`, which must hash to `pin` (the
/// manifest's SHA-256). The cache is looked up by the pin before the file is
/// touched: a key with this hash is this key, so every worker after the first
/// takes it without reading or hashing the file (unless its file was rewritten
/// in place since: then it is mapped and hashed again).
///
/// The first maps the file and hashes the mapping (SHA-256 runs at GB/s on
/// CPUs with SHA extensions), then parses the header and coefficients; the
/// points stay in the mapping (see `ProvingKey::map`, `KeyPoints`). Nothing of
/// the file is copied whole, and the points are not parsed at all.
pub fn load_file(path: &Path, pin: &str) -> Result<Loaded> {
    let digest = parse_hex(pin)?;
    let slot = slot_for(digest);
    let mut weak = slot.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(key) = cached(&mut weak) {
        return Ok(Loaded { key, cached: true, pinned: true });
    }
    let file = File::open(path).map_err(|e| Error { kind: ErrorKind::Io, message: format!("cannot read {}: {e}", path.display()) })?;
    let key = Arc::new(ProvingKey::map(path, file, &digest)?);
    Ok(Loaded { key: keep(&mut weak, key), cached: false, pinned: true })
}

/// The key a slot holds, unless it is mapped from a file rewritten in place since it was
/// loaded: that one is forgotten (the caller loads the key again).
fn cached(weak: &mut Weak<ProvingKey>) -> Option<Arc<ProvingKey>> {
    let key = weak.upgrade()?;
    if key.check_unchanged().is_ok() {
        return Some(key);
    }
    *weak = Weak::new();
    forget_recent(&key);
    None
}

/// Forgets a key whose file was rewritten in place (see `ProvingKey::check_unchanged`): the
/// next load of its hash maps the file again.
pub fn evict(key: &Arc<ProvingKey>) {
    let Some(pin) = key.points.pin() else {
        return;
    };
    // The map's lock is not held while the slot's is taken (a slot is held through a whole load).
    let slot = slots().lock().unwrap_or_else(|e| e.into_inner()).get(&pin).cloned();
    if let Some(slot) = slot {
        let mut weak = slot.lock().unwrap_or_else(|e| e.into_inner());
        if weak.ptr_eq(&Arc::downgrade(key)) {
            *weak = Weak::new();
        }
    }
    forget_recent(key);
}

fn forget_recent(key: &Arc<ProvingKey>) {
    let mut recent = recent().lock().unwrap_or_else(|e| e.into_inner());
    if recent.as_ref().is_some_and(|r| Arc::ptr_eq(r, key)) {
        *recent = None;
    }
}

/// The cache slot of a key hash (slots no loader or key holds any more are dropped first).
fn slot_for(digest: [u8; 32]) -> Slot {
    let mut map = slots().lock().unwrap_or_else(|e| e.into_inner());
    map.retain(|_, s| Arc::strong_count(s) > 1 || s.lock().map(|w| w.strong_count() > 0).unwrap_or(false));
    map.entry(digest).or_default().clone()
}

/// Records a freshly loaded key in its slot and as the most recent one.
fn keep(weak: &mut Weak<ProvingKey>, key: Arc<ProvingKey>) -> Arc<ProvingKey> {
    *weak = Arc::downgrade(&key);
    *recent().lock().unwrap_or_else(|e| e.into_inner()) = Some(key.clone());
    key
}
