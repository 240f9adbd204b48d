//! RFC 6186 SRV records: `_imaps._tcp`, `_imap._tcp`, `_submissions._tcp` and
//! `_submission._tcp` under the email domain, turned into candidate servers.
//!
//! Implicit TLS services come before their STARTTLS twins (RFC 8314); within a service,
//! records go by priority, then by weight (heaviest first, so the order is repeatable).
//!
//! The DNS is hickory-resolver's. Only the ordering is written here: hickory returns SRV
//! answers as they came, and RFC 6186's choice between services, RFC 2782's "service not
//! offered" root target and a repeatable order (rather than RFC 2782's weighted random pick,
//! which would make discovery's answer vary from one sign-in to the next) are Posta's decisions.

use std::time::Duration;

use hickory_resolver::TokioResolver;
use hickory_resolver::proto::rr::RData;

use crate::upstream::{Security, Upstream};

/// One SRV answer, reduced to what discovery uses.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SrvRecord {
    pub priority: u16,
    pub weight: u16,
    pub port: u16,
    /// Target host without the trailing dot; empty for the root (`.`).
    pub target: String,
}

/// The candidates a domain's SRV records name.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SrvCandidates {
    pub imap: Vec<Upstream>,
    pub smtp: Vec<Upstream>,
}

/// Looks up SRV records with the system's DNS configuration.
#[derive(Clone)]
pub struct SrvLookup {
    resolver: TokioResolver,
    /// Bound on each lookup, on top of the resolver's own per-query timeout.
    timeout: Duration,
}

impl SrvLookup {
    /// `None`, with a warning, when the system resolver configuration cannot be read: discovery
    /// then goes on without SRV rather than failing.
    pub fn from_system(timeout: Duration) -> Option<Self> {
        let mut builder = match TokioResolver::builder_tokio() {
            Ok(builder) => builder,
            Err(error) => {
                tracing::warn!(%error, "cannot read the system DNS configuration; SRV discovery is off");
                return None;
            }
        };
        let options = builder.options_mut();
        options.timeout = timeout;
        options.attempts = 1;
        match builder.build() {
            Ok(resolver) => Some(SrvLookup { resolver, timeout }),
            Err(error) => {
                tracing::warn!(%error, "cannot build the DNS resolver; SRV discovery is off");
                None
            }
        }
    }

    /// The IMAP and submission servers `domain` publishes, best first.
    pub async fn candidates(&self, domain: &str) -> SrvCandidates {
        let (imaps, imap, submissions, submission) = tokio::join!(
            self.records("_imaps._tcp", domain),
            self.records("_imap._tcp", domain),
            self.records("_submissions._tcp", domain),
            self.records("_submission._tcp", domain),
        );
        let mut found = SrvCandidates {
            imap: order(imaps, Security::Tls),
            smtp: order(submissions, Security::Tls),
        };
        found.imap.extend(order(imap, Security::StartTls));
        found.smtp.extend(order(submission, Security::StartTls));
        found
    }

    async fn records(&self, service: &str, domain: &str) -> Vec<SrvRecord> {
        // The trailing dot keeps the system's search domains out of it.
        let name = format!("{service}.{domain}.");
        let lookup =
            match tokio::time::timeout(self.timeout, self.resolver.srv_lookup(&*name)).await {
                Ok(Ok(lookup)) => lookup,
                Ok(Err(error)) => {
                    tracing::debug!(%name, %error, "no SRV records");
                    return Vec::new();
                }
                Err(_) => {
                    tracing::debug!(%name, "SRV lookup timed out");
                    return Vec::new();
                }
            };
        lookup
            .answers()
            .iter()
            .filter_map(|record| match &record.data {
                RData::SRV(srv) => Some(SrvRecord {
                    priority: srv.priority,
                    weight: srv.weight,
                    port: srv.port,
                    target: srv.target.to_ascii().trim_end_matches('.').to_owned(),
                }),
                _ => None,
            })
            .collect()
    }
}

/// Orders one service's records into candidates. A lone `.` target means the domain says the
/// service is not offered (RFC 2782); port 0 and root targets among others are skipped.
pub fn order(mut records: Vec<SrvRecord>, security: Security) -> Vec<Upstream> {
    if let [only] = records.as_slice()
        && only.target.is_empty()
    {
        return Vec::new();
    }
    records.sort_by_key(|r| (r.priority, std::cmp::Reverse(r.weight)));
    let mut candidates: Vec<Upstream> = Vec::new();
    for record in records {
        if record.target.is_empty() || record.port == 0 {
            continue;
        }
        let upstream = Upstream::new(record.target.to_ascii_lowercase(), record.port, security);
        if !candidates.contains(&upstream) {
            candidates.push(upstream);
        }
    }
    candidates
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(priority: u16, weight: u16, port: u16, target: &str) -> SrvRecord {
        SrvRecord {
            priority,
            weight,
            port,
            target: target.to_owned(),
        }
    }

    #[test]
    fn lower_priority_comes_first_then_heavier_weight() {
        let records = vec![
            record(20, 0, 993, "backup.example.org"),
            record(10, 5, 993, "light.example.org"),
            record(10, 60, 993, "heavy.example.org"),
        ];

        let hosts: Vec<String> = order(records, Security::Tls)
            .into_iter()
            .map(|u| u.host)
            .collect();

        assert_eq!(
            hosts,
            [
                "heavy.example.org",
                "light.example.org",
                "backup.example.org"
            ]
        );
    }

    #[test]
    fn a_lone_dot_target_means_the_service_is_not_offered() {
        assert_eq!(order(vec![record(0, 0, 0, "")], Security::Tls), vec![]);
    }

    #[test]
    fn records_carry_their_port_and_the_services_security() {
        let candidates = order(
            vec![record(0, 1, 1143, "IMAP.Example.org")],
            Security::StartTls,
        );
        assert_eq!(
            candidates,
            vec![Upstream::new("imap.example.org", 1143, Security::StartTls)]
        );
    }

    #[test]
    fn root_targets_and_port_zero_among_real_records_are_skipped() {
        let records = vec![
            record(0, 0, 993, ""),
            record(1, 0, 0, "zero.example.org"),
            record(2, 0, 993, "imap.example.org"),
            record(3, 0, 993, "imap.example.org"),
        ];
        assert_eq!(
            order(records, Security::Tls),
            vec![Upstream::new("imap.example.org", 993, Security::Tls)]
        );
    }
}
