//! UTF-8 text streamed: a reader thread reads the file in blocks and cuts it into row-aligned
//! pieces while the parser works on the previous one, with two buffers in all.

use std::path::Path;
use std::sync::mpsc::{Receiver, SyncSender};

use plantlab_protocol::ImportOverrides;
use plantlab_sniff::nth_line_end;
use plantlab_sniff::numeric_table;

use super::chunks::PARSE_CHUNK;
use super::dialect::{reject_binary, sniff_dialect};
use super::parse::assemble;
use super::pieces::ParsedPieces;
use super::quotes::{line_of_offset, quote_lone_quotes, unclosed_quote, LoneQuotes, RowCutter, MAX_QUOTED_CELL};
use super::Imported;
use crate::error::{EngineError, Result};
use crate::tasks::JobContext;

/// Read size when streaming a text file.
const READ_BLOCK_STREAM: usize = 4 << 20;
/// Room in a piece buffer: a piece is cut once it reaches `PARSE_CHUNK`, after up to one more
/// read block; the spare block keeps the read from ever growing (copying) the buffer.
const PIECE_CAPACITY: usize = PARSE_CHUNK + 2 * READ_BLOCK_STREAM;

/// A UTF-8 text file read and parsed piece by piece: only one piece of raw text is parsed at a
/// time while a reader thread reads the next, so the disk or page cache and the parser work
/// together.
pub(super) fn read_utf8_stream(
    path: &Path,
    len: u64,
    head: &[u8],
    overrides: &ImportOverrides,
    status_strings: &[String],
    job: &JobContext,
) -> Result<Imported> {
    reject_binary(path, head)?;
    let bom = head.starts_with(b"\xEF\xBB\xBF");
    let head_body = if bom { &head[3..] } else { head };
    let head_text = match std::str::from_utf8(head_body) {
        Ok(t) => t,
        Err(e) => std::str::from_utf8(&head_body[..e.valid_up_to()]).unwrap_or_default(),
    };
    let mut warnings = Vec::new();
    let dialect = sniff_dialect(path, head_text, overrides, status_strings, &mut warnings)?;
    let skip = (if bom { 3 } else { 0 }) + nth_line_end(head_body, dialect.header_rows as usize);
    let file = std::fs::File::open(path).map_err(|e| EngineError::from_io(path, e))?;

    let mut parsed = ParsedPieces::new((len as usize).saturating_sub(skip), 0);
    let fast_layout = dialect.fast_layout(status_strings);
    // The encodings the pieces that are not UTF-8 were read in (the head was, or it would not
    // stream).
    let mut legacy_parts = std::collections::BTreeSet::new();
    let reading = Reading { skip, delimiter: dialect.parse_delimiter, quote: dialect.quote_char() };
    let mut lone_quotes = LoneQuotes::default();
    std::thread::scope(|scope| -> Result<()> {
        // A piece is handed over only when the parser asks for it, and its buffer comes back
        // once parsed: two buffers in all, however large the file.
        let (piece_sender, pieces) = std::sync::mpsc::sync_channel::<Result<Piece>>(0);
        // With two buffers in all, at most one waits here to be taken back: sends never block.
        let (buffer_sender, returned_buffers) = std::sync::mpsc::sync_channel::<Vec<u8>>(2);
        // The second buffer, for what follows the first piece.
        let _ = buffer_sender.send(Vec::new());
        let reader = std::thread::Builder::new()
            .name("plantlab-read".into())
            .spawn_scoped(scope, move || read_pieces(path, file, reading, &piece_sender, &returned_buffers, job))
            .map_err(|e| EngineError::from_io(path, e))?;
        // Leaving early (error, cancel) drops the receiving ends, which stops the reader.
        for piece in pieces {
            job.check_cancelled()?;
            let Piece { bytes: piece, consumed, eof } = piece?;
            job.progress(0.93 * consumed as f32 / len.max(1) as f32, crate::Stage::ReadingAndParsing);
            if piece.iter().all(|b| b.is_ascii_whitespace()) {
                let _ = buffer_sender.send(piece);
                continue;
            }
            // Whitespace-separated text is rewritten in place; a fixed-width piece into a new
            // buffer, which then takes the old one's place in the reader's pair.
            let piece = dialect.rewrite(piece);
            // A quote inside a cell's text (an inch mark) is quoted, so polars reads it as text.
            let piece = match reading.quote.and_then(|_| quote_lone_quotes(&piece, reading.delimiter)) {
                // The quoted copy takes the piece buffer's place in the reader's pair.
                Some((quoted, found)) => {
                    lone_quotes.add(found, parsed.rows() as usize);
                    quoted
                }
                None => piece,
            };
            // A piece the fast parser takes is valid UTF-8: its numbers are ASCII and its text
            // columns are checked. Only other pieces need the whole-piece check.
            if fast_layout.as_ref().is_some_and(|layout| parsed.read_fast(&piece, layout, &dialect.names)) {
                let _ = buffer_sender.send(piece);
                continue;
            }
            let piece = match utf8_check(&piece) {
                Ok(()) => piece,
                Err(e) if eof && e.error_len().is_none() => {
                    let offset = consumed as usize - piece.len() + e.valid_up_to();
                    warnings.push(super::sniff_warning(plantlab_sniff::SniffWarning::TruncatedCharacter { offset }));
                    piece[..e.valid_up_to()].to_vec()
                }
                Err(e) => {
                    let (text, encoding) = decode_legacy_part(&piece, e.valid_up_to());
                    legacy_parts.insert(encoding);
                    text
                }
            };
            if !piece.iter().all(|b| b.is_ascii_whitespace()) {
                let (frame, status) = dialect.parse_piece_general(path, &piece, parsed.rows(), status_strings)?;
                parsed.push_general(frame, status);
            }
            let _ = buffer_sender.send(piece);
        }
        // The pieces end when the reader is done; had it failed, part of the file would be missing.
        reader.join().map_err(|_| EngineError::Internal(format!("reading {} stopped unexpectedly", path.display())))
    })?;
    warnings.extend(lone_quotes.warning(&dialect.names));
    for encoding in legacy_parts {
        warnings.push(match encoding {
            "windows-1252" => plantlab_protocol::CodedSentence::new("windows_1252_parts", []),
            _ => plantlab_protocol::CodedSentence::new("legacy_parts", [("encoding", encoding.into())]),
        });
    }
    let encoding = if bom { "utf-8-bom" } else { "utf-8" };
    assemble(path, dialect, encoding.into(), parsed, warnings)
}

