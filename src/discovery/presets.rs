//! Built-in server settings for the big mail providers, and what each one asks of a person
//! before a mail program may sign in (an app password, IMAP switched on in the settings).
//!
//! Presets are the first discovery stage: they need no network round trip to find, and they
//! carry the [`ProviderHint`] that the login page shows when the provider turns a password away.

use crate::upstream::{Security, Upstream};

/// A mail provider Posta knows by its domains.
#[derive(Debug, PartialEq, Eq)]
pub struct Preset {
    /// The provider's name as people know it, for messages ("Mail.ru", "Gmail").
    pub name: &'static str,
    /// The email domains the provider hosts, lower case. Matched exactly: a subdomain is
    /// someone else's (e.g. a company's own `corp.mail.ru` server).
    pub domains: &'static [&'static str],
    /// The IMAP server; `None` when the provider offers no IMAP at all.
    pub imap: Option<Server>,
    /// The SMTP submission server.
    pub smtp: Option<Server>,
    /// What the person may have to do in the provider's settings before signing in here.
    pub hint: Option<ProviderHint>,
}

/// A server address that can live in a `static` table (an [`Upstream`] owns a `String`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Server {
    pub host: &'static str,
    pub port: u16,
    pub security: Security,
}

impl Server {
    pub fn upstream(&self) -> Upstream {
        Upstream::new(self.host, self.port, self.security)
    }
}

/// Advice for the login page, in the languages Posta speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProviderHint {
    pub en: &'static str,
    pub ru: &'static str,
}

impl ProviderHint {
    /// The text for a language tag such as `ru`, `ru-RU` or `en-GB`; English otherwise.
    pub fn text(&self, lang: &str) -> &'static str {
        if lang.get(..2).is_some_and(|p| p.eq_ignore_ascii_case("ru")) {
            self.ru
        } else {
            self.en
        }
    }
}

/// The preset for an email domain, matched case-insensitively and exactly (no subdomains).
pub fn preset_for(domain: &str) -> Option<&'static Preset> {
    let domain = domain.strip_suffix('.').unwrap_or(domain);
    PRESETS.iter().find(|p| {
        p.domains
            .iter()
            .any(|known| known.eq_ignore_ascii_case(domain))
    })
}

/// The preset whose IMAP server this is, so that a company domain hosted by a big provider
/// (found through autoconfig or SRV) still gets that provider's hint.
pub fn preset_for_imap_host(host: &str) -> Option<&'static Preset> {
    let host = host.strip_suffix('.').unwrap_or(host);
    PRESETS
        .iter()
        .find(|p| p.imap.is_some_and(|s| s.host.eq_ignore_ascii_case(host)))
}

/// Providers whose SMTP server files every message it sends in the Sent folder itself:
/// a copy APPENDed by the mail program would show twice.
const SAVES_SENT: &[&str] = &["Gmail"];

/// Whether the provider behind this IMAP server stores sent mail itself.
pub fn saves_sent_itself(imap_host: &str) -> bool {
    preset_for_imap_host(imap_host).is_some_and(|p| SAVES_SENT.contains(&p.name))
}

const fn tls(host: &'static str, port: u16) -> Option<Server> {
    Some(Server {
        host,
        port,
        security: Security::Tls,
    })
}

const fn starttls(host: &'static str, port: u16) -> Option<Server> {
    Some(Server {
        host,
        port,
        security: Security::StartTls,
    })
}

