//! Message rendering under hostile input: a server's FETCH answer line and the message bytes
//! it describes, through parsing, decoding, sanitising and rendering (see
//! `posta::message::fuzz`). Run: `cargo fuzz run render` (the README has the details).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    posta::message::fuzz::render(data);
});
