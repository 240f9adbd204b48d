//! The message list's query string: the page, the order, conversations on or off, and the
//! search form (`q`, `in`, `from`, `to`, `subject`, `body`, `since`, `until`, `unread`,
//! `flagged`, `attachment`). Values are kept as typed, so a form with a mistake comes back
//! filled in, and turned into search criteria only when they all make sense.

use chrono::NaiveDate;
use serde::{Deserialize, Deserializer};

use super::form::{codes, known};
use crate::i18n::Strings;
use crate::imap::search::Criteria;
use crate::imap::sort::{Order, SortKey};

/// The longest text a search field takes.
pub const MAX_FIELD: usize = 200;

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    pub page: Option<String>,
    /// Every message on the page starts selected (select-all without JavaScript).
    #[serde(default, deserialize_with = "known")]
    pub select: Option<Select>,
    /// The order asked for; remembered for the session. Unknown orders are ignored.
    #[serde(default, deserialize_with = "sort_order")]
    pub sort: Option<SortOrder>,
    /// Conversations on or off; remembered for the session.
    pub threads: Option<Threads>,
    #[serde(flatten)]
    pub search: SearchForm,
}

codes! {
    /// The orders the sort menu offers, in its order. The code (`from-asc`) is what the menu
    /// sends and the session keeps; a bare key (`from`) takes its natural direction: newest
    /// and largest first, names A to Z.
    #[derive(Default)]
    pub enum SortOrder {
        /// Newest arrival first: the folder's own order read backwards.
        #[default]
        ArrivalDesc = "arrival-desc" | "arrival",
        ArrivalAsc = "arrival-asc",
        DateDesc = "date-desc" | "date",
        DateAsc = "date-asc",
        FromAsc = "from-asc" | "from",
        FromDesc = "from-desc",
        SubjectAsc = "subject-asc" | "subject",
        SubjectDesc = "subject-desc",
        SizeDesc = "size-desc" | "size",
        SizeAsc = "size-asc",
    }
}

impl SortOrder {
    /// What the server is asked for.
    pub fn order(self) -> Order {
        let (key, descending) = match self {
            SortOrder::ArrivalDesc => (SortKey::Arrival, true),
            SortOrder::ArrivalAsc => (SortKey::Arrival, false),
            SortOrder::DateDesc => (SortKey::Date, true),
            SortOrder::DateAsc => (SortKey::Date, false),
            SortOrder::FromAsc => (SortKey::From, false),
            SortOrder::FromDesc => (SortKey::From, true),
            SortOrder::SubjectAsc => (SortKey::Subject, false),
            SortOrder::SubjectDesc => (SortKey::Subject, true),
            SortOrder::SizeDesc => (SortKey::Size, true),
            SortOrder::SizeAsc => (SortKey::Size, false),
        };
        Order { key, descending }
    }

    /// The menu's name for it.
    pub fn label(self, t: &'static Strings) -> &'static str {
        let l = &t.sort_labels;
        match self {
            SortOrder::ArrivalDesc => l.arrival_desc,
            SortOrder::ArrivalAsc => l.arrival_asc,
            SortOrder::DateDesc => l.date_desc,
            SortOrder::DateAsc => l.date_asc,
            SortOrder::FromAsc => l.from_asc,
            SortOrder::FromDesc => l.from_desc,
            SortOrder::SubjectAsc => l.subject_asc,
            SortOrder::SubjectDesc => l.subject_desc,
            SortOrder::SizeDesc => l.size_desc,
            SortOrder::SizeAsc => l.size_asc,
        }
    }
}

/// `?sort=` in any case and with spaces around it, as people edit URLs; `None` for an
/// order Posta does not know, which is ignored.
fn sort_order<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<SortOrder>, D::Error> {
    let code = Option::<String>::deserialize(deserializer)?;
    Ok(code.and_then(|c| c.trim().to_ascii_lowercase().parse().ok()))
}

codes! {
    /// `?threads=`: conversations grouped or not; anything but on is off.
    pub enum Threads {
        On = "on" | "1" | "true",
        #[serde(other)]
        Off = "off",
    }
}

codes! {
    /// `?in=`: where a search looks; anything but every folder is this one.
    pub enum Scope {
        Folder = "folder",
        All = "all",
    }
}

codes! {
    /// `?select=`: what starts selected.
    pub enum Select {
        /// Every message on the page.
        Page = "page",
    }
}

/// The search form as typed.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct SearchForm {
    /// Anywhere in the message.
    pub q: String,
    /// Where to search, as typed: see [`Scope`].
    #[serde(rename = "in")]
    pub scope: String,
    pub from: String,
    pub to: String,
    pub subject: String,
    pub body: String,
    pub since: String,
    pub until: String,
    pub unread: Option<String>,
    pub flagged: Option<String>,
    pub attachment: Option<String>,
}