/// Every known provider. Hosts and ports are the ones each provider documents for mail programs.
pub static PRESETS: &[Preset] = &[
    Preset {
        name: "Mail.ru",
        domains: &[
            "mail.ru",
            "inbox.ru",
            "list.ru",
            "bk.ru",
            "internet.ru",
            "my.com",
        ],
        imap: tls("imap.mail.ru", 993),
        smtp: tls("smtp.mail.ru", 465),
        hint: Some(ProviderHint {
            en: "Mail.ru lets mail programs in only with a password for external applications: \
                 create one in Mail.ru settings → Security → “Passwords for external applications” \
                 and sign in here with it.",
            ru: "Mail.ru пускает почтовые программы только по паролю для внешних приложений: \
                 создайте его в настройках Mail.ru → Безопасность → «Пароли для внешних приложений» \
                 и войдите здесь с ним.",
        }),
    },
    Preset {
        name: "Yandex",
        domains: &[
            "yandex.ru",
            "yandex.com",
            "ya.ru",
            "yandex.by",
            "yandex.kz",
            "yandex.ua",
            "narod.ru",
        ],
        imap: tls("imap.yandex.ru", 993),
        smtp: tls("smtp.yandex.ru", 465),
        hint: Some(ProviderHint {
            en: "Yandex Mail needs IMAP switched on (Mail settings → Email clients → “From the \
                 imap.yandex.ru server via IMAP”) and an app password (Yandex ID → Security → \
                 App passwords).",
            ru: "В Яндекс Почте нужно включить IMAP (Настройки → Почтовые программы → «С сервера \
                 imap.yandex.ru по протоколу IMAP») и создать пароль приложения (Яндекс ID → \
                 Безопасность → Пароли приложений).",
        }),
    },
    Preset {
        name: "Gmail",
        domains: &["gmail.com", "googlemail.com"],
        imap: tls("imap.gmail.com", 993),
        smtp: tls("smtp.gmail.com", 465),
        hint: Some(ProviderHint {
            en: "Gmail accepts only an app password here: turn on 2-Step Verification in your \
                 Google Account, then create an app password (Google Account → Security → \
                 App passwords).",
            ru: "Gmail принимает здесь только пароль приложения: включите двухэтапную \
                 аутентификацию в аккаунте Google и создайте пароль приложения (Аккаунт Google → \
                 Безопасность → Пароли приложений).",
        }),
    },
    Preset {
        name: "Rambler",
        domains: &[
            "rambler.ru",
            "lenta.ru",
            "autorambler.ru",
            "myrambler.ru",
            "ro.ru",
        ],
        imap: tls("imap.rambler.ru", 993),
        smtp: tls("smtp.rambler.ru", 465),
        hint: Some(ProviderHint {
            en: "Rambler Mail lets mail programs in only after you switch on “access to the \
                 mailbox from mail clients” in its settings.",
            ru: "Рамблер/почта пускает почтовые программы, только если в её настройках включён \
                 «Доступ к почтовому ящику с помощью почтовых клиентов».",
        }),
    },
    Preset {
        name: "Outlook.com",
        domains: &[
            "outlook.com",
            "hotmail.com",
            "live.com",
            "msn.com",
            "outlook.de",
            "outlook.fr",
            "hotmail.co.uk",
            "hotmail.de",
            "hotmail.fr",
            "hotmail.it",
            "hotmail.es",
            "live.co.uk",
            "live.de",
            "live.fr",
            "live.ru",
        ],
        imap: tls("outlook.office365.com", 993),
        smtp: starttls("smtp.office365.com", 587),
        hint: Some(ProviderHint {
            en: "Outlook.com, Hotmail and Live accounts no longer accept a password from mail \
                 programs: Microsoft requires OAuth2 sign-in, so signing in here with a password \
                 will most likely fail.",
            ru: "Учётные записи Outlook.com, Hotmail и Live больше не принимают пароль от почтовых \
                 программ: Microsoft требует вход через OAuth2, поэтому войти здесь по паролю, \
                 скорее всего, не получится.",
        }),
    },
    Preset {
        name: "Yahoo Mail",
        domains: &[
            "yahoo.com",
            "ymail.com",
            "rocketmail.com",
            "yahoo.co.uk",
            "yahoo.de",
            "yahoo.fr",
        ],
        imap: tls("imap.mail.yahoo.com", 993),
        smtp: tls("smtp.mail.yahoo.com", 465),
        hint: Some(ProviderHint {
            en: "Yahoo Mail needs an app password: Yahoo account → Account security → \
                 Generate app password.",
            ru: "Для Yahoo Mail нужен пароль приложения: аккаунт Yahoo → Безопасность аккаунта → \
                 «Создать пароль приложения».",
        }),
    },
    Preset {
        name: "iCloud Mail",
        domains: &["icloud.com", "me.com", "mac.com"],
        imap: tls("imap.mail.me.com", 993),
        smtp: starttls("smtp.mail.me.com", 587),
        hint: Some(ProviderHint {
            en: "iCloud Mail needs an app-specific password: turn on two-factor authentication \
                 and create one in your Apple Account → Sign-In and Security → App-Specific \
                 Passwords.",
            ru: "Для почты iCloud нужен пароль для приложения: включите двухфакторную \
                 аутентификацию и создайте его в Apple Account → «Вход и безопасность» → \
                 «Пароли для приложений».",
        }),
    },
    Preset {
        name: "GMX",
        domains: &["gmx.com"],
        imap: tls("imap.gmx.com", 993),
        smtp: starttls("mail.gmx.com", 587),
        hint: Some(GMX_HINT),
    },
    Preset {
        name: "GMX",
        domains: &["gmx.net", "gmx.de", "gmx.at", "gmx.ch"],
        imap: tls("imap.gmx.net", 993),
        smtp: starttls("mail.gmx.net", 587),
        hint: Some(GMX_HINT),
    },
    Preset {
        name: "WEB.DE",
        domains: &["web.de"],
        imap: tls("imap.web.de", 993),
        smtp: starttls("smtp.web.de", 587),
        hint: Some(ProviderHint {
            en: "WEB.DE lets mail programs in only after you allow POP3/IMAP access in its \
                 mail settings.",
            ru: "WEB.DE пускает почтовые программы, только если в настройках почты разрешён \
                 доступ по POP3/IMAP.",
        }),
    },
    Preset {
        name: "AOL Mail",
        domains: &["aol.com", "aim.com"],
        imap: tls("imap.aol.com", 993),
        smtp: tls("smtp.aol.com", 465),
        hint: Some(ProviderHint {
            en: "AOL Mail needs an app password: AOL account → Account security → \
                 Generate app password.",
            ru: "Для AOL Mail нужен пароль приложения: аккаунт AOL → Безопасность аккаунта → \
                 «Создать пароль приложения».",
        }),
    },
    Preset {
        name: "Zoho Mail",
        domains: &["zoho.com", "zohomail.com"],
        imap: tls("imap.zoho.com", 993),
        smtp: tls("smtp.zoho.com", 465),
        hint: Some(ProviderHint {
            en: "Zoho Mail needs IMAP access switched on in its mail settings; with two-factor \
                 authentication, sign in with an application-specific password.",
            ru: "В Zoho Mail нужно включить доступ по IMAP в настройках почты; при двухфакторной \
                 аутентификации входите с паролем приложения.",
        }),
    },
    Preset {
        name: "Fastmail",
        domains: &["fastmail.com", "fastmail.fm"],
        imap: tls("imap.fastmail.com", 993),
        smtp: tls("smtp.fastmail.com", 465),
        hint: Some(ProviderHint {
            en: "Fastmail needs an app password for mail programs: create one in Settings → \
                 Privacy & Security, with IMAP and SMTP access.",
            ru: "Для Fastmail нужен пароль приложения: создайте его в Settings → Privacy & \
                 Security с доступом к IMAP и SMTP.",
        }),
    },
    Preset {
        name: "Ukr.net",
        domains: &["ukr.net"],
        imap: tls("imap.ukr.net", 993),
        smtp: tls("smtp.ukr.net", 465),
        hint: Some(ProviderHint {
            en: "Ukr.net lets mail programs in only after you switch on IMAP access in the \
                 mailbox settings.",
            ru: "Ukr.net пускает почтовые программы, только если в настройках ящика включён \
                 доступ по IMAP.",
        }),
    },
    Preset {
        name: "Proton Mail",
        domains: &["proton.me", "protonmail.com", "protonmail.ch", "pm.me"],
        imap: None,
        smtp: None,
        hint: Some(ProviderHint {
            en: "Proton Mail does not offer IMAP: mail programs reach it only through Proton Mail \
                 Bridge running on your own computer, so it cannot be opened here.",
            ru: "Proton Mail не поддерживает IMAP: почтовые программы работают с ним только через \
                 Proton Mail Bridge на вашем компьютере, поэтому открыть её здесь нельзя.",
        }),
    },
];

