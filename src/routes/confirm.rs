//! The confirmation page for what cannot be undone (deleting mail for good, emptying a
//! folder, deleting a folder): the same form again, with `confirm=1`, and what it will do.

use axum::response::Response;

use super::chrome::Chrome;
use super::form::Fields;
use super::render;

#[derive(askama::Template)]
#[template(path = "confirm.html")]
struct ConfirmPage {
    chrome: Chrome,
    question: String,
    /// What the person should know before saying yes ("It holds 12 messages.").
    warnings: Vec<String>,
    consequence: &'static str,
    confirm_label: &'static str,
    action_url: String,
    /// Every field of the original form, sent again with `confirm=1`.
    fields: Vec<(String, String)>,
    cancel: String,
}

/// What to ask and where the answer goes.
pub struct Question {
    pub question: String,
    pub warnings: Vec<String>,
    pub confirm_label: &'static str,
    /// Where the form posts: the URL the original form posted to.
    pub action_url: String,
    /// Where "Cancel" leads.
    pub cancel: String,
}

/// Renders the page asking `question` about the form `fields` (its CSRF token comes from
/// `chrome`, fresh).
pub fn confirm_page(chrome: Chrome, fields: &Fields, question: Question) -> Response {
    let mut kept: Vec<(String, String)> = fields
        .0
        .iter()
        .filter(|(k, _)| k != "confirm" && k != "csrf")
        .cloned()
        .collect();
    kept.push(("confirm".into(), "1".into()));
    render(&ConfirmPage {
        question: question.question,
        warnings: question.warnings,
        consequence: chrome.t.cannot_be_undone,
        confirm_label: question.confirm_label,
        action_url: question.action_url,
        fields: kept,
        cancel: question.cancel,
        chrome,
    })
}
