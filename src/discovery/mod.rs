//! Finding a person's IMAP and SMTP servers from nothing but their email address.
//!
//! Stages, in order (the operator's fixed upstream, when configured, is decided before this):
//! 1. [`presets`]: built-in settings for the big providers, with a hint for the login page;
//! 2. [`autoconfig`]: the domain's Mozilla autoconfig document;
//! 3. [`srv`]: RFC 6186 SRV records;
//! 4. guesses: `imap.`, `mail.` and the bare domain on 993, then on 143 with STARTTLS
//!    (`smtp.`, `mail.`, bare domain on 465, then 587 for SMTP).
//!
//! Every candidate is [`probe`]d before it is used, at an address the upstream policy
//! ([`crate::net_policy`]) accepted. A stage's candidates are probed at once; the best-ranked
//! one that answers wins, and the next stage is asked only when none did. SMTP comes from the
//! winning stage, else from later ones, and only from the IMAP server's own provider
//! ([`trust`]): otherwise a domain could name its own IMAP server (taking any password) beside
//! someone else's SMTP server and use Posta to try passwords there. When none qualifies the
//! account can read mail but not send it.
//!
//! No maintained Rust crate finds mail servers (Thunderbird's account setup, which these stages
//! follow, is JavaScript), so the stages are written here; each leans on a crate for what has
//! one: reqwest and roxmltree for autoconfig, hickory-resolver for SRV, tokio-native-tls for
//! probes. Every module says what it keeps by hand and why.
//!
//! # Layout
//! - `presets.rs`: the provider table and [`preset_for`].
//! - `autoconfig.rs`: fetching and parsing `config-v1.1.xml`.
//! - `srv.rs`: SRV lookups and their ordering.
//! - `probe.rs`: resolve, connect, TLS, greeting.
//! - `trust.rs`: whether an SMTP server belongs to the IMAP server's provider.

pub mod autoconfig;
pub mod presets;
pub mod probe;
pub mod srv;
pub mod trust;

#[cfg(test)]
mod fake_http;

use std::collections::HashSet;
use std::future::Future;
use std::time::Duration;

use futures::stream::{FuturesUnordered, StreamExt};

pub use presets::{Preset, ProviderHint, preset_for, saves_sent_itself};
pub use probe::{Endpoint, ProbeError, Prober};

use crate::net_policy::PolicyError;
use crate::upstream::{Protocol, Security, Upstream};
use autoconfig::{Autoconfig, Placeholders};
use srv::SrvLookup;

/// Where the servers were found; also the discovery stages, in the order they are asked.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Source {
    Preset,
    Autoconfig,
    Srv,
    Guess,
}

/// The servers found for an address.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Discovered {
    /// The IMAP server, with the checked address that answered the probe.
    pub imap: Endpoint,
    /// The submission server; `None` when none of the IMAP server's provider answered (mail
    /// can be read but not sent).
    pub smtp: Option<Endpoint>,
    /// The stage the IMAP server came from.
    pub source: Source,
    /// The login name, when the provider's autoconfig names one other than the full address
    /// (e.g. `%EMAILLOCALPART%`); `None` means: log in with the address as typed.
    pub username: Option<String>,
    /// What the provider may require before a password works here, for the login page.
    pub hint: Option<ProviderHint>,
}

/// Why no server could be used. Each variant has words the login page can show as they are.
#[derive(Debug, thiserror::Error)]
pub enum DiscoveryError {
    /// What was typed has no usable `@domain`.
    #[error("{0:?} is not an email address whose domain can be looked up")]
    InvalidAddress(String),
    /// The provider does not offer IMAP at all (Proton Mail); the hint says what it offers.
    #[error("{provider} does not offer IMAP access")]
    NoImap {
        provider: &'static str,
        hint: Option<ProviderHint>,
    },
    /// Nothing at all was found for the domain: no preset, autoconfig, SRV record or server name.
    #[error("no mail server was found for {domain}")]
    NotFound { domain: String },
    /// The servers found are on addresses this gateway may not connect to.
    #[error(
        "the mail server for {domain} ({upstream}) is on an address this gateway does not connect to"
    )]
    Refused {
        domain: String,
        upstream: Upstream,
        #[source]
        reason: PolicyError,
    },
    /// Servers were found, but none answered like an IMAP server; `cause` is the most telling
    /// failure (a certificate problem before a timeout before a refused connection).
    #[error("the mail server for {domain} ({upstream}) could not be used: {cause}")]
    Unreachable {
        domain: String,
        upstream: Upstream,
        #[source]
        cause: ProbeError,
    },
}

