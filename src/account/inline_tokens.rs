//! Tokens that let the message iframe load one inline part without the session cookie.
//!
//! The iframe is sandboxed without same-origin, so browsers treat its image requests as
//! cross-site and do not send a SameSite=Strict cookie. A token names its account session by
//! a public id (not a secret, and not the session key) and carries an HMAC over mailbox, UID
//! and part under a key that never leaves this process, so it opens exactly that part, for as
//! long as the session lives.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;

use crate::imap::MailboxName;
use crate::message::structure::PartPath;

/// The public id and the MAC of a token: `{public id}.{mac}`.
pub fn split(token: &str) -> Option<(&str, &str)> {
    token.split_once('.')
}

/// One session's signing key and public name.
pub struct InlineTokens {
    key: [u8; 32],
    public_id: String,
}

impl InlineTokens {
    pub fn new() -> Self {
        let mut key = [0u8; 32];
        rand::rng().fill_bytes(&mut key);
        InlineTokens {
            key,
            public_id: crate::token::random_token()[..16].to_owned(),
        }
    }

    /// The session's name in its tokens.
    pub fn public_id(&self) -> &str {
        &self.public_id
    }

    /// The token for `part` of message `uid` in `mailbox`.
    pub fn token(&self, mailbox: &MailboxName, uid: u32, part: &PartPath) -> String {
        let mac = self.mac(mailbox, uid, part).finalize().into_bytes();
        format!("{}.{}", self.public_id, URL_SAFE_NO_PAD.encode(mac))
    }

    /// Whether `mac` (the part after the dot) was made by [`Self::token`] for this part;
    /// compared in constant time.
    pub fn check(&self, mailbox: &MailboxName, uid: u32, part: &PartPath, mac: &str) -> bool {
        let Ok(given) = URL_SAFE_NO_PAD.decode(mac) else {
            return false;
        };
        self.mac(mailbox, uid, part).verify_slice(&given).is_ok()
    }

    fn mac(&self, mailbox: &MailboxName, uid: u32, part: &PartPath) -> Hmac<Sha256> {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.key).expect("HMAC takes any key length");
        // NUL cannot occur in a mailbox name (MailboxName refuses control characters).
        mac.update(format!("{}\0{uid}\0{part}", mailbox.as_str()).as_bytes());
        mac
    }
}

impl Default for InlineTokens {
    fn default() -> Self {
        InlineTokens::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inbox() -> MailboxName {
        MailboxName::parse("INBOX").unwrap()
    }

    fn part(p: &str) -> PartPath {
        PartPath::parse(p).unwrap()
    }

    #[test]
    fn a_token_opens_exactly_its_part() {
        let tokens = InlineTokens::new();
        let token = tokens.token(&inbox(), 7, &part("1.2"));
        let (id, mac) = split(&token).unwrap();
        assert_eq!(id, tokens.public_id());
        assert!(tokens.check(&inbox(), 7, &part("1.2"), mac));
        assert!(!tokens.check(&inbox(), 8, &part("1.2"), mac));
        assert!(!tokens.check(&inbox(), 7, &part("1.3"), mac));
        let sent = MailboxName::parse("Sent").unwrap();
        assert!(!tokens.check(&sent, 7, &part("1.2"), mac));
    }

    #[test]
    fn another_session_or_a_forged_mac_opens_nothing() {
        let (ours, theirs) = (InlineTokens::new(), InlineTokens::new());
        let token = theirs.token(&inbox(), 7, &part("2"));
        let (_, mac) = split(&token).unwrap();
        assert!(!ours.check(&inbox(), 7, &part("2"), mac));
        assert!(!ours.check(&inbox(), 7, &part("2"), "not base64!"));
        assert!(!ours.check(&inbox(), 7, &part("2"), ""));
    }
}
