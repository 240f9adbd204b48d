#!/usr/bin/env python3
r"""Records the seeds of the `imap_response` fuzz target (fuzz/corpus/imap_response/): what
the test mail stack's Dovecot (scripts/mailstack) really answers to the commands Posta sends,
one file per command, each the server's bytes from the first untagged response to the tagged
completion (the greeting is a file of its own).

    scripts/mailstack start                      # once; the seed mail (scripts/seed_mail.py)
    scripts/record_imap_corpus.py [OUT_DIR]      # default fuzz/corpus/imap_response

Only reads: EXAMINE, SELECT (which clears nothing the tests look at), FETCH with BODY.PEEK
and BINARY.PEEK, SEARCH, SORT, THREAD, LIST, LSUB, STATUS, NAMESPACE, ID, IDLE. Answers of
more than MAX_SEED bytes are left out, so every seed stays small. The recorded files are
committed: run this again only when the seed mail or the commands Posta sends change
(the output is deterministic apart from dates and UIDVALIDITY values).

Where the stack is: $POSTA_STACK_DIR/stack.env (default target/mailstack), as the tests find it.
"""

import os
import pathlib
import re
import socket
import ssl
import sys

REPO = pathlib.Path(__file__).resolve().parent.parent
MAX_SEED = 6 * 1024


def stack_env():
    state = pathlib.Path(os.environ.get("POSTA_STACK_DIR", REPO / "target" / "mailstack"))
    env = {}
    for line in (state / "stack.env").read_text().splitlines():
        key, _, value = line.partition("=")
        env[key] = value
    return env


class Session:
    """One IMAPS connection, reading responses the way the protocol frames them: lines,
    with `{n}` literals inside them."""

    def __init__(self, host, port, ca):
        context = ssl.create_default_context(cafile=ca)
        context.check_hostname = False
        raw = socket.create_connection((host, port), timeout=10)
        self.sock = context.wrap_socket(raw)
        self.buf = b""
        self.n = 0

    def _fill(self):
        chunk = self.sock.recv(65536)
        if not chunk:
            raise EOFError("the server closed the connection")
        self.buf += chunk

    def _line(self):
        """One line with its literals, CRLF included."""
        out = b""
        while True:
            while b"\r\n" not in self.buf:
                self._fill()
            line, self.buf = self.buf.split(b"\r\n", 1)
            out += line + b"\r\n"
            m = re.search(rb"\{(\d+)\+?\}$", line)
            if not m:
                return out
            size = int(m.group(1))
            while len(self.buf) < size:
                self._fill()
            out += self.buf[:size]
            self.buf = self.buf[size:]

    def greeting(self):
        return self._line()

    def command(self, text, until_continuation=False):
        """Sends `text` with a fresh tag; returns everything up to and including the tagged
        answer (or the first continuation request, when asked)."""
        self.n += 1
        tag = f"p{self.n}".encode()
        self.sock.sendall(tag + b" " + text.encode() + b"\r\n")
        return self.read_until(tag, until_continuation)

    def read_until(self, tag, until_continuation=False):
        out = b""
        while True:
            line = self._line()
            out += line
            if line.startswith(tag + b" ") or (until_continuation and line.startswith(b"+")):
                return out

    def send_raw(self, text):
        self.sock.sendall(text.encode() + b"\r\n")


class Recorder:
    def __init__(self, out):
        self.out = out
        self.kept = 0
        self.skipped = []

    def keep(self, name, data):
        if len(data) > MAX_SEED:
            self.skipped.append(f"{name} ({len(data)} bytes)")
            return
        (self.out / name).write_bytes(data)
        self.kept += 1


def login(env, host_key, user, password, rec, prefix):
    url = env[host_key]
    host, port = re.match(r"imaps://([^:/]+):(\d+)", url).groups()
    s = Session(host, int(port), env["POSTA_TEST_CA"])
    rec.keep(f"{prefix}-greeting", s.greeting())
    rec.keep(f"{prefix}-capability", s.command("CAPABILITY"))
    rec.keep(f"{prefix}-login", s.command(f'LOGIN "{user}" "{password}"'))
    return s