/// How discovery behaves; [`Default`] suits a public gateway.
#[derive(Clone, Debug)]
pub struct DiscoveryConfig {
    /// Let candidates resolve to loopback and private networks (self-hosted setups, tests).
    pub allow_private: bool,
    /// Accept plain-text servers that an autoconfig document offers. Off by default: the
    /// password would cross the network in clear.
    pub allow_insecure: bool,
    /// Autoconfig URL templates, tried in order; see [`autoconfig::DEFAULT_URLS`].
    pub autoconfig_urls: Vec<String>,
    /// Whether to look up SRV records (skipped anyway when the system DNS config is unreadable).
    pub srv: bool,
    /// Budget for one autoconfig request, connect to last byte.
    pub http_timeout: Duration,
    /// Budget for one SRV lookup.
    pub dns_timeout: Duration,
    /// Budget for one probe: DNS, connect, TLS and greeting.
    pub probe_timeout: Duration,
}

impl Default for DiscoveryConfig {
    fn default() -> Self {
        DiscoveryConfig {
            allow_private: false,
            allow_insecure: false,
            autoconfig_urls: autoconfig::DEFAULT_URLS
                .iter()
                .map(|u| u.to_string())
                .collect(),
            srv: true,
            http_timeout: Duration::from_secs(3),
            dns_timeout: Duration::from_secs(2),
            probe_timeout: Duration::from_secs(5),
        }
    }
}

/// Finds and probes the servers for an email address. Cheap to clone; build one at startup.
#[derive(Clone)]
pub struct Discoverer {
    prober: Prober,
    autoconfig: Autoconfig,
    /// `None` when SRV is switched off or the system DNS configuration is unreadable.
    srv: Option<SrvLookup>,
    allow_insecure: bool,
}

/// One stage's candidates, best first.
#[derive(Default)]
struct Candidates {
    imap: Vec<Upstream>,
    smtp: Vec<Upstream>,
    /// Login names that autoconfig gives for particular IMAP servers.
    usernames: Vec<(Upstream, String)>,
}

/// Servers already probed in an earlier stage, so that none is probed twice.
#[derive(Default)]
struct Tried {
    imap: HashSet<Upstream>,
    smtp: HashSet<Upstream>,
}

/// `candidates` less those already `tried`, which now include them.
fn fresh(tried: &mut HashSet<Upstream>, candidates: Vec<Upstream>) -> Vec<Upstream> {
    (candidates.into_iter())
        .filter(|u| tried.insert(u.clone()))
        .collect()
}

/// The stage whose IMAP server answered, and what came with it.
struct FoundImap {
    source: Source,
    imap: Endpoint,
    /// The same stage's SMTP server, when one answered.
    smtp: Option<Endpoint>,
    /// The login name autoconfig gave for this IMAP server, when not the address itself.
    username: Option<String>,
    /// An SMTP server that answered in an earlier stage whose IMAP did not: the last resort.
    spare_smtp: Option<Endpoint>,
}

