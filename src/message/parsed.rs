//! A whole message as mail-parser reads it (a draft opened again, say), dropped without
//! recursion. mail-parser keeps its own parsing state on the heap, so any nesting is read;
//! but a forwarded message (`message/rfc822`) is a `Message` inside a part of the one that
//! forwards it, and dropping ten thousand of them, each inside the last (half a megabyte of
//! headers), recursed once per level and overflowed the stack, aborting the whole process.
//! [`Parsed`] takes the nested messages apart one by one when it is dropped.

use std::ops::Deref;

use mail_parser::{Message, MessageParser, PartType};

/// A parsed message; derefs to mail-parser's [`Message`].
pub struct Parsed<'x>(Message<'x>);

/// Parses `raw` (a whole message, headers and body), as `MessageParser::default()` does.
pub fn parse(raw: &[u8]) -> Option<Parsed<'_>> {
    MessageParser::default().parse(raw).map(Parsed)
}

impl<'x> Deref for Parsed<'x> {
    type Target = Message<'x>;

    fn deref(&self) -> &Message<'x> {
        &self.0
    }
}

impl Drop for Parsed<'_> {
    fn drop(&mut self) {
        let mut pending = vec![std::mem::take(&mut self.0)];
        while let Some(mut message) = pending.pop() {
            for part in &mut message.parts {
                if let PartType::Message(inner) = std::mem::take(&mut part.body) {
                    pending.push(inner);
                }
            }
            // `message` now holds no message: dropping it goes one level deep.
        }
    }
}
