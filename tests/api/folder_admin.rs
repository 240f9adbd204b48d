//! Managing folders at `/folders`: create (nested, Russian, names that look like IMAP
//! syntax), rename and move, delete with a confirmation and warnings, role folders left
//! alone, names refused with the typed value kept, subscriptions shown in the sidebar.
//! Every result is checked against the server itself over a direct IMAP connection.
//!
//! user13 and user14 are these tests' own; each test uses names no other test uses, first
//! removes what an earlier run may have left, and takes its user's turn
//! ([`folder_turn`]): the tests of one user run one at a time.

use posta::config::Config;
use posta::routes::links;
use posta::upstream::{Security, Upstream};
use reqwest::StatusCode;

use crate::helpers::{
    Page, TestApp, User, folder_turn, scripted_imap, spawn_app, spawn_app_with, stack, test_config,
};
use crate::imap_client::{append, connect, count, mailboxes, remove_leftovers, subscriptions};

/// Signs in as `user` after removing `leftovers` (wire names, children first).
async fn signed_in(user: User, leftovers: &[&str]) -> TestApp {
    let mut imap = connect(user).await;
    remove_leftovers(&mut imap, leftovers).await;
    let app = spawn_app().await;
    app.sign_in(user).await;
    app
}

/// Names the folders page lists, in order (decoded full names).
fn listed(page: &Page) -> Vec<String> {
    page.attrs("table.folder-admin tr[data-folder]", "data-folder")
}

/// Links the sidebar shows.
fn sidebar(page: &Page) -> Vec<String> {
    page.attrs("nav.folders li a", "href")
}

async fn create(app: &TestApp, name: &str, parent: &str) -> Page {
    app.post_folders(&[("action", "create"), ("name", name), ("parent", parent)])
        .await
}

/// Creates a folder and asserts it worked.
async fn created(app: &TestApp, name: &str, parent: &str) {
    let page = create(app, name, parent).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{name}: {}", page.body);
    assert_eq!(page.location(), "/folders");
}

async fn rename(app: &TestApp, folder: &str, name: &str, parent: &str) -> Page {
    app.post_folders(&[
        ("action", "rename"),
        ("folder", folder),
        ("name", name),
        ("parent", parent),
    ])
    .await
}

/// Confirms what the confirmation page asks, by submitting its form as it is.
async fn confirm(app: &TestApp, page: &Page) -> Page {
    let names = page.attrs(".confirm-form input", "name");
    let values = page.attrs(".confirm-form input", "value");
    let fields: Vec<(&str, &str)> = names
        .iter()
        .map(String::as_str)
        .zip(values.iter().map(String::as_str))
        .collect();
    app.post_form("/folders", &fields).await
}

fn message(subject: &str) -> Vec<u8> {
    format!(
        "From: Seed <seed@posta.test>\r\nTo: user14@posta.test\r\nSubject: {subject}\r\n\
         Date: Mon, 1 Jan 2024 10:00:00 +0000\r\nMessage-ID: <{subject}@posta.test>\r\n\r\nText.\r\n"
    )
    .into_bytes()
}

#[tokio::test]
async fn a_nested_folder_is_created_under_its_parent_and_subscribed() {
    let _turn = folder_turn(User::N(13)).await;
    let app = signed_in(User::N(13), &["Reports13/2025", "Reports13"]).await;

    created(&app, "Reports13", "").await;
    created(&app, "2025", "Reports13").await;

    let page = app.get("/folders").await;
    assert_eq!(
        page.texts("p.flash"),
        vec!["Folder “Reports13/2025” created."]
    );
    assert!(listed(&page).contains(&"Reports13/2025".to_owned()));
    assert_eq!(
        page.attrs("tr.depth-1[data-folder='Reports13/2025']", "class")
            .len(),
        1,
        "shown one level down"
    );
    assert!(sidebar(&page).contains(&"/mail/Reports13%2F2025".to_owned()));
    let mut imap = connect(User::N(13)).await;
    assert!(
        mailboxes(&mut imap)
            .await
            .contains(&"Reports13/2025".to_owned())
    );
    assert!(
        subscriptions(&mut imap)
            .await
            .contains(&"Reports13/2025".to_owned())
    );
}