impl Discoverer {
    /// `tls` verifies certificates for probes and autoconfig requests; give it the operator's CA
    /// (`--tls-ca`) so that probes judge servers as the real connection will.
    pub fn new(
        config: DiscoveryConfig,
        tls: native_tls::TlsConnector,
    ) -> Result<Self, reqwest::Error> {
        let autoconfig = Autoconfig::new(
            config.autoconfig_urls,
            tls.clone(),
            config.allow_private,
            config.http_timeout,
        )?;
        let srv = if config.srv {
            SrvLookup::from_system(config.dns_timeout)
        } else {
            None
        };
        Ok(Discoverer {
            prober: Prober {
                tls,
                allow_private: config.allow_private,
                timeout: config.probe_timeout,
            },
            autoconfig,
            srv,
            allow_insecure: config.allow_insecure,
        })
    }

    /// Finds the IMAP (and, if it can, SMTP) server for `email`, e.g. `anna@mail.ru`.
    pub async fn discover(&self, email: &str) -> Result<Discovered, DiscoveryError> {
        let prober = &self.prober;
        self.discover_with(email, |upstream, protocol| async move {
            prober.probe(&upstream, protocol).await
        })
        .await
    }

    /// Probes one server under this discoverer's policy: for the server a person types in the
    /// advanced section of the login form.
    pub async fn probe(
        &self,
        upstream: &Upstream,
        protocol: Protocol,
    ) -> Result<Endpoint, ProbeError> {
        self.prober.probe(upstream, protocol).await
    }

    /// [`Self::discover`] with the probe passed in, so that tests can decide who answers.
    async fn discover_with<P, F>(&self, email: &str, probe: P) -> Result<Discovered, DiscoveryError>
    where
        P: Fn(Upstream, Protocol) -> F,
        F: Future<Output = Result<Endpoint, ProbeError>>,
    {
        let who = split_address(email)?;
        let domain = who.domain.as_str();
        let preset = preset_for(domain);
        if let Some(p) = preset
            && p.imap.is_none()
        {
            return Err(DiscoveryError::NoImap {
                provider: p.name,
                hint: p.hint,
            });
        }
        let mut stages = [
            Source::Preset,
            Source::Autoconfig,
            Source::Srv,
            Source::Guess,
        ]
        .into_iter();
        let mut tried = Tried::default();
        let found = (self
            .find_imap(&mut stages, &who, preset, &probe, &mut tried)
            .await)
            .map_err(|failures| explain(domain, failures))?;
        let imap = found.imap;
        let trusted =
            |smtp: &Endpoint| trust::same_provider(&imap.upstream.host, &smtp.upstream.host);
        let smtp = match found.smtp.filter(trusted) {
            Some(smtp) => Some(smtp),
            None => (self
                .find_smtp(
                    stages,
                    &who,
                    preset,
                    &imap.upstream.host,
                    &probe,
                    &mut tried,
                )
                .await)
                .or(found.spare_smtp.filter(trusted)),
        };
        let hint = preset
            .or_else(|| presets::preset_for_imap_host(&imap.upstream.host))
            .and_then(|p| p.hint);
        tracing::info!(
            domain,
            source = ?found.source,
            imap = %imap.upstream,
            smtp = ?smtp.as_ref().map(|s| s.upstream.to_string()),
            "mail servers discovered"
        );
        Ok(Discovered {
            imap,
            smtp,
            source: found.source,
            username: found.username,
            hint,
        })
    }

