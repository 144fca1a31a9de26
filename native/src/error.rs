//! One error type for the crate: every failure is a message the caller can show.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ErrorKind {
    /// A file is malformed: truncated, wrong header, a value out of range.
    Format,
    /// Files that do not belong together: a witness of another circuit, a hash that does not match.
    Mismatch,
    /// The proof failed its own check: the key is corrupt or belongs to another circuit.
    Invalid,
    /// A mapped key file was rewritten in place since it was loaded: load it again.
    KeyChanged,
    /// File system errors (ptau writer).
    Io,
}

#[derive(Debug, Clone)]
pub struct Error {
    pub kind: ErrorKind,
    pub message: String,
}

pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    pub fn format(message: impl Into<String>) -> Self {
        Self { kind: ErrorKind::Format, message: message.into() }
    }
    pub fn mismatch(message: impl Into<String>) -> Self {
        Self { kind: ErrorKind::Mismatch, message: message.into() }
    }
    pub fn invalid(message: impl Into<String>) -> Self {
        Self { kind: ErrorKind::Invalid, message: message.into() }
    }
    pub fn key_changed(message: impl Into<String>) -> Self {
        Self { kind: ErrorKind::KeyChanged, message: message.into() }
    }
}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        Self { kind: ErrorKind::Io, message: e.to_string() }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}