#[tokio::test]
async fn a_russian_name_goes_out_in_modified_utf7_and_comes_back_as_typed() {
    let _turn = folder_turn(User::N(13)).await;
    // Отчёты, Отчёты/Квартал
    let (reports, quarter) = (
        "&BB4EQgRHBFEEQgRL-",
        "&BB4EQgRHBFEEQgRL-/&BBoEMgQwBEAEQgQwBDs-",
    );
    let app = signed_in(User::N(13), &[quarter, reports]).await;

    created(&app, "Отчёты", "").await;
    created(&app, "Квартал", "Отчёты").await;

    let mut imap = connect(User::N(13)).await;
    let on_server = mailboxes(&mut imap).await;
    assert!(on_server.contains(&quarter.to_owned()), "{on_server:?}");
    let page = app.get_with("/folders", &[("accept-language", "ru")]).await;
    assert_eq!(
        page.texts("p.flash"),
        vec!["Folder “Отчёты/Квартал” created."],
        "said in the language of the request that made it"
    );
    assert_eq!(page.texts("main h1"), vec!["Папки"]);
    assert!(listed(&page).contains(&"Отчёты/Квартал".to_owned()));
    let opened = app.get(&links::folder("Отчёты/Квартал")).await;
    assert_eq!(opened.status, StatusCode::OK);
    assert_eq!(opened.texts("h1"), vec!["Квартал"]);
}