/// A piece that is not UTF-8 past `valid_up_to`: its lines from there are read in the legacy
/// encoding they read as most plausibly — a Chinese note or tag value that first appears after
/// the sniffed head of an otherwise ASCII export is GB18030 —, or as Windows-1252 when that
/// encoding does not decode them cleanly. The lines before stay UTF-8.
fn decode_legacy_part(piece: &[u8], valid_up_to: usize) -> (Vec<u8>, &'static str) {
    let line_start = piece[..valid_up_to.min(piece.len())].iter().rposition(|&b| b == b'\n').map_or(0, |end| end + 1);
    let (before, rest) = piece.split_at(line_start);
    let guess = plantlab_sniff::encoding::guess_legacy_text(rest);
    let (name, codec) = plantlab_sniff::encoding::legacy_codec(guess.name).unwrap_or(("windows-1252", encoding_rs::WINDOWS_1252));
    let (text, had_errors) = codec.decode_without_bom_handling(rest);
    let (text, name) = if had_errors { (encoding_rs::WINDOWS_1252.decode_without_bom_handling(rest).0, "windows-1252") } else { (text, name) };
    let mut out = Vec::with_capacity(before.len() + text.len());
    out.extend_from_slice(before);
    out.extend_from_slice(text.as_bytes());
    (out, name)
}

/// Whole rows of the body, cut outside quotes.
struct Piece {
    bytes: Vec<u8>,
    /// Bytes of the file read so far, this piece included.
    consumed: u64,
    /// The last piece.
    eof: bool,
}

/// The reader thread: reads the file after its `skip` header bytes and sends row-aligned pieces
/// of about `PARSE_CHUNK` bytes. The rest after a piece's last line end moves into a buffer the
/// parser returned, so the same two buffers serve the whole file (fresh memory for every piece
/// cost a page fault per 4 KB read). Stops when the parser hangs up or the user cancels, and
/// with an error at a quote that opens a cell and does not close within `MAX_QUOTED_CELL`
/// (buffering on would hold the rest of the file as one cell).
fn read_pieces(
    path: &Path,
    mut file: std::fs::File,
    reading: Reading,
    pieces: &SyncSender<Result<Piece>>,
    returned: &Receiver<Vec<u8>>,
    job: &JobContext,
) {
    use std::io::Read;
    let mut pending = piece_buffer(Vec::new());
    let mut cutter = RowCutter::new(reading.delimiter, reading.quote);
    let mut consumed = 0u64;
    // File offset of `pending[0]`.
    let mut pending_at = reading.skip as u64;
    let mut skipped = 0usize;
    let mut scanned = 0usize;
    let mut cut = None;
    let mut eof = false;
    while !eof {
        if job.is_cancelled() {
            let _ = pieces.send(Err(EngineError::Cancelled));
            return;
        }
        // Read straight onto the end of `pending`, into its spare room: no second copy.
        let filled = pending.len();
        let n = match (&mut file).take(READ_BLOCK_STREAM as u64).read_to_end(&mut pending) {
            Ok(n) => n,
            Err(e) => {
                let _ = pieces.send(Err(EngineError::from_io(path, e)));
                return;
            }
        };
        eof = n == 0;
        consumed += n as u64;
        if skipped < reading.skip {
            let take = (reading.skip - skipped).min(n);
            skipped += take;
            pending.drain(filled..filled + take);
        }
        cut = cutter.scan(&pending, scanned).or(cut);
        scanned = pending.len();
        if let Some(opened_at) = cutter.open_quote() {
            if eof || pending.len() - opened_at > MAX_QUOTED_CELL {
                let line = line_of_offset(path, pending_at + opened_at as u64);
                let _ = pieces.send(Err(unclosed_quote(path, line, &pending, opened_at)));
                return;
            }
        }
        let ready = match (eof, cut) {
            (true, _) => pending.len(),
            (false, Some(c)) if c >= PARSE_CHUNK => c,
            _ => continue,
        };
        if ready == 0 {
            continue;
        }
        let Ok(returned_buffer) = returned.recv() else { return };
        let mut next = piece_buffer(returned_buffer);
        next.extend_from_slice(&pending[ready..]);
        pending.truncate(ready);
        let piece = std::mem::replace(&mut pending, next);
        pending_at += piece.len() as u64;
        // What is left starts a row: scan it afresh with the next block.
        cutter.restart();
        (scanned, cut) = (0, None);
        if pieces.send(Ok(Piece { bytes: piece, consumed, eof })).is_err() {
            return;
        }
    }
}