/// Why a search form cannot be run, in words for the person.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FormError {
    /// The typed text that is not a date.
    BadDate(String),
    DatesReversed,
    TooLong,
}

impl FormError {
    pub fn message(&self, t: &'static Strings) -> String {
        match self {
            FormError::BadDate(typed) => (t.search_bad_date)(typed),
            FormError::DatesReversed => t.search_dates_reversed.to_owned(),
            FormError::TooLong => t.search_too_long.to_owned(),
        }
    }
}

impl SearchForm {
    /// The form without control characters (CR, LF, NUL, tabs…): every field is one line,
    /// and that is how it is searched for and shown again.
    pub fn cleaned(&self) -> SearchForm {
        let clean = |s: &String| s.chars().filter(|c| !c.is_control()).collect::<String>();
        SearchForm {
            q: clean(&self.q),
            scope: clean(&self.scope),
            from: clean(&self.from),
            to: clean(&self.to),
            subject: clean(&self.subject),
            body: clean(&self.body),
            since: clean(&self.since),
            until: clean(&self.until),
            unread: self.unread.clone(),
            flagged: self.flagged.clone(),
            attachment: self.attachment.clone(),
        }
    }

    pub fn everywhere(&self) -> bool {
        self.scope.parse() == Ok(Scope::All)
    }

    /// Whether any field asks for something: the list is a search.
    pub fn is_active(&self) -> bool {
        !self.q.trim().is_empty() || self.advanced_used()
    }

    /// Whether a field under "more options" is set, so that part opens.
    pub fn advanced_used(&self) -> bool {
        [
            &self.from,
            &self.to,
            &self.subject,
            &self.body,
            &self.since,
            &self.until,
        ]
        .iter()
        .any(|f| !f.trim().is_empty())
            || self.unread.is_some()
            || self.flagged.is_some()
            || self.attachment.is_some()
    }

    /// The criteria, or what is wrong with the form.
    pub fn criteria(&self) -> Result<Criteria, FormError> {
        let text_fields = [&self.q, &self.from, &self.to, &self.subject, &self.body];
        if text_fields.iter().any(|f| f.chars().count() > MAX_FIELD) {
            return Err(FormError::TooLong);
        }
        let since = parse_day(&self.since)?;
        let until = parse_day(&self.until)?;
        if let (Some(a), Some(b)) = (since, until)
            && a > b
        {
            return Err(FormError::DatesReversed);
        }
        Ok(Criteria {
            text: self.q.trim().to_owned(),
            from: self.from.trim().to_owned(),
            to: self.to.trim().to_owned(),
            subject: self.subject.trim().to_owned(),
            body: self.body.trim().to_owned(),
            since,
            until,
            unread: self.unread.is_some(),
            flagged: self.flagged.is_some(),
            attachment: self.attachment.is_some(),
        })
    }

    /// The form's non-empty fields as query pairs, for links that keep the search.
    pub fn pairs(&self) -> Vec<(&'static str, String)> {
        let mut pairs = Vec::new();
        for (key, value) in [
            ("q", &self.q),
            ("in", &self.scope),
            ("from", &self.from),
            ("to", &self.to),
            ("subject", &self.subject),
            ("body", &self.body),
            ("since", &self.since),
            ("until", &self.until),
        ] {
            if !value.trim().is_empty() {
                pairs.push((key, value.clone()));
            }
        }
        for (key, on) in [
            ("unread", &self.unread),
            ("flagged", &self.flagged),
            ("attachment", &self.attachment),
        ] {
            if on.is_some() {
                pairs.push((key, "1".to_owned()));
            }
        }
        pairs
    }
}