#[tokio::test]
async fn names_that_look_like_imap_syntax_are_created_literally() {
    let _turn = folder_turn(User::N(13)).await;
    let names = [r#"a"b"#, r"x\y", "{5}"];
    let app = signed_in(User::N(13), &names).await;

    for name in names {
        created(&app, name, "").await;
    }

    let mut imap = connect(User::N(13)).await;
    let on_server = mailboxes(&mut imap).await;
    let page = app.get("/folders").await;
    for name in names {
        assert!(
            on_server.contains(&name.to_owned()),
            "{name}: {on_server:?}"
        );
        assert!(listed(&page).contains(&name.to_owned()), "{name}");
        assert_eq!(
            app.get(&links::folder(name)).await.status,
            StatusCode::OK,
            "{name}"
        );
    }
    // And they can be named again: deleted through Posta, they are gone.
    for name in names {
        let asked = app
            .post_folders(&[("action", "delete"), ("folder", name)])
            .await;
        assert_eq!(
            confirm(&app, &asked).await.status,
            StatusCode::SEE_OTHER,
            "{name}"
        );
    }
    let on_server = mailboxes(&mut imap).await;
    assert!(
        names.iter().all(|n| !on_server.contains(&n.to_string())),
        "{on_server:?}"
    );
}

#[tokio::test]
async fn a_rename_moves_the_folder_with_its_subfolders_and_subscriptions() {
    let _turn = folder_turn(User::N(14)).await;
    let app = signed_in(
        User::N(14),
        &[
            "Shelf14/New14/Child",
            "Shelf14/New14",
            "Shelf14",
            "Old14/Child",
            "Old14",
        ],
    )
    .await;
    created(&app, "Shelf14", "").await;
    created(&app, "Old14", "").await;
    created(&app, "Child", "Old14").await;

    let form = app.get("/folders?rename=Old14").await;
    assert_eq!(form.attrs("#rename-name", "value"), vec!["Old14"]);
    let parents = form.attrs("#rename-parent option", "value");
    assert!(
        !parents.iter().any(|p| p.starts_with("Old14")),
        "a folder cannot go inside itself: {parents:?}"
    );
    let page = rename(&app, "Old14", "New14", "Shelf14").await;

    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let mut imap = connect(User::N(14)).await;
    let (on_server, subscribed) = (mailboxes(&mut imap).await, subscriptions(&mut imap).await);
    for name in ["Shelf14/New14", "Shelf14/New14/Child"] {
        assert!(
            on_server.contains(&name.to_owned()),
            "{name}: {on_server:?}"
        );
        assert!(
            subscribed.contains(&name.to_owned()),
            "{name}: {subscribed:?}"
        );
    }
    for name in ["Old14", "Old14/Child"] {
        assert!(!on_server.contains(&name.to_owned()), "{name}");
        assert!(!subscribed.contains(&name.to_owned()), "{name}");
    }
    let folders = app.get("/folders").await;
    assert_eq!(
        folders.texts("p.flash"),
        vec!["Folder “Old14” is now “Shelf14/New14”."]
    );
    assert!(sidebar(&folders).contains(&"/mail/Shelf14%2FNew14%2FChild".to_owned()));
}

#[tokio::test]
async fn an_empty_folder_is_deleted_after_a_plain_confirmation() {
    let _turn = folder_turn(User::N(14)).await;
    let app = signed_in(User::N(14), &["Empty14"]).await;
    created(&app, "Empty14", "").await;

    let asked = app
        .post_folders(&[("action", "delete"), ("folder", "Empty14")])
        .await;

    assert_eq!(asked.status, StatusCode::OK);
    assert_eq!(
        asked.texts(".confirm h1"),
        vec!["Delete the folder “Empty14”?"]
    );
    assert!(
        asked.texts(".confirm .warning").is_empty(),
        "nothing to warn about"
    );
    let mut imap = connect(User::N(14)).await;
    assert!(
        mailboxes(&mut imap).await.contains(&"Empty14".to_owned()),
        "not yet"
    );

    let done = confirm(&app, &asked).await;

    assert_eq!(done.status, StatusCode::SEE_OTHER);
    assert!(!mailboxes(&mut imap).await.contains(&"Empty14".to_owned()));
    assert!(
        !subscriptions(&mut imap)
            .await
            .contains(&"Empty14".to_owned())
    );
    let page = app.get("/folders").await;
    assert_eq!(page.texts("p.flash"), vec!["Folder “Empty14” deleted."]);
    assert!(!listed(&page).contains(&"Empty14".to_owned()));
}

#[tokio::test]
async fn a_folder_with_mail_and_subfolders_is_deleted_only_after_a_warning() {
    let _turn = folder_turn(User::N(14)).await;
    let app = signed_in(User::N(14), &["Full14/Sub", "Full14"]).await;
    created(&app, "Full14", "").await;
    created(&app, "Sub", "Full14").await;
    let mut imap = connect(User::N(14)).await;
    for n in 1..=3 {
        append(&mut imap, "Full14", &message(&format!("full14-{n}"))).await;
    }
    append(&mut imap, "Full14/Sub", &message("full14-sub")).await;

    let english = app
        .post_folders(&[("action", "delete"), ("folder", "Full14")])
        .await;
    let csrf = english.csrf();
    let russian = app
        .post_form_with(
            "/folders",
            &[("csrf", &csrf), ("action", "delete"), ("folder", "Full14")],
            &[("accept-language", "ru")],
        )
        .await
        .body;

    assert_eq!(
        english.texts(".confirm .warning"),
        vec![
            "It holds 3 messages, which will be deleted with it.",
            "It has 1 subfolder (with 1 message), which will be deleted too."
        ]
    );
    assert!(
        russian.contains("Вместе с папкой будут удалены 3 письма."),
        "{russian}"
    );
    assert!(
        russian.contains("Внутри 1 вложенная папка (в ней 1 письмо) — она тоже будет удалена.")
    );
    assert_eq!(
        count(&mut imap, "Full14").await,
        3,
        "nothing deleted before confirming"
    );

    let done = confirm(&app, &english).await;

    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let on_server = mailboxes(&mut imap).await;
    assert!(
        !on_server.iter().any(|n| n.starts_with("Full14")),
        "{on_server:?}"
    );
}

#[tokio::test]
async fn role_folders_are_neither_renamed_nor_deleted() {
    let _turn = folder_turn(User::N(13)).await;
    let app = signed_in(User::N(13), &[]).await;

    let deleting_sent = app
        .post_folders(&[("action", "delete"), ("folder", "Sent"), ("confirm", "1")])
        .await;
    let renaming_inbox = rename(&app, "INBOX", "Old mail", "").await;

    assert_eq!(deleting_sent.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        deleting_sent.texts("#folders-error"),
        vec![
            "“Sent” is a special folder (Inbox, Sent, Drafts, Trash, Spam or Archive): it cannot be renamed or deleted."
        ]
    );
    assert_eq!(renaming_inbox.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        renaming_inbox.texts("#folders-error"),
        vec![
            "“INBOX” is a special folder (Inbox, Sent, Drafts, Trash, Spam or Archive): it cannot be renamed or deleted."
        ]
    );
    let mut imap = connect(User::N(13)).await;
    let on_server = mailboxes(&mut imap).await;
    assert!(on_server.contains(&"Sent".to_owned()) && on_server.contains(&"INBOX".to_owned()));
    assert!(!on_server.contains(&"Old mail".to_owned()));
    // The page offers neither for them.
    let page = app.get("/folders").await;
    assert!(
        page.attrs("tr[data-folder='Sent'] button.delete", "class")
            .is_empty()
    );
    assert!(
        page.attrs("tr[data-folder='INBOX'] a.rename", "href")
            .is_empty()
    );
    assert_eq!(
        page.attrs("tr[data-folder='Projects'] button.delete", "class")
            .len(),
        1
    );
}

#[tokio::test]
async fn a_name_that_cannot_be_used_is_explained_and_kept_in_the_form() {
    let _turn = folder_turn(User::N(13)).await;
    let app = signed_in(User::N(13), &[]).await;
    let too_long = "x".repeat(201);

    for (typed, said) in [
        ("", "Enter a name for the folder."),
        (" Lead", "The name may not start or end with a space."),
        ("Trail ", "The name may not start or end with a space."),
        (
            "Line\nbreak",
            "The name may not contain line breaks, tabs or other control characters.",
        ),
        (
            "100%",
            "The name may not contain “%”: mail servers use it as a wildcard.",
        ),
        (
            "St*r",
            "The name may not contain “*”: mail servers use it as a wildcard.",
        ),
        (
            "a/b",
            "The name may not contain “/”, which separates folders on this server. To put the folder inside another, choose that one under “Inside”.",
        ),
        (
            too_long.as_str(),
            "The name is too long: at most 200 characters, counting the folders it is inside.",
        ),
        ("Projects", "There is already a folder called “Projects”."),
        ("inbox", "There is already a folder called “INBOX”."),
    ] {
        let page = create(&app, typed, "").await;

        assert_eq!(page.status, StatusCode::BAD_REQUEST, "{typed:?}");
        assert_eq!(page.texts("#create-error"), vec![said], "{typed:?}");
        assert_eq!(
            page.attrs("#create-name", "value"),
            vec![typed],
            "{typed:?}"
        );
    }
    // A NUL is refused too (it would not survive in the page's HTML to be shown again).
    let nul = create(&app, "Nul\0here", "").await;
    assert_eq!(nul.status, StatusCode::BAD_REQUEST);
    assert_eq!(nul.texts("#create-error").len(), 1);
    // The parent stays chosen too.
    let page = create(&app, "Bad%", "Projects").await;
    assert_eq!(
        page.attrs("#create-parent option[selected]", "value"),
        vec!["Projects"]
    );
    let mut imap = connect(User::N(13)).await;
    let on_server = mailboxes(&mut imap).await;
    assert!(
        !on_server
            .iter()
            .any(|n| n.contains('%') || n.contains('*') || n.starts_with(' ')),
        "{on_server:?}"
    );
}

#[tokio::test]
async fn a_rename_that_cannot_be_done_keeps_the_rename_form() {
    let _turn = folder_turn(User::N(14)).await;
    let app = signed_in(User::N(14), &["Keep14/Inner", "Keep14"]).await;
    created(&app, "Keep14", "").await;
    created(&app, "Inner", "Keep14").await;

    let into_itself = rename(&app, "Keep14", "Keep14", "Keep14/Inner").await;
    let bad_name = rename(&app, "Keep14", "Kept*", "").await;

    assert_eq!(into_itself.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        into_itself.texts("#rename-error"),
        vec!["A folder cannot be moved into itself or into one of its subfolders."]
    );
    assert_eq!(bad_name.texts("#rename-error").len(), 1);
    assert_eq!(bad_name.attrs("#rename-name", "value"), vec!["Kept*"]);
    let mut imap = connect(User::N(14)).await;
    assert!(
        mailboxes(&mut imap)
            .await
            .contains(&"Keep14/Inner".to_owned())
    );
}

#[tokio::test]
async fn unsubscribed_folders_leave_the_sidebar_but_stay_on_the_folders_page() {
    let _turn = folder_turn(User::N(14)).await;
    let app = signed_in(User::N(14), &["Quiet14"]).await;
    created(&app, "Quiet14", "").await;
    assert!(sidebar(&app.get("/mail/INBOX").await).contains(&"/mail/Quiet14".to_owned()));

    let off = app
        .post_folders(&[("action", "unsubscribe"), ("folder", "Quiet14")])
        .await;

    assert_eq!(off.status, StatusCode::SEE_OTHER);
    let inbox = app.get("/mail/INBOX").await;
    assert!(!sidebar(&inbox).contains(&"/mail/Quiet14".to_owned()));
    assert!(
        sidebar(&inbox).contains(&"/mail/Sent".to_owned()),
        "role folders always show"
    );
    let page = app.get("/folders").await;
    assert!(listed(&page).contains(&"Quiet14".to_owned()));
    assert_eq!(
        page.texts("tr[data-folder='Quiet14'] .state"),
        vec!["Hidden"]
    );
    let inbox_state = page.texts("tr[data-folder='INBOX'] .state");
    assert!(
        inbox_state[0].starts_with("Always shown ("),
        "role folders say they always show, and their subscription: {inbox_state:?}"
    );
    let mut imap = connect(User::N(14)).await;
    assert!(
        !subscriptions(&mut imap)
            .await
            .contains(&"Quiet14".to_owned())
    );
    // The open folder shows even when unsubscribed.
    let opened = app.get("/mail/Quiet14").await;
    assert!(sidebar(&opened).contains(&"/mail/Quiet14".to_owned()));

    app.post_folders(&[("action", "subscribe"), ("folder", "Quiet14")])
        .await;

    assert!(sidebar(&app.get("/mail/INBOX").await).contains(&"/mail/Quiet14".to_owned()));
    assert!(
        subscriptions(&mut imap)
            .await
            .contains(&"Quiet14".to_owned())
    );
}

#[tokio::test]
async fn without_list_extended_subscriptions_come_from_lsub() {
    let _turn = folder_turn(User::N(13)).await;
    let mut imap = connect(User::N(13)).await;
    remove_leftovers(&mut imap, &["Plain13"]).await;
    let mut config = test_config();
    config.imap = Some(stack().imaps_basic());
    let app = spawn_app_with(config).await;
    app.sign_in(User::N(13)).await;

    created(&app, "Plain13", "").await;
    let shown = app.get("/folders").await;
    app.post_folders(&[("action", "unsubscribe"), ("folder", "Plain13")])
        .await;
    let hidden = app.get("/folders").await;

    assert_eq!(
        shown.texts("tr[data-folder='Plain13'] .state"),
        vec!["Shown"]
    );
    assert!(sidebar(&shown).contains(&"/mail/Plain13".to_owned()));
    assert_eq!(
        hidden.texts("tr[data-folder='Plain13'] .state"),
        vec!["Hidden"]
    );
    assert!(!sidebar(&hidden).contains(&"/mail/Plain13".to_owned()));
    assert!(
        sidebar(&hidden).contains(&"/mail/Projects%2FRust".to_owned()),
        "seeded folders are subscribed"
    );
}

#[tokio::test]
async fn folder_changes_need_the_forms_token() {
    let _turn = folder_turn(User::N(13)).await;
    let app = signed_in(User::N(13), &[]).await;

    let page = app
        .post_form("/folders", &[("action", "create"), ("name", "Forged13")])
        .await;

    assert_eq!(page.status, StatusCode::FORBIDDEN);
    let mut imap = connect(User::N(13)).await;
    assert!(!mailboxes(&mut imap).await.contains(&"Forged13".to_owned()));
}

/// A server without LIST-STATUS (like the basic one, or Gmail) on which `Gone` is listed but
/// deleted by the time its STATUS is asked, as another mail program can do at any moment.
/// Its port.
async fn server_losing_a_folder_between_list_and_status() -> u16 {
    scripted_imap(|tag, verb, args| {
        Some(match verb {
            "CAPABILITY" => format!("* CAPABILITY IMAP4rev1\r\n{tag} OK done\r\n"),
            "LIST" => format!(
                "* LIST () \"/\" INBOX\r\n* LIST () \"/\" Gone\r\n\
                 * LIST () \"/\" Kept\r\n{tag} OK done\r\n"
            ),
            "STATUS" if args.starts_with("\"Gone\"") => {
                format!("{tag} NO [NONEXISTENT] Mailbox doesn't exist: Gone\r\n")
            }
            "STATUS" => {
                let name = args.split(' ').next().unwrap_or("").trim_matches('"');
                format!("* STATUS {name} (MESSAGES 7 UNSEEN 2)\r\n{tag} OK done\r\n")
            }
            "LSUB" => format!("* LSUB () \"/\" Kept\r\n{tag} OK done\r\n"),
            "LOGOUT" => format!("* BYE\r\n{tag} OK done\r\n"),
            _ => format!("{tag} OK done\r\n"),
        })
    })
    .await
}

#[tokio::test]
async fn a_folder_deleted_between_list_and_status_leaves_the_others_counted() {
    let port = server_losing_a_folder_between_list_and_status().await;
    let mut config = Config::defaults();
    config.listen = "127.0.0.1:0".parse().unwrap();
    config.imap = Some(Upstream::new("127.0.0.1", port, Security::Insecure));
    let app = spawn_app_with(config).await;
    app.sign_in(User::N(13)).await;

    let page = app.get("/folders").await;

    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert_eq!(page.texts("tr[data-folder='Kept'] .total"), vec!["7"]);
    assert_eq!(page.texts("tr[data-folder='Kept'] .unseen"), vec!["2"]);
    assert_eq!(
        page.texts("tr[data-folder='Kept'] .state"),
        vec!["Shown"],
        "subscriptions still come from LSUB"
    );
    assert_eq!(
        page.texts("tr[data-folder='Gone'] .total"),
        vec![""],
        "no count for the folder that went"
    );
}
