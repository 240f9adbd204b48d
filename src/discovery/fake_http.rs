//! Fake servers on 127.0.0.1 for tests: a tiny HTTP/1.1 server that answers each path from
//! a fixed table (404 otherwise) and remembers the request targets it saw, and a greeter
//! that speaks the first line of a mail protocol.

use std::sync::{Arc, Mutex};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// What the server sends for one path.
#[derive(Clone)]
pub struct Reply {
    status: u16,
    location: Option<String>,
    body: String,
}

impl Reply {
    pub fn ok(body: impl Into<String>) -> Self {
        Reply {
            status: 200,
            location: None,
            body: body.into(),
        }
    }

    pub fn redirect(location: impl Into<String>) -> Self {
        Reply {
            status: 302,
            location: Some(location.into()),
            body: String::new(),
        }
    }
}

pub struct FakeHttp {
    pub port: u16,
    requests: Arc<Mutex<Vec<String>>>,
}

impl FakeHttp {
    /// Starts serving `routes` (path without query → reply) until the test's runtime ends.
    pub async fn start(routes: Vec<(&'static str, Reply)>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let seen = requests.clone();
        tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                let Some(target) = read_target(&mut socket).await else {
                    continue;
                };
                seen.lock().unwrap().push(target.clone());
                let path = target.split('?').next().unwrap_or_default();
                let reply = routes
                    .iter()
                    .find(|(p, _)| *p == path)
                    .map(|(_, r)| r.clone())
                    .unwrap_or(Reply {
                        status: 404,
                        location: None,
                        body: "not found".into(),
                    });
                let location = reply
                    .location
                    .map(|l| format!("Location: {l}\r\n"))
                    .unwrap_or_default();
                let head = format!(
                    "HTTP/1.1 {} X\r\n{location}Content-Type: text/xml\r\nContent-Length: {}\r\n\
                     Connection: close\r\n\r\n",
                    reply.status,
                    reply.body.len()
                );
                let _ = socket.write_all(head.as_bytes()).await;
                let _ = socket.write_all(reply.body.as_bytes()).await;
                let _ = socket.shutdown().await;
            }
        });
        FakeHttp { port, requests }
    }

    /// `http://127.0.0.1:PORT` followed by `path`.
    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// The request targets (path and query) received so far.
    pub fn requests(&self) -> Vec<String> {
        self.requests.lock().unwrap().clone()
    }
}

/// Reads a request head and returns its target, e.g. `/mail/config-v1.1.xml?emailaddress=…`.
async fn read_target(socket: &mut tokio::net::TcpStream) -> Option<String> {
    let mut head = Vec::new();
    let mut buf = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 16 * 1024 {
        let n = socket.read(&mut buf).await.ok()?;
        if n == 0 {
            return None;
        }
        head.extend_from_slice(&buf[..n]);
    }
    let head = String::from_utf8_lossy(&head);
    head.split_whitespace().nth(1).map(str::to_owned)
}

/// A server on 127.0.0.1 that writes `greeting` to each connection, and the port it has.
pub async fn greeter(greeting: &'static str) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let _ = socket.write_all(greeting.as_bytes()).await;
            let mut rest = Vec::new();
            let _ = socket.read_to_end(&mut rest).await;
        }
    });
    port
}
