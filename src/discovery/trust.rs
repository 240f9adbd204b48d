//! Which discovered SMTP server may be handed the password that an IMAP server accepted.
//!
//! On an open gateway the IMAP server that vouches for a password can be anyone's: a domain's
//! owner publishes its autoconfig or SRV records, and may name its own IMAP server (which takes
//! any password) beside someone else's SMTP server. Posta would then try each typed password
//! on that SMTP server, an oracle against it. So a discovered SMTP server is used only when it
//! belongs to the IMAP server's provider:
//! - the same host, or
//! - the same registrable domain (`smtp.mail.ru` with `imap.mail.ru`; `smtp.example.co.uk`
//!   with `imap.example.co.uk` but not with `imap.other.co.uk`), by the Public Suffix List
//!   (the `psl` crate, which compiles the list in; its private section counts too, so two
//!   sites under one hosting suffix are two providers), or
//! - both named by one built-in preset ([`super::presets`]), for a provider whose servers sit
//!   under different domains.
//!
//! A name in the IMAP server's domain cannot be pointed at someone else's server to get round
//! this: the certificate is checked against the name, and discovery refuses plain-text servers
//! unless the operator allows them.

use std::net::IpAddr;

use super::presets::{PRESETS, Preset};
use crate::upstream::comparable_host;

/// Whether `smtp` may be trusted with the password that `imap` accepted.
pub fn same_provider(imap: &str, smtp: &str) -> bool {
    same_provider_in(PRESETS, imap, smtp)
}

/// [`same_provider`] against a table of presets, so tests can bring their own.
fn same_provider_in(presets: &[Preset], imap: &str, smtp: &str) -> bool {
    let (imap, smtp) = (comparable_host(imap), comparable_host(smtp));
    if imap == smtp {
        return true;
    }
    let one_preset = presets.iter().any(|p| {
        p.imap.is_some_and(|s| s.host.eq_ignore_ascii_case(&imap))
            && p.smtp.is_some_and(|s| s.host.eq_ignore_ascii_case(&smtp))
    });
    if one_preset {
        return true;
    }
    match (registrable(&imap), registrable(&smtp)) {
        (Some(a), Some(b)) => a == b,
        _ => false,
    }
}

/// The registrable domain of a host name (`mail.ru` for `imap.mail.ru`); `None` for an IP
/// address or a name that is itself a public suffix.
fn registrable(host: &str) -> Option<&str> {
    if host.parse::<IpAddr>().is_ok() {
        return None;
    }
    psl::domain_str(host)
}

#[cfg(test)]
mod tests {
    use super::super::presets::Server;
    use super::*;
    use crate::upstream::Security;

    #[test]
    fn servers_of_one_registrable_domain_belong_together() {
        assert!(same_provider("imap.mail.ru", "smtp.mail.ru"));
        assert!(same_provider("IMAP.Example.co.uk.", "smtp.example.co.uk"));
        assert!(same_provider("imap.hosting.test", "relay.out.hosting.test"));
        assert!(same_provider("127.0.0.1", "127.0.0.1"));
        assert!(same_provider("[::1]", "::1"));
    }

    #[test]
    fn another_providers_server_is_not_trusted() {
        assert!(!same_provider("imap.attacker.test", "smtp.gmail.com"));
        assert!(!same_provider("imap.example.co.uk", "smtp.other.co.uk"));
        // Two sites under one hosting suffix (the list's private section) are two owners.
        assert!(!same_provider("imap.alice.github.io", "smtp.bob.github.io"));
        assert!(!same_provider("127.0.0.1", "127.0.0.2"));
        assert!(!same_provider("imap.example.org", "192.0.2.1"));
        assert!(!same_provider("co.uk", "smtp.co.uk"));
    }

    #[test]
    fn one_presets_servers_belong_together_across_domains() {
        let presets = [Preset {
            name: "Split",
            domains: &["split.test"],
            imap: Some(Server {
                host: "imap.split-in.test",
                port: 993,
                security: Security::Tls,
            }),
            smtp: Some(Server {
                host: "smtp.split-out.test",
                port: 465,
                security: Security::Tls,
            }),
            hint: None,
        }];

        assert!(same_provider_in(
            &presets,
            "imap.split-in.test",
            "SMTP.split-out.test"
        ));
        assert!(!same_provider_in(
            &presets,
            "imap.other.test",
            "smtp.split-out.test"
        ));
        assert!(!same_provider_in(
            &[],
            "imap.split-in.test",
            "smtp.split-out.test"
        ));
    }
}