    /// Asks `stages` in turn until one has an IMAP server that answers; the failures of every
    /// stage asked when none does.
    async fn find_imap<P, F>(
        &self,
        stages: &mut impl Iterator<Item = Source>,
        who: &Placeholders,
        preset: Option<&Preset>,
        probe: &P,
        tried: &mut Tried,
    ) -> Result<FoundImap, Vec<(Upstream, ProbeError)>>
    where
        P: Fn(Upstream, Protocol) -> F,
        F: Future<Output = Result<Endpoint, ProbeError>>,
    {
        let mut failures = Vec::new();
        let mut spare_smtp = None;
        for stage in stages {
            let candidates = self.candidates(stage, who, preset).await;
            let imap = fresh(&mut tried.imap, candidates.imap);
            if imap.is_empty() {
                continue;
            }
            // Only servers that could belong to the provider of one of these IMAP servers (the
            // one that answers is checked against the IMAP server that wins); the others stay
            // untried, for a later stage's IMAP server that they may belong to.
            let (ours, others): (Vec<Upstream>, Vec<Upstream>) = (candidates.smtp.into_iter())
                .partition(|s| imap.iter().any(|i| trust::same_provider(&i.host, &s.host)));
            for other in &others {
                tracing::info!(domain = who.domain, smtp = %other, "skipping the SMTP server of another provider");
            }
            let smtp = fresh(&mut tried.smtp, ours);
            tracing::debug!(
                domain = who.domain,
                ?stage,
                imap = imap.len(),
                smtp = smtp.len(),
                "probing"
            );
            let (imap_result, smtp_result) = tokio::join!(
                first_answering(&imap, Protocol::Imap, probe),
                first_answering(&smtp, Protocol::Smtp, probe),
            );
            match imap_result {
                Ok(endpoint) => {
                    let username = (candidates.usernames.into_iter())
                        .find(|(u, _)| *u == endpoint.upstream)
                        .map(|(_, name)| name)
                        .filter(|name| !name.eq_ignore_ascii_case(&who.email));
                    return Ok(FoundImap {
                        source: stage,
                        imap: endpoint,
                        smtp: smtp_result.ok(),
                        username,
                        spare_smtp,
                    });
                }
                Err(mut failed) => {
                    failures.append(&mut failed);
                    spare_smtp = spare_smtp.or(smtp_result.ok());
                }
            }
        }
        Err(failures)
    }

    /// The first SMTP server of `imap_host`'s provider that answers in the stages after the
    /// one that found IMAP, for when that stage named none that did.
    async fn find_smtp<P, F>(
        &self,
        stages: impl Iterator<Item = Source>,
        who: &Placeholders,
        preset: Option<&Preset>,
        imap_host: &str,
        probe: &P,
        tried: &mut Tried,
    ) -> Option<Endpoint>
    where
        P: Fn(Upstream, Protocol) -> F,
        F: Future<Output = Result<Endpoint, ProbeError>>,
    {
        for stage in stages {
            let candidates = self.candidates(stage, who, preset).await;
            let smtp: Vec<Upstream> = (candidates.smtp.into_iter())
                .filter(|s| trust::same_provider(imap_host, &s.host))
                .collect();
            let smtp = fresh(&mut tried.smtp, smtp);
            if let Ok(endpoint) = first_answering(&smtp, Protocol::Smtp, probe).await {
                return Some(endpoint);
            }
        }
        None
    }

    async fn candidates(
        &self,
        stage: Source,
        who: &Placeholders,
        preset: Option<&Preset>,
    ) -> Candidates {
        let mut found = match stage {
            Source::Preset => Candidates {
                imap: preset
                    .and_then(|p| p.imap)
                    .iter()
                    .map(|s| s.upstream())
                    .collect(),
                smtp: preset
                    .and_then(|p| p.smtp)
                    .iter()
                    .map(|s| s.upstream())
                    .collect(),
                usernames: Vec::new(),
            },
            Source::Autoconfig => match self.autoconfig.fetch(who).await {
                Some(config) => Candidates {
                    usernames: (config.imap.iter())
                        .filter_map(|e| Some((e.upstream.clone(), e.username.clone()?)))
                        .collect(),
                    imap: config.imap.into_iter().map(|e| e.upstream).collect(),
                    smtp: config.smtp.into_iter().map(|e| e.upstream).collect(),
                },
                None => Candidates::default(),
            },
            Source::Srv => match &self.srv {
                Some(srv) => {
                    let found = srv.candidates(&who.domain).await;
                    Candidates {
                        imap: found.imap,
                        smtp: found.smtp,
                        usernames: Vec::new(),
                    }
                }
                None => Candidates::default(),
            },
            Source::Guess => guesses(&who.domain),
        };
        if !self.allow_insecure {
            found.imap.retain(|u| u.security != Security::Insecure);
            found.smtp.retain(|u| u.security != Security::Insecure);
        }
        found
    }
}

