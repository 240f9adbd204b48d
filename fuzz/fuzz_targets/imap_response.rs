//! IMAP responses under hostile input: whatever a server may send, read one response after
//! another as async-imap reads them, each through Posta's own reading of it (see
//! `posta::imap::fuzz::responses`). Seeded with a real Dovecot's answers
//! (`scripts/record_imap_corpus.py`). Run: `cargo fuzz run imap_response`, or `scripts/test`,
//! which fuzzes for a bounded time with the flags stable Rust needs (README, "Fuzzing").
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    posta::imap::fuzz::responses(data);
});
