//! A check of a Parquet file's footer before polars reads it. The footer is Thrift (compact
//! protocol), and polars' reader reserves room for every list by the count the file declares:
//! a 1 KB file declaring billions of row groups asked for 8 GB at once (found by fuzzing),
//! which on a machine without memory overcommit (Windows) ends the process. Walking the footer
//! once the way polars reads it, with every declared count bounded by the bytes left to hold
//! it, makes such a file a clear error instead.
//!
//! Polars reads a field it knows by the type it expects, whatever type the file declares, so
//! a field declared as one type and read as another puts its reader somewhere else in the
//! footer than a plain Thrift walk (a second fuzzed file hid a list of billions that way). The
//! walk therefore knows the fields polars reads (parquet.thrift's `FileMetaData` and what it
//! holds) and refuses a field whose declared type is not the one polars reads it as; every
//! other field is skipped as polars skips it.

/// Nesting deeper than any Parquet writer produces (polars' own skip stops at 64 too).
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
    reader.read_struct(Kind::FileMetaData, 0)
}

/// The structs of a Parquet footer that polars reads field by field.
#[derive(Clone, Copy, Debug)]
enum Kind {
    FileMetaData,
    SchemaElement,
    RowGroup,
    ColumnChunk,
    ColumnMetaData,
    Statistics,
    KeyValue,
    SortingColumn,
    ColumnOrder,
    LogicalType,
    DecimalType,
    /// `TimeType` and `TimestampType`: the same fields.
    TimeType,
    TimeUnit,
    IntType,
    /// A union member without fields (`StringType`, `MilliSeconds`, …).
    Empty,
}

/// How polars reads a field it knows.
#[derive(Clone, Copy)]
enum Read {
    /// A zigzag or plain varint: declared i16, i32 or i64.
    Varint,
    /// One byte: declared byte.
    Byte,
    /// A length and that many bytes: declared binary.
    Binary,
    /// The value in the field header: declared true or false.
    Bool,
    Struct(Kind),
    List(Element),
}

/// The elements of a list polars reads.
#[derive(Clone, Copy)]
enum Element {
    Varint,
    Binary,
    Struct(Kind),
}

/// The fields polars reads in a struct of `kind` (polars-parquet's handwritten footer
/// decoder), by field id; `None` for fields it skips by their declared type.
fn field(kind: Kind, id: i16) -> Option<Read> {
    use Element as E;
    use Read::*;
    Some(match (kind, id) {
        (Kind::FileMetaData, 1 | 3) => Varint,
        (Kind::FileMetaData, 2) => List(E::Struct(Kind::SchemaElement)),
        (Kind::FileMetaData, 4) => List(E::Struct(Kind::RowGroup)),
        (Kind::FileMetaData, 5) => List(E::Struct(Kind::KeyValue)),
        (Kind::FileMetaData, 6) => Binary,
        (Kind::FileMetaData, 7) => List(E::Struct(Kind::ColumnOrder)),
        (Kind::SchemaElement, 1..=3 | 5..=9) => Varint,
        (Kind::SchemaElement, 4) => Binary,
        (Kind::SchemaElement, 10) => Struct(Kind::LogicalType),
        (Kind::RowGroup, 1) => List(E::Struct(Kind::ColumnChunk)),
        (Kind::RowGroup, 2 | 3 | 5..=7) => Varint,
        (Kind::RowGroup, 4) => List(E::Struct(Kind::SortingColumn)),
        (Kind::ColumnChunk, 1) => Binary,
        (Kind::ColumnChunk, 2 | 4..=7) => Varint,
        (Kind::ColumnChunk, 3) => Struct(Kind::ColumnMetaData),
        (Kind::ColumnMetaData, 1 | 4..=7 | 9..=11 | 14 | 15) => Varint,
        (Kind::ColumnMetaData, 2) => List(E::Varint),
        (Kind::ColumnMetaData, 3) => List(E::Binary),
        (Kind::ColumnMetaData, 12) => Struct(Kind::Statistics),
        (Kind::Statistics, 1 | 2 | 5 | 6) => Binary,
        (Kind::Statistics, 3 | 4) => Varint,
        (Kind::Statistics, 7 | 8) => Bool,
        (Kind::KeyValue, 1 | 2) => Binary,
        (Kind::SortingColumn, 1) => Varint,
        (Kind::SortingColumn, 2 | 3) => Bool,
        (Kind::ColumnOrder, 1 | 2) => Struct(Kind::Empty),
        (Kind::LogicalType, 1..=4 | 6 | 11..=15) => Struct(Kind::Empty),
        (Kind::LogicalType, 5) => Struct(Kind::DecimalType),
        (Kind::LogicalType, 7 | 8) => Struct(Kind::TimeType),
        (Kind::LogicalType, 10) => Struct(Kind::IntType),
        (Kind::DecimalType, 1 | 2) => Varint,
        (Kind::TimeType, 1) => Bool,
        (Kind::TimeType, 2) => Struct(Kind::TimeUnit),
        (Kind::TimeUnit, 1..=3) => Struct(Kind::Empty),
        (Kind::IntType, 1) => Byte,
        (Kind::IntType, 2) => Bool,
        _ => return None,
    })
}

