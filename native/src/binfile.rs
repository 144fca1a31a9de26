//! The container format snarkjs uses for `.zkey`, `.wtns` and `.ptau` files
//! (@iden3/binfileutils): a 4-byte magic, a u32 version, a u32 section count,
//! then sections of `u32 type, u64 length, bytes`, little-endian throughout.

use crate::error::{Error, Result};

/// A parsed container: the byte ranges of each section, by type.
pub struct BinFile<'a> {
    bytes: &'a [u8],
    /// (type, start, length) in file order.
    sections: Vec<(u32, usize, usize)>,
}

impl<'a> BinFile<'a> {
    pub fn parse(bytes: &'a [u8], magic: &str, what: &str) -> Result<Self> {
        if bytes.len() < 12 || &bytes[0..4] != magic.as_bytes() {
            return Err(Error::format(format!("not a {what} file (no \"{magic}\" header)")));
        }
        let count = read_u32(bytes, 8) as usize;
        // Every section takes at least its 12-byte header: a count the file cannot hold allocates nothing.
        let mut sections = Vec::with_capacity(count.min(bytes.len() / 12));
        let mut offset = 12usize;
        for index in 0..count {
            if offset + 12 > bytes.len() {
                return Err(Error::format(format!("{what} is truncated: section {index} of {count} is missing")));
            }
            let kind = read_u32(bytes, offset);
            let length = read_u64(bytes, offset + 4);
            let start = offset + 12;
            let end = usize::try_from(length).ok().and_then(|l| start.checked_add(l)).filter(|&e| e <= bytes.len());
            let Some(end) = end else {
                return Err(Error::format(format!("{what} is truncated: section type {kind} claims {length} bytes")));
            };
            sections.push((kind, start, end - start));
            offset = end;
        }
        if offset != bytes.len() {
            return Err(Error::format(format!("{what} has {} unexpected trailing bytes", bytes.len() - offset)));
        }
        Ok(Self { bytes, sections })
    }

    /// Every section's type and bytes, in file order.
    pub fn sections(&self) -> impl Iterator<Item = (u32, &'a [u8])> + '_ {
        self.sections.iter().map(|&(kind, start, len)| (kind, &self.bytes[start..start + len]))
    }

    /// The bytes of the one section of this type.
    pub fn section(&self, kind: u32, what: &str) -> Result<&'a [u8]> {
        let mut found = self.sections.iter().filter(|(k, _, _)| *k == kind);
        match (found.next(), found.next()) {
            (Some(&(_, start, len)), None) => Ok(&self.bytes[start..start + len]),
            (None, _) => Err(Error::format(format!("{what} has no section {kind}"))),
            (Some(_), Some(_)) => Err(Error::format(format!("{what} has more than one section {kind}"))),
        }
    }
}

pub fn read_u32(bytes: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(bytes[at..at + 4].try_into().expect("4 bytes"))
}

pub fn read_u64(bytes: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(bytes[at..at + 8].try_into().expect("8 bytes"))
}

/// Writes the same container format, section by section, to any writer.
pub struct BinWriter<W: std::io::Write + std::io::Seek> {
    out: W,
}

impl<W: std::io::Write + std::io::Seek> BinWriter<W> {
    pub fn new(mut out: W, magic: &str, version: u32, sections: u32) -> std::io::Result<Self> {
        out.write_all(magic.as_bytes())?;
        out.write_all(&version.to_le_bytes())?;
        out.write_all(&sections.to_le_bytes())?;
        Ok(Self { out })
    }

    /// Writes a section whose body is produced by `body` (its length is patched in after).
    pub fn section(&mut self, kind: u32, body: impl FnOnce(&mut W) -> std::io::Result<()>) -> std::io::Result<()> {
        use std::io::SeekFrom;
        self.out.write_all(&kind.to_le_bytes())?;
        let length_at = self.out.stream_position()?;
        self.out.write_all(&0u64.to_le_bytes())?;
        body(&mut self.out)?;
        let end = self.out.stream_position()?;
        self.out.seek(SeekFrom::Start(length_at))?;
        self.out.write_all(&(end - length_at - 8).to_le_bytes())?;
        self.out.seek(SeekFrom::Start(end))?;
        Ok(())
    }

    pub fn finish(self) -> W {
        self.out
    }
}