/// Server names tried when nothing else named any: implicit TLS on every name before STARTTLS.
fn guesses(domain: &str) -> Candidates {
    let names = |first: &str| {
        [
            format!("{first}.{domain}"),
            format!("mail.{domain}"),
            domain.to_owned(),
        ]
    };
    let on = |names: [String; 3], ports: [(u16, Security); 2]| {
        ports
            .into_iter()
            .flat_map(|(port, security)| {
                (names.iter()).map(move |host| Upstream::new(host.clone(), port, security))
            })
            .collect()
    };
    Candidates {
        imap: on(
            names("imap"),
            [(993, Security::Tls), (143, Security::StartTls)],
        ),
        smtp: on(
            names("smtp"),
            [(465, Security::Tls), (587, Security::StartTls)],
        ),
        usernames: Vec::new(),
    }
}

/// Splits `local@domain`, normalising the domain to lower-case ASCII (IDNA) and refusing
/// anything that is not a DNS name (IP literals included).
fn split_address(email: &str) -> Result<Placeholders, DiscoveryError> {
    let invalid = || DiscoveryError::InvalidAddress(email.to_owned());
    let trimmed = email.trim();
    let (local, domain) = trimmed.rsplit_once('@').ok_or_else(invalid)?;
    let domain = domain.strip_suffix('.').unwrap_or(domain);
    if local.is_empty() || domain.is_empty() || domain.len() > 253 {
        return Err(invalid());
    }
    let domain = match url::Host::parse(domain) {
        Ok(url::Host::Domain(d)) => d,
        _ => return Err(invalid()),
    };
    Ok(Placeholders {
        email: format!("{local}@{domain}"),
        local_part: local.to_owned(),
        domain,
    })
}

/// Probes all `candidates` at once and returns the best-ranked one that answered, without
/// waiting for slower, lower-ranked probes once every better one has failed.
async fn first_answering<P, F>(
    candidates: &[Upstream],
    protocol: Protocol,
    probe: &P,
) -> Result<Endpoint, Vec<(Upstream, ProbeError)>>
where
    P: Fn(Upstream, Protocol) -> F,
    F: Future<Output = Result<Endpoint, ProbeError>>,
{
    let mut pending: FuturesUnordered<_> = (candidates.iter().enumerate())
        .map(|(i, upstream)| {
            let answer = probe(upstream.clone(), protocol);
            async move { (i, answer.await) }
        })
        .collect();
    let mut results: Vec<Option<Result<Endpoint, ProbeError>>> =
        candidates.iter().map(|_| None).collect();
    let mut failures = Vec::new();
    while let Some((i, result)) = pending.next().await {
        results[i] = Some(result);
        // Everything before `failures.len()` has failed; look at the next in rank.
        while let Some(slot) = results.get_mut(failures.len()) {
            match slot.take() {
                None => break,
                Some(Ok(endpoint)) => return Ok(endpoint),
                Some(Err(error)) => failures.push((candidates[failures.len()].clone(), error)),
            }
        }
    }
    Err(failures)
}

/// Turns the failures of every stage into the one error a person is shown.
fn explain(domain: &str, failures: Vec<(Upstream, ProbeError)>) -> DiscoveryError {
    let domain = domain.to_owned();
    let most_telling = failures.into_iter().rev().max_by_key(|(_, e)| e.weight());
    match most_telling {
        None | Some((_, ProbeError::Resolve(_))) => DiscoveryError::NotFound { domain },
        Some((upstream, ProbeError::Policy(reason))) => DiscoveryError::Refused {
            domain,
            upstream,
            reason,
        },
        Some((upstream, cause)) => DiscoveryError::Unreachable {
            domain,
            upstream,
            cause,
        },
    }
}

#[cfg(test)]
mod tests;
