//! The byte stream under an IMAP session: TLS (implicit or after STARTTLS) or, only when the
//! operator explicitly asked for it, plain TCP — and the place where what the server sends
//! is held to Posta's caps ([`super::purpose`]). One concrete type keeps `Session<MailStream>`
//! nameable in structs.
//!
//! Every byte from the server goes through a [`Framing`] lexer on its way up. A response is
//! handed to async-imap only once it has all arrived: async-imap parses its whole buffer again
//! after every read that does not complete a response, so a line trickling in 4 KB at a time
//! cost it time quadratic in the line's length; now it parses each response about once. The
//! part of a response still arriving waits here, and never grows past the command's budget;
//! a cap exceeded fails the read (and every read after it) with an [`Exceeded`] inside the
//! `io::Error`, which async-imap returns as the command's error.

use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use async_native_tls::TlsStream;
use bytes::{Buf, BytesMut};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;

use super::framing::{Exceeded, Framing};
use super::purpose::Purpose;

/// How much one read from the socket takes at most (a TLS record is 16 KB).
const READ_SIZE: usize = 32 * 1024;
/// A held-back buffer larger than this is let go once empty, so a session that once read a
/// large response does not keep its buffer while idle.
const KEEP: usize = 64 * 1024;

/// The connection to an IMAP server, with what the server sent and Posta has not read yet.
pub struct MailStream {
    transport: Transport,
    /// Where the server's responses end, and the caps of the command in flight.
    framing: Framing,
    /// Bytes from the server not yet handed to async-imap: `ready` bytes of whole responses,
    /// then the start of one still arriving.
    held: BytesMut,
    ready: usize,
    /// Where reads from the socket land before the lexer has seen them.
    scratch: Box<[u8]>,
    /// Set once the server went over a cap: every later read fails the same way.
    failed: Option<Exceeded>,
}

#[derive(Debug)]
enum Transport {
    Tls(Box<TlsStream<TcpStream>>),
    Plain(TcpStream),
}

impl MailStream {
    pub fn tls(stream: TlsStream<TcpStream>) -> MailStream {
        MailStream::new(Transport::Tls(Box::new(stream)))
    }

    pub fn plain(stream: TcpStream) -> MailStream {
        MailStream::new(Transport::Plain(stream))
    }

    fn new(transport: Transport) -> MailStream {
        MailStream {
            transport,
            framing: Framing::default(),
            held: BytesMut::new(),
            ready: 0,
            scratch: vec![0; READ_SIZE].into_boxed_slice(),
            failed: None,
        }
    }

    /// The next command's responses are for `purpose`, and held to its caps.
    pub fn expect(&mut self, purpose: Purpose) {
        self.framing.expect(purpose);
    }

    /// The plain TCP connection, to secure it after STARTTLS; `None` if this is TLS already,
    /// or if the server sent anything after its answer to STARTTLS (bytes it slipped in before
    /// the handshake must not be read as if they came through TLS).
    pub fn into_plain(self) -> Option<TcpStream> {
        match self.transport {
            Transport::Plain(tcp) if self.held.is_empty() => Some(tcp),
            _ => None,
        }
    }

    fn peer(&self) -> Option<SocketAddr> {
        match &self.transport {
            Transport::Tls(s) => s.get_ref().peer_addr().ok(),
            Transport::Plain(s) => s.peer_addr().ok(),
        }
    }
}

impl std::fmt::Debug for MailStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the bytes: they are someone's mail.
        f.debug_struct("MailStream")
            .field("transport", &self.transport)
            .field("held", &self.held.len())
            .field("failed", &self.failed)
            .finish_non_exhaustive()
    }
}

impl AsyncRead for MailStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        loop {
            if this.ready > 0 {
                let n = this.ready.min(buf.remaining());
                buf.put_slice(&this.held[..n]);
                this.held.advance(n);
                this.ready -= n;
                if this.held.is_empty() && this.held.capacity() > KEEP {
                    this.held = BytesMut::new();
                }
                return Poll::Ready(Ok(()));
            }
            if let Some(exceeded) = &this.failed {
                return Poll::Ready(Err(exceeded.clone().into()));
            }
            let mut read = ReadBuf::new(&mut this.scratch);
            ready!(Pin::new(&mut this.transport).poll_read(cx, &mut read))?;
            let bytes = read.filled();
            if bytes.is_empty() {
                // The server hung up; the start of a response it did not finish goes with it.
                return Poll::Ready(Ok(()));
            }
            match this.framing.feed(bytes) {
                Ok(ended) => {
                    let before = this.held.len();
                    this.held.extend_from_slice(bytes);
                    if let Some(end) = ended {
                        this.ready = before + end;
                    }
                }
                Err(exceeded) => {
                    tracing::warn!(
                        server = ?this.peer(),
                        purpose = %exceeded.purpose,
                        limit = ?exceeded.limit,
                        size = exceeded.size,
                        cap = exceeded.cap,
                        "the IMAP server sent more than Posta accepts; dropping the connection"
                    );
                    this.held = BytesMut::new();
                    this.failed = Some(exceeded.clone());
                    return Poll::Ready(Err(exceeded.into()));
                }
            }
        }
    }
}

impl AsyncWrite for MailStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        this.framing.writing();
        Pin::new(&mut this.transport).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().transport).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().transport).poll_shutdown(cx)
    }
}

