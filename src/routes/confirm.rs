//! The confirmation page for what cannot be undone (deleting mail for good, emptying a
//! folder, deleting a folder): the same form again, with `confirm=1`, and what it will do.

use axum::response::Response;
use serde::Serialize;

use super::chrome::Chrome;
use super::form::pairs;
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

/// Renders the page asking `question` about `form` (sent again with `confirm=1`; its CSRF
/// token comes from `chrome`, fresh, and the form leaves its own out).
pub fn confirm_page(chrome: Chrome, form: &impl Serialize, question: Question) -> Response {
    let mut kept = pairs(form);
    kept.retain(|(k, _)| k != "confirm" && k != "csrf");
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