/// How the reader cuts the body: after `skip` header bytes, at row ends outside quoted cells.
#[derive(Clone, Copy)]
struct Reading {
    skip: usize,
    delimiter: u8,
    quote: Option<u8>,
}

/// `buffer` emptied, with room for a piece; new room is advised to huge pages before use.
fn piece_buffer(mut buffer: Vec<u8>) -> Vec<u8> {
    buffer.clear();
    if buffer.capacity() < PIECE_CAPACITY {
        buffer.reserve(PIECE_CAPACITY);
        numeric_table::advise_huge_pages(buffer.spare_capacity_mut());
    }
    buffer
}

/// Checks that a piece is UTF-8, on all cores: cut at line ends (ASCII, so never inside a
/// character) each part is valid exactly when the whole is. A sequential check finds the
/// error's place when there is one.
fn utf8_check(piece: &[u8]) -> std::result::Result<(), std::str::Utf8Error> {
    use rayon::prelude::*;
    const PART: usize = 1 << 20;
    let mut parts = Vec::with_capacity(piece.len() / PART + 1);
    let mut start = 0;
    while start < piece.len() {
        let target = (start + PART).min(piece.len());
        let end = memchr::memchr(b'\n', &piece[target..]).map_or(piece.len(), |at| target + at + 1);
        parts.push(&piece[start..end]);
        start = end;
    }
    if parts.par_iter().all(|part| std::str::from_utf8(part).is_ok()) {
        return Ok(());
    }
    std::str::from_utf8(piece).map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::super::{import, import_bytes};
    use super::*;

    #[test]
    fn the_parallel_utf8_check_agrees_with_the_sequential_one() {
        let line = "2024-03-04 00:00:00;Temperatur °C;µS/cm;12,5\n".repeat(60_000);
        assert!(utf8_check(line.as_bytes()).is_ok());
        let mut broken = line.into_bytes();
        let at = broken.len() / 2 + 3;
        broken[at] = 0xFF;
        let expected = std::str::from_utf8(&broken).unwrap_err();
        assert_eq!(utf8_check(&broken).unwrap_err(), expected);
        assert!(utf8_check(b"").is_ok());
    }

    #[test]
    fn a_file_streamed_in_several_pieces_reads_like_one_in_memory() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("wide.csv");
        crate::generate::wide_numeric_csv(std::fs::File::create(&path).unwrap(), 220_000, 50, 3).unwrap();
        let bytes = std::fs::read(&path).unwrap();
        assert!(bytes.len() > 2 * PARSE_CHUNK, "the file must span several pieces");
        let job = JobContext::detached();
        let streamed = import(&path, &ImportOverrides::default(), &job).unwrap();
        let in_memory = import_bytes(&path, bytes, &ImportOverrides::default(), &job).unwrap();
        assert_eq!(streamed.frame.height(), 220_000);
        assert!(streamed.frame.equals_missing(&in_memory.frame));
        // Each number column is one buffer however many pieces it was read in.
        for column in streamed.frame.columns().iter().filter(|c| c.dtype().is_float()) {
            assert_eq!(column.as_materialized_series().n_chunks(), 1, "{}", column.name());
        }
        assert_eq!(streamed.settings.timestamp_column.as_deref(), Some("Timestamp"));

        // Cancelled, the load stops at the next piece and the reader thread ends with it.
        let cancel = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
        let started = std::time::Instant::now();
        let result = import(&path, &ImportOverrides::default(), &JobContext::with_cancel_flag(cancel));
        assert!(matches!(result, Err(EngineError::Cancelled)), "{:?}", result.err());
        assert!(started.elapsed() < std::time::Duration::from_secs(20));
    }
}