impl AsyncRead for Transport {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Transport::Tls(s) => Pin::new(s.as_mut()).poll_read(cx, buf),
            Transport::Plain(s) => Pin::new(s).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Transport {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Transport::Tls(s) => Pin::new(s.as_mut()).poll_write(cx, buf),
            Transport::Plain(s) => Pin::new(s).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Transport::Tls(s) => Pin::new(s.as_mut()).poll_flush(cx),
            Transport::Plain(s) => Pin::new(s).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Transport::Tls(s) => Pin::new(s.as_mut()).poll_shutdown(cx),
            Transport::Plain(s) => Pin::new(s).poll_shutdown(cx),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
    use tokio::net::TcpListener;

    use super::*;
    use crate::imap::framing::Limit;

    /// A plain stream to a server that sends `greeting` a piece at a time (each its own read),
    /// then waits for one command line and answers it with `answer` (`TAG` in it replaced by
    /// the command's tag), then waits.
    async fn server(greeting: Vec<Vec<u8>>, answer: Vec<u8>) -> MailStream {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        tokio::spawn(async move {
            let (socket, _) = listener.accept().await.unwrap();
            let (read, mut write) = socket.into_split();
            for piece in greeting {
                write.write_all(&piece).await.unwrap();
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
            let mut lines = BufReader::new(read).lines();
            if let Ok(Some(line)) = lines.next_line().await {
                let tag = line.split(' ').next().unwrap_or_default();
                let answer = String::from_utf8(answer).unwrap().replace("TAG", tag);
                let _ = write.write_all(answer.as_bytes()).await;
            }
            while let Ok(Some(_)) = lines.next_line().await {}
        });
        MailStream::plain(TcpStream::connect(address).await.unwrap())
    }

    fn bytes(text: &[u8]) -> Vec<Vec<u8>> {
        text.iter().map(|b| vec![*b]).collect()
    }

    fn cap_in(error: &io::Error) -> &Exceeded {
        Exceeded::in_io(error).expect("a cap")
    }

    #[tokio::test]
    async fn responses_arriving_a_byte_at_a_time_are_handed_on_whole() {
        let fetch = b"* 1 FETCH (UID 7 BODY[] {12}\r\nab\r\n{5}\r\nxyz)\r\n";
        let mut stream = server(bytes(&[&b"* OK ready\r\n"[..], fetch].concat()), vec![]).await;
        let mut buf = vec![0; 4096];

        let n = stream.read(&mut buf).await.unwrap();
        assert_eq!(&buf[..n], b"* OK ready\r\n");
        let n = stream.read(&mut buf).await.unwrap();
        assert_eq!(&buf[..n], fetch);
    }

    #[tokio::test]
    async fn async_imap_reads_the_responses_it_is_handed() {
        let greeting = b"* OK [CAPABILITY IMAP4rev1] ready\r\n".to_vec();
        let answer = b"* 1 FETCH (UID 7 BODY[] {12}\r\nab\r\n{5}\r\nxyz)\r\nTAG OK done\r\n";
        let stream = server(vec![greeting], answer.to_vec()).await;
        let mut client = async_imap::Client::new(stream);
        client.read_response().await.unwrap().unwrap();
        client.run_command_and_check_ok("NOOP", None).await.unwrap();
    }

    #[tokio::test]
    async fn a_huge_literal_is_refused_at_its_announcement_and_every_read_after_fails() {
        let mut announced = b"* 1 FETCH (UID 1 BODY[] {524288000}\r\n".to_vec();
        announced.extend([b'x'; 64 * 1024]);
        let mut stream = server(vec![b"* OK ready\r\n".to_vec(), announced], vec![]).await;
        let mut buf = vec![0; 4096];
        assert_eq!(
            stream.read(&mut buf).await.unwrap(),
            b"* OK ready\r\n".len()
        );

        let error = stream.read(&mut buf).await.unwrap_err();
        let cap = cap_in(&error);
        assert_eq!((cap.limit, cap.size), (Limit::Literal, 524_288_000));
        assert_eq!(cap.purpose, Purpose::Command);
        let again = stream.read(&mut buf).await.unwrap_err();
        assert_eq!(cap_in(&again), cap_in(&error));
        assert_eq!(stream.held.len(), 0);
    }

    #[tokio::test]
    async fn a_line_without_end_is_refused_once_it_outgrows_the_cap() {
        let mut endless = b"* OK ".to_vec();
        endless.extend(vec![b'a'; 3 << 20]);
        let mut stream = server(vec![endless], vec![]).await;

        let error = stream.read(&mut vec![0; 4096]).await.unwrap_err();
        let cap = cap_in(&error);
        assert_eq!(cap.limit, Limit::Line);
        assert_eq!(cap.size, Purpose::Command.caps().line + 1);
    }

    #[tokio::test]
    async fn the_caps_expected_for_a_command_apply_to_its_answer() {
        let answer = b"* 1 FETCH (UID 1 BODY[1]<0> {4097}\r\n".to_vec();
        let mut stream = server(vec![b"* OK ready\r\n".to_vec()], answer).await;
        let mut buf = vec![0; 4096];
        assert_eq!(
            stream.read(&mut buf).await.unwrap(),
            b"* OK ready\r\n".len()
        );

        stream.expect(Purpose::Chunk(4096));
        stream
            .write_all(b"a1 UID FETCH 1 (BODY.PEEK[1]<0.4096>)\r\n")
            .await
            .unwrap();
        let error = stream.read(&mut buf).await.unwrap_err();
        let cap = cap_in(&error);
        assert_eq!((cap.limit, cap.cap), (Limit::Literal, 4096));
        assert_eq!(cap.purpose, Purpose::Chunk(4096));
    }
}