/// Thrift compact types.
const BOOL_TRUE: u8 = 1;
const BOOL_FALSE: u8 = 2;
const BYTE: u8 = 3;
const I16: u8 = 4;
const I64: u8 = 6;
const DOUBLE: u8 = 7;
const BINARY: u8 = 8;
const LIST: u8 = 9;
const STRUCT: u8 = 12;

/// A reader of Thrift's compact protocol that follows polars' footer decoder, checking every
/// length and count.
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

    /// A list's header: its element type and count. A count is never more than the bytes left
    /// (every element the reader allocates for takes at least one).
    fn list_header(&mut self) -> Result<(u8, u64), String> {
        let header = self.byte()?;
        let count = match header >> 4 {
            15 => self.varint()?,
            small => u64::from(small),
        };
        if count > self.left() as u64 {
            return Err(format!("its footer declares a list of {count} elements in {} bytes", self.left()));
        }
        Ok((header & 0x0f, count))
    }

    /// A struct of `kind`: each field polars knows read as polars reads it, once its declared
    /// type is the one polars expects; any other field skipped as polars skips it.
    fn read_struct(&mut self, kind: Kind, depth: usize) -> Result<(), String> {
        if depth > MAX_DEPTH {
            return Err("its footer nests deeper than any Parquet writer does".into());
        }
        let mut last_id: i16 = 0;
        while let Some((id, declared)) = self.field_header(last_id)? {
            match field(kind, id) {
                Some(read) => self.read_field(kind, id, read, declared, depth)?,
                None => self.skip_value(declared, depth)?,
            }
            last_id = id;
        }
        Ok(())
    }

    /// A struct field's header: its id (a delta from `last_id`, or given in full) and declared
    /// type; `None` at the struct's end.
    fn field_header(&mut self, last_id: i16) -> Result<Option<(i16, u8)>, String> {
        let header = self.byte()?;
        let declared = header & 0x0f;
        if declared == 0 {
            return Ok(None);
        }
        let id = match header >> 4 {
            0 => zigzag(self.varint()?) as i16,
            delta => last_id.checked_add(i16::from(delta)).ok_or("its footer numbers a field beyond the largest id")?,
        };
        Ok(Some((id, declared)))
    }

    fn read_field(&mut self, kind: Kind, id: i16, read: Read, declared: u8, depth: usize) -> Result<(), String> {
        let expected = match read {
            Read::Varint => matches!(declared, I16..=I64),
            Read::Byte => declared == BYTE,
            Read::Binary => declared == BINARY,
            Read::Bool => matches!(declared, BOOL_TRUE | BOOL_FALSE),
            Read::Struct(_) => declared == STRUCT,
            Read::List(_) => declared == LIST,
        };
        if !expected {
            return Err(format!("its footer declares field {id} of {kind:?} as Thrift type {declared}, which is not the type Parquet gives it"));
        }
        match read {
            Read::Varint => self.varint().map(drop),
            Read::Byte => self.skip(1),
            Read::Binary => {
                let length = self.varint()?;
                self.skip(length)
            }
            Read::Bool => Ok(()),
            Read::Struct(inner) => self.read_struct(inner, depth + 1),
            Read::List(element) => {
                let (element_type, count) = self.list_header()?;
                let fits = match element {
                    Element::Varint => matches!(element_type, I16..=I64),
                    Element::Binary => element_type == BINARY,
                    Element::Struct(_) => element_type == STRUCT,
                };
                if count > 0 && !fits {
                    return Err(format!("its footer declares the elements of field {id} of {kind:?} as Thrift type {element_type}"));
                }
                for _ in 0..count {
                    match element {
                        Element::Varint => self.varint().map(drop)?,
                        Element::Binary => {
                            let length = self.varint()?;
                            self.skip(length)?
                        }
                        Element::Struct(inner) => self.read_struct(inner, depth + 1)?,
                    }
                }
                Ok(())
            }
        }
    }

    /// Skips a value of the declared type as polars skips a field it does not read (a boolean
    /// list element takes no byte there; maps and sets it refuses).
    fn skip_value(&mut self, declared: u8, depth: usize) -> Result<(), String> {
        if depth > MAX_DEPTH {
            return Err("its footer nests deeper than any Parquet writer does".into());
        }
        match declared {
            BOOL_TRUE | BOOL_FALSE => Ok(()),
            BYTE => self.skip(1),
            I16..=I64 => self.varint().map(drop),
            DOUBLE => self.skip(8),
            BINARY => {
                let length = self.varint()?;
                self.skip(length)
            }
            LIST => {
                let (element_type, count) = self.list_header()?;
                for _ in 0..count {
                    self.skip_value(element_type, depth + 1)?;
                }
                Ok(())
            }
            STRUCT => {
                let mut last_id: i16 = 0;
                while let Some((id, inner)) = self.field_header(last_id)? {
                    self.skip_value(inner, depth + 1)?;
                    last_id = id;
                }
                Ok(())
            }
            other => Err(format!("its footer holds a value of Thrift type {other}, which Parquet does not use")),
        }
    }
}

/// A zigzag-encoded varint's value (Thrift field ids and integers).
fn zigzag(value: u64) -> i64 {
    ((value >> 1) as i64) ^ -((value & 1) as i64)
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
