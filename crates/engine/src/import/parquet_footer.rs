//! A check of a Parquet file's footer before polars reads it. The footer is Thrift (compact
//! protocol), and polars' reader reserves room for every list by the count the file declares:
//! a 1 KB file declaring billions of row groups asked for 8 GB at once (found by fuzzing),
//! which on a machine without memory overcommit (Windows) ends the process. Walking the footer
//! once, with every declared count bounded by the bytes left to hold it, makes such a file a
//! clear error instead.

/// Nesting deeper than any Parquet writer produces (the schema is a flat list of elements).
const MAX_DEPTH: usize = 64;

/// Checks the footer of the Parquet file `bytes`; the error says what is wrong.
pub(super) fn check_footer(bytes: &[u8]) -> Result<(), String> {
    let n = bytes.len();
    if n < 12 || &bytes[n - 4..] != b"PAR1" || &bytes[..4] != b"PAR1" {
        return Err("it does not start and end with the Parquet marker PAR1".into());
    }
    let declared = u32::from_le_bytes([bytes[n - 8], bytes[n - 7], bytes[n - 6], bytes[n - 5]]) as usize;
    if declared > n - 12 {
        return Err(format!("its footer claims {declared} bytes but the file holds only {n}"));
    }
    let footer = &bytes[n - 8 - declared..n - 8];
    let mut reader = Compact { bytes: footer, at: 0 };
    reader.skip_struct(0)
}

/// A reader of Thrift's compact protocol that skips values, checking every length and count.
struct Compact<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Compact<'_> {
    fn left(&self) -> usize {
        self.bytes.len() - self.at
    }

    fn byte(&mut self) -> Result<u8, String> {
        let b = *self.bytes.get(self.at).ok_or("its footer ends in the middle of a value")?;
        self.at += 1;
        Ok(b)
    }

    fn varint(&mut self) -> Result<u64, String> {
        let mut value = 0u64;
        for shift in (0..70).step_by(7) {
            let b = self.byte()?;
            value |= u64::from(b & 0x7f).checked_shl(shift).unwrap_or(0);
            if b & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err("its footer holds a number longer than 10 bytes".into())
    }

    fn skip(&mut self, count: u64) -> Result<(), String> {
        if count > self.left() as u64 {
            return Err(format!("its footer declares {count} bytes where only {} are left", self.left()));
        }
        self.at += count as usize;
        Ok(())
    }

    /// A count of elements, each at least one byte: never more than the bytes left.
    fn count(&mut self, count: u64) -> Result<u64, String> {
        if count > self.left() as u64 {
            return Err(format!("its footer declares a list of {count} elements in {} bytes", self.left()));
        }
        Ok(count)
    }

    fn skip_struct(&mut self, depth: usize) -> Result<(), String> {
        if depth > MAX_DEPTH {
            return Err("its footer nests deeper than any Parquet writer does".into());
        }
        loop {
            let header = self.byte()?;
            let kind = header & 0x0f;
            if kind == 0 {
                return Ok(());
            }
            // A field id given in full (no delta from the previous one) follows as a varint.
            if header >> 4 == 0 {
                self.varint()?;
            }
            self.skip_value(kind, depth)?;
        }
    }

    fn skip_value(&mut self, kind: u8, depth: usize) -> Result<(), String> {
        match kind {
            // Booleans in a struct field live in the field header itself.
            1 | 2 => Ok(()),
            3 => self.skip(1),
            4..=6 => self.varint().map(|_| ()),
            7 => self.skip(8),
            8 => {
                let length = self.varint()?;
                self.skip(length)
            }
            9 | 10 => {
                let header = self.byte()?;
                let size = match header >> 4 {
                    15 => self.varint()?,
                    small => u64::from(small),
                };
                let element = header & 0x0f;
                for _ in 0..self.count(size)? {
                    // A boolean element is a whole byte in a list.
                    if matches!(element, 1 | 2) {
                        self.skip(1)?;
                    } else {
                        self.skip_value(element, depth + 1)?;
                    }
                }
                Ok(())
            }
            11 => {
                let size = self.varint()?;
                if size == 0 {
                    return Ok(());
                }
                let types = self.byte()?;
                for _ in 0..self.count(size)? {
                    for element in [types >> 4, types & 0x0f] {
                        if matches!(element, 1 | 2) {
                            self.skip(1)?;
                        } else {
                            self.skip_value(element, depth + 1)?;
                        }
                    }
                }
                Ok(())
            }
            12 => self.skip_struct(depth + 1),
            other => Err(format!("its footer holds a value of unknown type {other}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use polars::prelude::*;

    fn parquet_file() -> Vec<u8> {
        let mut frame =
            df!("flow" => (0..300).map(f64::from).collect::<Vec<_>>(), "state" => (0..300).map(|i| ["run", "stop"][i % 2]).collect::<Vec<_>>())
                .unwrap();
        let mut out = Vec::new();
        ParquetWriter::new(&mut out).finish(&mut frame).unwrap();
        out
    }

    #[test]
    fn a_written_file_passes_and_a_footer_declaring_too_much_does_not() {
        let good = parquet_file();
        assert_eq!(check_footer(&good), Ok(()));
        // A list of row groups claiming 2^33 entries in a footer of a few hundred bytes, as
        // in the fuzzed file that made polars ask for 8 GB.
        let n = good.len();
        let length = u32::from_le_bytes([good[n - 8], good[n - 7], good[n - 6], good[n - 5]]) as usize;
        let footer = good[n - 8 - length..n - 8].to_vec();
        let mut forged = good[..4].to_vec();
        // Field 1 (version, i32 = 1), then field 4 as a list of 2^33 structs.
        let mut meta = vec![0x15, 0x02, 0x39, 0xfc, 0x80, 0x80, 0x80, 0x80, 0x20];
        meta.extend_from_slice(&footer[..footer.len().min(40)]);
        forged.extend_from_slice(&meta);
        forged.extend_from_slice(&(meta.len() as u32).to_le_bytes());
        forged.extend_from_slice(b"PAR1");
        let err = check_footer(&forged).unwrap_err();
        assert!(err.contains("declares a list of 8589934592 elements"), "{err}");
        // Cut short, or with a footer length beyond the file.
        assert!(check_footer(&good[..n - 1]).is_err());
        let mut long = good.clone();
        long[n - 8..n - 4].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(check_footer(&long).unwrap_err().contains("claims"));
    }
}
