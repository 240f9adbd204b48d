//! What one IMAP session costs Posta's CPU when the server sends a 4 MiB line that never
//! ends: the attack that made async-imap re-parse its whole, slowly growing buffer after every
//! read (issue 11).
//!
//! Run with `cargo bench --bench endless_line`. No mail stack is needed: a small server on
//! its own thread greets with `* OK ` and 4 MiB of `a` without a line end, either as fast as
//! the client reads ("fast") or 4 KiB at a time with a millisecond between ("trickle", which
//! makes every piece a read of its own). The client is async-imap reading the greeting on a
//! single-threaded runtime on the main thread; the figure is that thread's CPU time until it
//! has taken all 4 MiB in (or given up), from `/proc/thread-self/schedstat`.

use std::io::Write;
use std::net::TcpListener;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;

const LINE: usize = 4 * 1024 * 1024;
const PIECE: usize = 4 * 1024;

#[derive(Clone, Copy, Debug)]
enum Pace {
    Fast,
    Trickle,
}

/// Starts a server that greets with a line of `LINE` bytes and no end, then waits; its port.
fn endless_greeting(pace: Pace) -> Result<u16> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let port = listener.local_addr()?.port();
    std::thread::spawn(move || {
        let Ok((mut socket, _)) = listener.accept() else {
            return;
        };
        let _ = socket.write_all(b"* OK ");
        let piece = [b'a'; PIECE];
        for _ in 0..LINE / PIECE {
            if socket.write_all(&piece).is_err() {
                return;
            }
            if let Pace::Trickle = pace {
                std::thread::sleep(Duration::from_millis(1));
            }
        }
        // Keep the connection open until the client goes.
        let _ = std::io::Read::read(&mut socket, &mut [0; 1]);
    });
    Ok(port)
}

/// CPU time this thread has used so far.
fn thread_cpu() -> Result<Duration> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat")?;
    let ns: u64 = text
        .split_whitespace()
        .next()
        .context("empty schedstat")?
        .parse()?;
    Ok(Duration::from_nanos(ns))
}

/// A stream that counts the bytes read through it.
#[derive(Debug)]
struct Counted<S> {
    inner: S,
    read: Arc<AtomicU64>,
}

impl<S: AsyncRead + Unpin> AsyncRead for Counted<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let poll = Pin::new(&mut self.inner).poll_read(cx, buf);
        let n = buf.filled().len() - before;
        self.read.fetch_add(n as u64, Ordering::Relaxed);
        poll
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Counted<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }
    fn poll_shutdown(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// How one session fares: CPU seconds, wall time, bytes taken in, and how the read ended.
struct Outcome {
    cpu: Duration,
    wall: Duration,
    read: u64,
    ended: String,
}

/// Reads the greeting through `wrap(tcp)` until the whole line is in or the read fails.
async fn session<S>(pace: Pace, wrap: impl FnOnce(TcpStream) -> S) -> Result<Outcome>
where
    S: AsyncRead + AsyncWrite + Unpin + std::fmt::Debug + Send,
{
    let port = endless_greeting(pace)?;
    let tcp = TcpStream::connect(("127.0.0.1", port)).await?;
    let read = Arc::new(AtomicU64::new(0));
    let counted = Counted {
        inner: wrap(tcp),
        read: read.clone(),
    };
    let mut client = async_imap::Client::new(counted);
    let (cpu0, wall0) = (thread_cpu()?, Instant::now());
    let greeting = client.read_response();
    let all_in = async {
        while read.load(Ordering::Relaxed) < (LINE + 5) as u64 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    };
    let ended = tokio::select! {
        outcome = greeting => match outcome {
            Ok(Some(_)) => "a response (!)".to_owned(),
            Ok(None) => "connection closed".to_owned(),
            Err(e) => format!("error: {e}"),
        },
        () = all_in => "whole line read, no response".to_owned(),
        () = tokio::time::sleep(Duration::from_secs(600)) => "gave up after 10 minutes".to_owned(),
    };
    Ok(Outcome {
        cpu: thread_cpu()? - cpu0,
        wall: wall0.elapsed(),
        read: read.load(Ordering::Relaxed),
        ended,
    })
}

fn report(name: &str, pace: Pace, outcome: &Outcome) {
    println!(
        "{name:<28} {pace:<8} {:>8.3} s CPU {:>8.3} s wall {:>9} bytes read  {}",
        outcome.cpu.as_secs_f64(),
        outcome.wall.as_secs_f64(),
        outcome.read,
        outcome.ended,
        pace = format!("{pace:?}").to_lowercase(),
    );
}

fn main() -> Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    println!("one session, a 4 MiB line without end ({PIECE}-byte pieces when trickled)");
    for pace in [Pace::Fast, Pace::Trickle] {
        let outcome = runtime.block_on(session(pace, |tcp| tcp))?;
        report("async-imap on bare TCP", pace, &outcome);
    }
    Ok(())
}
