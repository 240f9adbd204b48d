//! A scripted IMAP server for unit tests of what goes on the wire: it greets, takes any
//! LOGIN (through [`Connection::scripted`]), answers every command line as `answer` says and
//! keeps each command it read.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

use super::connect::Connector;
use super::connection::Connection;
use crate::credentials::{Credentials, EmailAddress, Password};
use crate::upstream::{Security, Upstream};

/// The commands the server has read so far (tag left off), after the LOGIN.
pub type Seen = Arc<Mutex<Vec<String>>>;

/// A connection to a server that answers each command with `answer(tag, command)`: any
/// untagged lines, then the tagged completion, each ending in CRLF.
pub async fn fake_server(
    answer: impl Fn(&str, &str) -> String + Send + 'static,
) -> (Connection, Seen) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    tokio::spawn(async move {
        let (socket, _) = listener.accept().await.unwrap();
        let (read, mut write) = socket.into_split();
        write.write_all(b"* OK fake IMAP ready\r\n").await.unwrap();
        let mut lines = BufReader::new(read).lines();
        while let Ok(Some(line)) = lines.next_line().await {
            let (tag, command) = line.split_once(' ').unwrap_or((&line, ""));
            log.lock().unwrap().push(command.to_owned());
            let reply = answer(tag, command);
            write.write_all(reply.as_bytes()).await.unwrap();
        }
    });
    let imap = Connection::scripted(address).await;
    seen.lock().unwrap().clear();
    (imap, seen)
}

/// Who a client over a scripted connection is, and how it would re-open: plain text to
/// port 1 of loopback, where nothing answers, so a test never logs in anywhere real.
pub fn scripted_login(timeout: Duration) -> (Credentials, Connector) {
    let credentials = Credentials {
        email: EmailAddress::parse("ada@posta.test").unwrap(),
        login: "ada".into(),
        password: Password::new("secret".into()),
        imap: Upstream::new("127.0.0.1", 1, Security::Insecure),
        smtp: None,
    };
    let connector = Connector {
        extra_ca: None,
        timeout,
        refuse_private: false,
    };
    (credentials, connector)
}