def record_corpus_user(env, rec):
    """The reading corpus: every MIME structure the seed mail has."""
    s = login(env, "POSTA_TEST_IMAPS", "corpus@posta.test", "corpus-pass", rec, "corpus")
    rec.keep("corpus-id", s.command('ID ("name" "Posta")'))
    rec.keep("corpus-namespace", s.command("NAMESPACE"))
    rec.keep("corpus-enable-condstore", s.command("ENABLE CONDSTORE"))
    rec.keep("corpus-status", s.command('STATUS "INBOX" (MESSAGES UNSEEN UIDNEXT UIDVALIDITY)'))
    rec.keep("corpus-examine-condstore", s.command('EXAMINE "INBOX" (CONDSTORE)'))
    rec.keep("corpus-select", s.command('SELECT "INBOX"'))
    uids = s.command("UID SEARCH ALL")
    rec.keep("corpus-uid-search", uids)
    numbers = [int(n) for n in re.findall(rb"\d+", uids.split(b"\r\n")[0])]
    rec.keep("corpus-esearch", s.command("UID SEARCH RETURN (ALL COUNT) ALL"))
    rec.keep("corpus-esearch-min-max", s.command("UID SEARCH RETURN (MIN MAX COUNT) UNSEEN"))
    rec.keep("corpus-sort", s.command("UID SORT (REVERSE ARRIVAL) UTF-8 ALL"))
    rec.keep("corpus-esort", s.command("UID SORT RETURN (ALL COUNT) (SUBJECT) UTF-8 ALL"))
    rec.keep("corpus-thread-refs", s.command("UID THREAD REFS UTF-8 ALL"))
    for uid in numbers:
        # The list's items, one message at a time, so each seed stays small.
        rec.keep(f"corpus-list-{uid}", s.command(
            f"UID FETCH {uid} (UID FLAGS ENVELOPE INTERNALDATE RFC822.SIZE BODYSTRUCTURE)"))
        rec.keep(f"corpus-headers-{uid}", s.command(
            f"UID FETCH {uid} (UID BODY.PEEK[HEADER.FIELDS (REFERENCES IN-REPLY-TO MESSAGE-ID "
            f"FROM TO CC SUBJECT DATE CONTENT-TYPE)])"))
        rec.keep(f"corpus-text-{uid}", s.command(
            f"UID FETCH {uid} (UID BODY.PEEK[1]<0.1024>)"))
        rec.keep(f"corpus-binary-{uid}", s.command(
            f"UID FETCH {uid} (UID BINARY.PEEK[1]<0.512>)"))
        rec.keep(f"corpus-modseq-{uid}", s.command(f"UID FETCH {uid} (UID FLAGS MODSEQ)"))
    idle = s.command("IDLE", until_continuation=True)
    s.send_raw("DONE")
    rec.keep("corpus-idle", idle + s.read_until(f"p{s.n}".encode()))
    rec.keep("corpus-logout", s.command("LOGOUT"))


def record_folders(env, rec, host_key, user, password, prefix):
    """Folder lists: special-use, nesting, modified UTF-7 names, subscriptions, counts."""
    s = login(env, host_key, user, password, rec, prefix)
    rec.keep(f"{prefix}-list-extended", s.command(
        'LIST "" "*" RETURN (SUBSCRIBED SPECIAL-USE STATUS (MESSAGES UNSEEN))'))
    rec.keep(f"{prefix}-list", s.command('LIST "" "*"'))
    rec.keep(f"{prefix}-lsub", s.command('LSUB "" "*"'))
    rec.keep(f"{prefix}-status-nested", s.command(
        'STATUS "&BBAEQARFBDgEMg-/2024" (MESSAGES UNSEEN)'))
    rec.keep(f"{prefix}-examine", s.command('EXAMINE "Projects/Rust"'))
    rec.keep(f"{prefix}-fetch-flags", s.command("FETCH 1:* (UID FLAGS RFC822.SIZE)"))
    rec.keep(f"{prefix}-logout", s.command("LOGOUT"))


def record_threads(env, rec):
    s = login(env, "POSTA_TEST_IMAPS", "threads@posta.test", "threads-pass", rec, "threads")
    rec.keep("threads-examine", s.command('EXAMINE "INBOX"'))
    rec.keep("threads-refs", s.command("UID THREAD REFS UTF-8 ALL"))
    rec.keep("threads-references", s.command("UID THREAD REFERENCES UTF-8 ALL"))
    rec.keep("threads-orderedsubject", s.command("UID THREAD ORDEREDSUBJECT UTF-8 ALL"))
    rec.keep("threads-sort-date", s.command("UID SORT (DATE) UTF-8 ALL"))
    rec.keep("threads-headers", s.command(
        "FETCH 1:4 (UID ENVELOPE BODY.PEEK[HEADER.FIELDS (REFERENCES)])"))
    rec.keep("threads-logout", s.command("LOGOUT"))


def main(argv):
    out = pathlib.Path(argv[0]) if argv else REPO / "fuzz" / "corpus" / "imap_response"
    out.mkdir(parents=True, exist_ok=True)
    env = stack_env()
    rec = Recorder(out)
    record_corpus_user(env, rec)
    record_folders(env, rec, "POSTA_TEST_IMAPS", "alice@posta.test", "alice-pass", "alice")
    record_folders(env, rec, "POSTA_TEST_IMAPS", "legacy@posta.test", "legacy-pass", "legacy")
    # The "basic server": the same mail without SORT, THREAD, ESEARCH, SPECIAL-USE…
    record_folders(env, rec, "POSTA_TEST_IMAPS_BASIC", "bob@posta.test", "bob-pass", "basic")
    record_threads(env, rec)
    print(f"{rec.kept} seeds in {out}")
    for name in rec.skipped:
        print(f"left out, too big: {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