const GMX_HINT: ProviderHint = ProviderHint {
    en: "GMX lets mail programs in only after you allow it: GMX mail settings → POP3 & IMAP → \
         allow access via POP3 and IMAP.",
    ru: "GMX пускает почтовые программы, только если это разрешено: настройки почты GMX → \
         POP3 & IMAP → разрешить доступ по POP3 и IMAP.",
};

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn the_mail_ru_family_shares_one_server() {
        for domain in [
            "mail.ru",
            "inbox.ru",
            "list.ru",
            "bk.ru",
            "internet.ru",
            "my.com",
        ] {
            let preset = preset_for(domain).unwrap();
            assert_eq!(
                preset.imap.unwrap().upstream(),
                Upstream::new("imap.mail.ru", 993, Security::Tls)
            );
            assert_eq!(
                preset.smtp.unwrap().upstream(),
                Upstream::new("smtp.mail.ru", 465, Security::Tls)
            );
        }
    }

    #[test]
    fn lookup_ignores_case_and_a_trailing_dot() {
        assert_eq!(preset_for("Yandex.RU").unwrap().name, "Yandex");
        assert_eq!(preset_for("gmail.com.").unwrap().name, "Gmail");
    }

    #[test]
    fn subdomains_and_lookalikes_are_not_matched() {
        for domain in [
            "corp.mail.ru",
            "mail.ru.evil.example",
            "notgmail.com",
            "gmail.co",
            "xmail.ru",
            "",
        ] {
            assert_eq!(preset_for(domain), None, "{domain:?}");
        }
    }

    #[test]
    fn outlook_submits_with_starttls_on_587() {
        let preset = preset_for("hotmail.com").unwrap();
        assert_eq!(
            preset.smtp.unwrap().upstream(),
            Upstream::new("smtp.office365.com", 587, Security::StartTls)
        );
    }

    #[test]
    fn gmail_files_sent_mail_itself_and_others_do_not() {
        assert!(saves_sent_itself("imap.gmail.com"));
        assert!(!saves_sent_itself("imap.mail.ru"));
        assert!(!saves_sent_itself("localhost"));
    }

    #[test]
    fn icloud_uses_implicit_tls_for_imap_and_starttls_for_smtp() {
        let preset = preset_for("me.com").unwrap();
        assert_eq!(preset.imap.unwrap().port, 993);
        assert_eq!(preset.smtp.unwrap().security, Security::StartTls);
        assert_eq!(preset.smtp.unwrap().port, 587);
    }

    #[test]
    fn proton_has_no_imap_and_says_why() {
        let preset = preset_for("proton.me").unwrap();
        assert!(preset.imap.is_none());
        assert!(preset.hint.unwrap().en.contains("Bridge"));
    }

    #[test]
    fn a_company_domain_on_a_big_provider_is_recognised_by_its_imap_host() {
        assert_eq!(
            preset_for_imap_host("IMAP.yandex.ru").unwrap().name,
            "Yandex"
        );
        assert_eq!(preset_for_imap_host("imap.example.org"), None);
    }

    #[test]
    fn hints_pick_russian_for_russian_language_tags() {
        let hint = preset_for("mail.ru").unwrap().hint.unwrap();
        assert!(hint.text("ru-RU").contains("внешних приложений"));
        assert!(hint.text("en").contains("external applications"));
        assert!(hint.text("").contains("external applications"));
    }

    #[test]
    fn every_domain_is_lower_case_and_listed_once() {
        let mut seen = HashSet::new();
        for preset in PRESETS {
            for domain in preset.domains {
                assert_eq!(*domain, domain.to_ascii_lowercase());
                assert!(seen.insert(*domain), "{domain} is listed twice");
            }
        }
    }

    #[test]
    fn every_server_uses_encryption_on_its_standard_port() {
        for preset in PRESETS {
            for server in preset.imap.iter().chain(preset.smtp.iter()) {
                let expected = match server.security {
                    Security::Tls => [993, 465],
                    Security::StartTls => [143, 587],
                    Security::Insecure => panic!("{} has a plain-text server", preset.name),
                };
                assert!(
                    expected.contains(&server.port),
                    "{}: {server:?}",
                    preset.name
                );
            }
        }
    }
}
