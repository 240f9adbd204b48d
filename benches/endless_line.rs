//! What one IMAP session costs Posta's CPU when the server sends a 4 MiB line that never
//! ends: the attack that made async-imap re-parse its whole, slowly growing buffer after every
//! read (issue 11).
//!
//! Run with `cargo bench --bench endless_line`. No mail stack is needed: a small server on
//! its own thread greets with `* OK ` and 4 MiB of `a` without a line end, either as fast as
//! the client reads ("fast") or 4 KiB at a time with a millisecond between ("trickle", which
//! makes every piece a read of its own), then hangs up. The client is async-imap reading the
//! greeting on a single-threaded runtime on the main thread, over bare TCP or over Posta's
//! `MailStream`; the figure is that thread's CPU time until the read ends, from
//! `/proc/thread-self/schedstat`.
//!
//! | client                         | what it shows                                            |
//! |--------------------------------|----------------------------------------------------------|
//! | async-imap on bare TCP         | the vendored async-imap alone (buffer doubling)          |
//! | MailStream, line cap 16 MB     | Posta's stream with the longest line it ever accepts     |
//! |                                | (SEARCH/SORT/THREAD answers): lexed, never parsed        |
//! | MailStream, line cap 1 MiB     | every other command: refused at 1 MiB                    |
//!
//! CPU seconds on one run (release build, two cores busy with other builds):
//!
//! | client                                   | fast  | trickle |
//! |------------------------------------------|-------|---------|
//! | async-imap 0.12.0 as published, bare TCP | 1.230 | 1.753   |
//! | async-imap vendored, bare TCP            | 0.017 | 0.329   |
//! | MailStream, line cap 16 MB               | 0.013 | 0.017   |
//! | MailStream, line cap 1 MiB (refused)     | 0.000 | 0.008   |
//!
//! Doubling the buffer alone helps only while the server sends faster than Posta reads: fed
//! 4 KiB at a time, async-imap still parses after every read. MailStream hands it nothing
//! until the line ends, so the CPU is the lexer's, linear in the bytes.

use std::io::Write;
use std::net::TcpListener;
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result};
use posta::imap::Purpose;
use posta::imap::stream::MailStream;
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;

const LINE: usize = 4 * 1024 * 1024;
const PIECE: usize = 4 * 1024;

#[derive(Clone, Copy, Debug)]
enum Pace {
    Fast,
    Trickle,
}

/// Starts a server that greets with a line of `LINE` bytes and no end, then hangs up; its
/// port.
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
        // Hang up once the client has read it all (and whatever it wrote is read too, so
        // closing does not reset the connection under its feet).
        let _ = socket.shutdown(std::net::Shutdown::Write);
        let _ = std::io::copy(&mut socket, &mut std::io::sink());
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

/// How one session fares: CPU and wall time until the read ended, and how it ended.
struct Outcome {
    cpu: Duration,
    wall: Duration,
    ended: String,
}

/// Reads the greeting through the stream `open` makes of the connection, until it ends.
async fn session<S, F>(pace: Pace, open: impl FnOnce(TcpStream) -> F) -> Result<Outcome>
where
    S: AsyncRead + AsyncWrite + Unpin + std::fmt::Debug + Send,
    F: Future<Output = S>,
{
    let port = endless_greeting(pace)?;
    let tcp = TcpStream::connect(("127.0.0.1", port)).await?;
    let (cpu0, wall0) = (thread_cpu()?, Instant::now());
    let mut client = async_imap::Client::new(open(tcp).await);
    let ended = match client.read_response().await {
        Ok(Some(_)) => "a response (!)".to_owned(),
        Ok(None) => "the server hung up".to_owned(),
        Err(e) => format!("{e}"),
    };
    Ok(Outcome {
        cpu: thread_cpu()? - cpu0,
        wall: wall0.elapsed(),
        ended,
    })
}

/// Posta's stream, held to the caps of `purpose` (made the caps of a first command, as a
/// session's would be).
async fn mail_stream(tcp: TcpStream, purpose: Purpose) -> MailStream {
    let mut stream = MailStream::plain(tcp);
    stream.expect(purpose);
    stream
        .write_all(b"A1 UID SEARCH ALL\r\n")
        .await
        .expect("the server takes a command");
    stream
}

fn report(name: &str, pace: Pace, outcome: &Outcome) {
    println!(
        "{name:<28} {pace:<8} {:>8.3} s CPU {:>8.3} s wall   {}",
        outcome.cpu.as_secs_f64(),
        outcome.wall.as_secs_f64(),
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
        let outcome = runtime.block_on(session(pace, |tcp| async { tcp }))?;
        report("async-imap on bare TCP", pace, &outcome);
        let outcome = runtime.block_on(session(pace, |tcp| mail_stream(tcp, Purpose::Uids)))?;
        report("MailStream, line cap 16 MB", pace, &outcome);
        let outcome = runtime.block_on(session(pace, |tcp| mail_stream(tcp, Purpose::Command)))?;
        report("MailStream, line cap 1 MiB", pace, &outcome);
    }
    Ok(())
}