/// A day as a date field sends it (`2024-03-15`) or as people write it (`15.03.2024`,
/// `15/03/2024`); empty is no day.
fn parse_day(typed: &str) -> Result<Option<NaiveDate>, FormError> {
    let typed = typed.trim();
    if typed.is_empty() {
        return Ok(None);
    }
    ["%Y-%m-%d", "%d.%m.%Y", "%d/%m/%Y"]
        .iter()
        .find_map(|f| NaiveDate::parse_from_str(typed, f).ok())
        .map(Some)
        .ok_or_else(|| FormError::BadDate(typed.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The form as axum's `Query` reads it from a URL with `fields`.
    fn form(fields: &[(&str, &str)]) -> SearchForm {
        let query = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(fields)
            .finish();
        let uri: axum::http::Uri = format!("/mail/INBOX?{query}").parse().unwrap();
        axum::extract::Query::<ListQuery>::try_from_uri(&uri)
            .unwrap()
            .0
            .search
    }

    fn query(q: &str) -> ListQuery {
        let uri: axum::http::Uri = format!("/mail/INBOX?{q}").parse().unwrap();
        axum::extract::Query::<ListQuery>::try_from_uri(&uri)
            .unwrap()
            .0
    }

    /// The code a server order would have: its key and its direction.
    fn code_of(order: Order) -> String {
        let key = match order.key {
            SortKey::Date => "date",
            SortKey::Arrival => "arrival",
            SortKey::From => "from",
            SortKey::Subject => "subject",
            SortKey::Size => "size",
        };
        let direction = if order.descending { "desc" } else { "asc" };
        format!("{key}-{direction}")
    }

    #[test]
    fn every_sort_order_reads_its_own_code_and_matches_the_servers_order() {
        for &order in SortOrder::ALL {
            assert_eq!(query(&format!("sort={order}")).sort, Some(order));
            assert_eq!(order.to_string(), code_of(order.order()));
        }
        assert_eq!(SortOrder::ALL.len(), 10);
        assert_eq!(SortOrder::default().order(), Order::default());
    }

    #[test]
    fn a_sort_is_read_leniently_and_an_unknown_one_ignored() {
        assert_eq!(query("sort=FROM-ASC").sort, Some(SortOrder::FromAsc));
        assert_eq!(query("sort=%20date").sort, Some(SortOrder::DateDesc));
        assert_eq!(query("sort=from").sort, Some(SortOrder::FromAsc));
        assert_eq!(query("sort=size").sort, Some(SortOrder::SizeDesc));
        assert_eq!(query("sort=nonsense").sort, None);
        assert_eq!(query("sort=colour-asc").sort, None);
        assert_eq!(query("sort=from-up").sort, None);
    }

    #[test]
    fn conversations_are_on_only_when_asked() {
        for on in ["on", "1", "true"] {
            assert_eq!(query(&format!("threads={on}")).threads, Some(Threads::On));
        }
        for off in ["off", "0", "ON", "yes"] {
            assert_eq!(query(&format!("threads={off}")).threads, Some(Threads::Off));
        }
        assert_eq!(query("q=x").threads, None);
        assert_eq!(query("select=page").select, Some(Select::Page));
        assert_eq!(query("select=all").select, None);
    }

    #[test]
    fn dates_are_read_in_both_common_forms() {
        let f = form(&[("since", "2024-03-01"), ("until", "15.03.2024")]);
        let c = f.criteria().unwrap();
        assert_eq!(c.since, NaiveDate::from_ymd_opt(2024, 3, 1));
        assert_eq!(c.until, NaiveDate::from_ymd_opt(2024, 3, 15));
    }

    #[test]
    fn an_impossible_date_is_named_in_the_error() {
        let f = form(&[("since", "31.02.2024")]);
        assert_eq!(f.criteria(), Err(FormError::BadDate("31.02.2024".into())));
        assert!(f.advanced_used(), "the advanced part opens to show it");
    }

    #[test]
    fn a_range_that_ends_before_it_starts_is_refused() {
        let f = form(&[("since", "2024-03-02"), ("until", "2024-03-01")]);
        assert_eq!(f.criteria(), Err(FormError::DatesReversed));
    }

    #[test]
    fn checkboxes_and_scope_come_through() {
        let f = form(&[("q", "отчёт"), ("in", "all"), ("unread", "1")]);
        assert!(f.everywhere() && f.is_active());
        let c = f.criteria().unwrap();
        assert!(c.unread && !c.flagged);
        assert_eq!(c.text, "отчёт");
        assert_eq!(
            f.pairs(),
            vec![
                ("q", "отчёт".to_owned()),
                ("in", "all".to_owned()),
                ("unread", "1".to_owned())
            ]
        );
    }

    #[test]
    fn control_characters_are_removed_from_every_field() {
        let f = form(&[("q", "a\r\nb\0c\td"), ("since", "1.1.2024\n")]).cleaned();
        assert_eq!(f.q, "abcd");
        assert_eq!(f.since, "1.1.2024");
    }

    #[test]
    fn an_empty_form_is_no_search() {
        assert!(!form(&[("q", "  "), ("in", "folder")]).is_active());
    }

    #[test]
    fn overlong_text_is_refused() {
        let long = "я".repeat(MAX_FIELD + 1);
        assert_eq!(
            form(&[("subject", &long)]).criteria(),
            Err(FormError::TooLong)
        );
    }
}
