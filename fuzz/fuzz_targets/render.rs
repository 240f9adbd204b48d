//! Message rendering under hostile input: a server's FETCH answer line and the message bytes
//! it describes, through parsing, decoding, sanitising and rendering (see
//! `posta::imap::fuzz`). Run: `cargo fuzz run render`, or `scripts/test`, which fuzzes for a
//! bounded time with the flags stable Rust needs (README, "Fuzzing").
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    posta::imap::fuzz::render(data);
});
