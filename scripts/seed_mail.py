#!/usr/bin/env python3
r"""Deterministic mail seed for Posta's loopback Dovecot test stack.

Writes Maildir++ files directly (LAYOUT=fs, `/` delimiter) so that 10,000
messages take a second or two instead of ~100 s of IMAP APPEND. Every run
produces the same bytes, file names and mtimes (mtime = INTERNALDATE).
Used by scripts/mailstack; it can also be run by hand:

    seed_mail.py users                  # "local password inbox_size" lines
    seed_mail.py version                # seed version (hash of this file)
    seed_mail.py write ROOT [LOCAL...]  # (re)write ROOT/<local>/Maildir
    seed_mail.py mutf7 NAME             # a folder name as Dovecot stores it on disk

THE SEED (tests assert on this; bump nothing by hand, the version is the hash
of this file, so any edit here makes `mailstack start` reseed):

  Users (domain posta.test, password-file with SHA512-CRYPT hashes)
  | login                  | password          | INBOX  |
  |------------------------|-------------------|--------|
  | alice@posta.test       | alice-pass        | 10000  |
  | bob@posta.test         | bob-pass          | 120    |
  | carol@posta.test       | carol-pass        | 120    |
  | user01..user16@posta.test | pass-user01 ... | 120    |
  | corpus@posta.test      | corpus-pass       | the reading corpus, see seed_corpus.py |
  | bigmail@posta.test     | bigmail-pass      | 1: a 10 MiB attachment, see seed_corpus.py |
  | heavy01..heavy04@posta.test | pass-heavy01 ... | 600 (for bulk actions)     |
  | legacy@posta.test      | legacy-pass       | 120, legacy folders (below)   |
  | threads@posta.test     | threads-pass      | conversations (THREADS below) |

  Folders (everyone but legacy; names as the IMAP client sees them, delimiter "/"; all
  subscribed — the seeder writes Dovecot's subscriptions file)
  | folder          | special-use | messages | subjects                    |
  |-----------------|-------------|----------|-----------------------------|
  | INBOX           |             | N        | see below                   |
  | Sent            | \Sent       | 0        |                             |
  | Drafts          | \Drafts     | 0        |                             |
  | Trash           | \Trash      | 0        |                             |
  | Junk            | \Junk       | 0        |                             |
  | Archive         | \Archive    | 0        |                             |
  | Работа          |             | 2        | "Работа 1", "Работа 2"      |
  | Projects        |             | 0        |                             |
  | Projects/Rust   |             | 3        | "Rust 1" .. "Rust 3"        |
  | Архив           |             | 0        |                             |
  | Архив/2024      |             | 1        | "Archived 1"                |
  legacy@posta.test has what a server without SPECIAL-USE names in Russian: INBOX,
  «Отправленные», «Черновики», «Корзина», «Спам» (empty, no special-use flag: Dovecot
  only flags the English names), Работа, Projects, Projects/Rust — and no archive folder.
  IMAP (modified UTF-7) names: Работа = &BCAEMAQxBD4EQgQw-,
  Архив = &BBAEQARFBDgEMg-, Архив/2024 = &BBAEQARFBDgEMg-/2024.
  Folder messages are \Seen, from "Posta Seed <seed@posta.test>",
  dated 2023-12-01T09:00:00Z + k days (k = 1-based index in the folder).

  INBOX message n (1-based, UID n, oldest first), N = INBOX size. UIDVALIDITY is chosen by
  Dovecot at each (re)seed, so it differs between seeds; messages carry \Recent on first access.
  | what        | rule                                                             |
  |-------------|------------------------------------------------------------------|
  | Date        | 2024-01-01T00:00:00Z + n hours (header, INTERNALDATE, mtime)     |
  | Subject     | "Message {n:05}"  e.g. "Message 00042"                           |
  | From        | SENDERS[(n - 1) % 20] (list below; some RFC 2047 Cyrillic names) |
  | To          | the mailbox owner, e.g. alice@posta.test                         |
  | Message-ID  | <seed-{n:05}.{local}@posta.test>                                 |
  | body        | text/plain utf-8; contains "https://example.org/n/{n}" and a     |
  |             | line starting "> " (quote)                                       |
  | flags       | \Flagged if n % 7 == 0; unread if n % 3 == 0, else \Seen         |
  | attachment  | n % 10 == 0: multipart/mixed, text part + "report-{n}.pdf"       |
  |             | (application/pdf, base64, a few hundred bytes)                   |
  The five newest replace the rule above (flags still follow the rule):
  | n   | Subject (decoded)        | structure                                         |
  |-----|--------------------------|---------------------------------------------------|
  | N   | Привет из UTF-8          | text/plain utf-8, 8bit; RFC 2047 B subject;       |
  |     |                          | body has "Съешь же ещё этих мягких французских булок" |
  | N-1 | Письмо в KOI8-R          | text/plain koi8-r, 8bit; subject =?KOI8-R?B?..?=; same pangram |
  | N-2 | Письмо в windows-1251    | text/plain windows-1251, quoted-printable;        |
  |     |                          | subject =?windows-1251?Q?..?=; same pangram       |
  | N-3 | HTML only newsletter     | text/html only: <p>Hello from HTML</p>, <script>alert(1)</script>, |
  |     |                          | <img src="http://127.0.0.1:9/tracker.gif">,       |
  |     |                          | <a href="javascript:alert(2)">click</a>, <p onclick="alert(3)"> |
  | N-4 | Alternative parts        | multipart/alternative: text/plain "plain version",|
  |     |                          | text/html "html version"                          |
  Resulting flags of the five newest (S = \Seen, F = \Flagged, - = none):
    N = 10000: 10000 S, 9999 -, 9998 S, 9997 S, 9996 F (unread)
    N = 120:   120 -,   119 FS, 118 S,  117 -,  116 S
"""

import base64
import hashlib
import os
import shutil
import sys
from datetime import datetime, timedelta, timezone

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import seed_corpus  # noqa: E402  (next to this file)

DOMAIN = "posta.test"
EPOCH = datetime(2024, 1, 1, tzinfo=timezone.utc)
FOLDER_EPOCH = datetime(2023, 12, 1, 9, 0, tzinfo=timezone.utc)
BIG_INBOX = 10_000
SMALL_INBOX = 120
PANGRAM = "Съешь же ещё этих мягких французских булок, да выпей же чаю."

# Conversations for threads@posta.test, oldest first: (key, parent key or None, subject,
# sender, how the reply points at its parent). "refs": In-Reply-To and References; "irt":
# In-Reply-To only; "none": no threading headers at all (grouped by subject only).
THREADS = [
    ("plan", None, "Release plan", "Anna <anna@example.ru>", "refs"),
    ("lunch", None, "Lunch on Friday?", "Bob <bob@example.org>", "refs"),
    ("plan-1", "plan", "Re: Release plan", "Ivan <ivan@example.ru>", "refs"),
    ("invoice", None, "Invoice 42", "Billing <billing@shop.example>", "refs"),
    ("plan-2", "plan-1", "Re: Re: Release plan", "Anna <anna@example.ru>", "refs"),
    ("lunch-1", "lunch", "Re: Lunch on Friday?", "Carol <carol@example.org>", "irt"),
    ("plan-3", "plan", "RE: Release plan", "Olga <olga@example.ru>", "refs"),
    ("trip", None, "Поездка в Казань", "Мария <maria@example.ru>", "refs"),
    ("trip-1", "trip", "Re: Поездка в Казань", "Сергей <sergey@example.ru>", "refs"),
    ("lunch-2", "lunch-1", "Re: Lunch on Friday?", "Bob <bob@example.org>", "irt"),
    ("old", None, "Weekly report", "Boss <boss@example.org>", "refs"),
    ("old-1", "old", "Re: Weekly report", "Me <threads@posta.test>", "none"),
    ("plan-4", "plan-2", "Re: Release plan", "Ivan <ivan@example.ru>", "refs"),
    ("trip-2", "trip-1", "Re: Поездка в Казань", "Мария <maria@example.ru>", "refs"),
]


# (local part, password, INBOX size)
USERS = (
    [("alice", "alice-pass", BIG_INBOX), ("bob", "bob-pass", SMALL_INBOX),
     ("carol", "carol-pass", SMALL_INBOX)]
    + [(f"user{i:02}", f"pass-user{i:02}", SMALL_INBOX) for i in range(1, 17)]
    + [("corpus", "corpus-pass", len(seed_corpus.corpus())), ("bigmail", "bigmail-pass", 1)]
    + [(f"heavy{i:02}", f"pass-heavy{i:02}", 600) for i in range(1, 5)]
    + [("legacy", "legacy-pass", SMALL_INBOX)]
    + [("threads", "threads-pass", len(THREADS))]
)

# Special-use folders: created empty (dovecot.conf flags these names with special_use).
SPECIAL_FOLDERS = ["Sent", "Drafts", "Trash", "Junk", "Archive"]
# The legacy user's role folders: named as Russian providers do, with no special-use flag.
LEGACY_FOLDERS = ["Отправленные", "Черновики", "Корзина", "Спам"]
# Other folders: name -> list of subjects (parents listed before children).
EXTRA_FOLDERS = {
    "Работа": ["Работа 1", "Работа 2"],
    "Projects": [],
    "Projects/Rust": ["Rust 1", "Rust 2", "Rust 3"],
    "Архив": [],
    "Архив/2024": ["Archived 1"],
}

# 20 senders: (display name or "", address). Non-ASCII names are RFC 2047 encoded.
SENDERS = [
    ("Иван Петров", "ivan.petrov@example.ru"),
    ("GitHub", "noreply@github.example"),
    ("Анна Смирнова", "anna@example.ru"),
    ("Bob Builder", "bob@posta.test"),
    ("", "billing@shop.example"),
    ("Carol Danvers", "carol@posta.test"),
    ("Ольга Кузнецова", "olga.k@example.org"),
    ("Rust Weekly", "newsletter@rust-weekly.example"),
    ("Dmitry Volkov", "dvolkov@example.com"),
    ("Служба поддержки", "support@example.ru"),
    ("Eve Mallory", "eve@example.net"),
    ("Frank O'Neil", "frank@example.com"),
    ("Grace Hopper", "grace@navy.example"),
    ("Мария Иванова", "maria@example.ru"),
    ("Heinz Müller", "heinz@example.de"),
    ("", "alerts@monitoring.example"),
    ("Ivan Ivanov", "ivan@example.com"),
    ("Jürgen Weiß", "juergen@example.de"),
    ("Сергей Соколов", "sergey@example.ru"),
    ("Zoë Keating", "zoe@example.org"),
]


def seed_version() -> str:
    digest = hashlib.sha256()
    for path in (__file__, seed_corpus.__file__):
        with open(path, "rb") as f:
            digest.update(f.read())
    return digest.hexdigest()[:16]


# ---------------------------------------------------------------- encoding helpers

def mutf7(name: str) -> str:
    """IMAP modified UTF-7 (RFC 3501 5.1.3), per hierarchy level ('/' kept)."""
    out, run = [], []

    def flush():
        if run:
            raw = "".join(run).encode("utf-16-be")
            out.append("&" + base64.b64encode(raw).decode().rstrip("=").replace("/", ",") + "-")
            run.clear()

    for ch in name:
        if 0x20 <= ord(ch) <= 0x7E:
            flush()
            out.append("&-" if ch == "&" else ch)
        else:
            run.append(ch)
    flush()
    return "".join(out)


def b_word(text: str, charset: str = "UTF-8") -> str:
    """RFC 2047 B encoded-word (short texts only: one word)."""
    codec = {"KOI8-R": "koi8_r", "windows-1251": "cp1251"}.get(charset, "utf-8")
    return f"=?{charset}?B?{base64.b64encode(text.encode(codec)).decode()}?="


def q_word(text: str, charset: str, codec: str) -> str:
    """RFC 2047 Q encoded-word."""
    out = []
    for b in text.encode(codec):
        c = chr(b)
        if c == " ":
            out.append("_")
        elif c.isascii() and c.isalnum():
            out.append(c)
        else:
            out.append(f"={b:02X}")
    return f"=?{charset}?Q?{''.join(out)}?="


def qp_body(data: bytes) -> bytes:
    """Quoted-printable body (lines are short: no soft breaks needed)."""
    lines = []
    for line in data.split(b"\n"):
        enc = []
        for i, b in enumerate(line):
            last = i == len(line) - 1
            if (33 <= b <= 126 and b != ord("=")) or (b == 32 and not last):
                enc.append(chr(b))
            else:
                enc.append(f"={b:02X}")
        lines.append("".join(enc))
    return "\n".join(lines).encode("ascii")


def address(name: str, addr: str) -> str:
    if not name:
        return addr
    if name.isascii():
        return f'"{name}" <{addr}>' if ("'" in name or "," in name) else f"{name} <{addr}>"
    return f"{b_word(name)} <{addr}>"


def rfc5322_date(dt: datetime) -> str:
    days = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    return (f"{days[dt.weekday()]}, {dt.day:02} {months[dt.month - 1]} {dt.year} "
            f"{dt.hour:02}:{dt.minute:02}:{dt.second:02} +0000")


def b64_lines(data: bytes) -> bytes:
    enc = base64.b64encode(data)
    return b"\n".join(enc[i:i + 76] for i in range(0, len(enc), 76))


# ---------------------------------------------------------------- messages

def headers(pairs) -> bytes:
    return "".join(f"{k}: {v}\n" for k, v in pairs).encode("utf-8")


def fake_pdf(n: int) -> bytes:
    body = (f"%PDF-1.4\n% Posta seed report {n}\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
            f"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n"
            f"% padding {'x' * (n % 97)}\ntrailer << /Root 1 0 R >>\n%%EOF\n")
    return body.encode("ascii")


def inbox_message(local: str, n: int, total: int, date: datetime) -> bytes:
    owner = f"{local}@{DOMAIN}"
    common = [
        ("Date", rfc5322_date(date)),
        ("Message-ID", f"<seed-{n:05}.{local}@{DOMAIN}>"),
        ("To", owner),
    ]
    mime = ("MIME-Version", "1.0")
    from_ru = ("From", address("Иван Петров", "ivan.petrov@example.ru"))
    k = total - n  # 0 = newest

    if k == 0:
        body = (f"Привет!\n\n{PANGRAM}\n\nЭто письмо в кодировке UTF-8.\n"
                f"Подробности: https://example.org/n/{n}\n\n> Цитата из прошлого письма.\n").encode("utf-8")
        return headers([from_ru, *common, ("Subject", b_word("Привет из UTF-8")), mime,
                        ("Content-Type", "text/plain; charset=utf-8"),
                        ("Content-Transfer-Encoding", "8bit")]) + b"\n" + body
    if k == 1:
        text = f"Здравствуйте!\n\n{PANGRAM}\n\nЭто письмо в кодировке KOI8-R.\n"
        return headers([from_ru, *common, ("Subject", b_word("Письмо в KOI8-R", "KOI8-R")), mime,
                        ("Content-Type", "text/plain; charset=koi8-r"),
                        ("Content-Transfer-Encoding", "8bit")]) + b"\n" + text.encode("koi8_r")
    if k == 2:
        text = f"Добрый день!\n\n{PANGRAM}\n\nЭто письмо в кодировке windows-1251.\n"
        return headers([from_ru, *common,
                        ("Subject", q_word("Письмо в windows-1251", "windows-1251", "cp1251")), mime,
                        ("Content-Type", "text/plain; charset=windows-1251"),
                        ("Content-Transfer-Encoding", "quoted-printable")]) + b"\n" + qp_body(text.encode("cp1251"))
    if k == 3:
        html = ("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Newsletter</title>\n"
                "<style>p { font-family: sans-serif; }</style></head>\n<body>\n"
                "<p>Hello from HTML</p>\n"
                "<script>alert(1)</script>\n"
                "<img src=\"http://127.0.0.1:9/tracker.gif\" width=\"1\" height=\"1\" alt=\"\">\n"
                "<p><a href=\"javascript:alert(2)\">click</a></p>\n"
                "<p onclick=\"alert(3)\">Paragraph with an onclick handler.</p>\n"
                f"<p><a href=\"https://example.org/n/{n}\">Read it online</a></p>\n"
                "</body></html>\n")
        return headers([("From", address("Rust Weekly", "newsletter@rust-weekly.example")), *common,
                        ("Subject", "HTML only newsletter"), mime,
                        ("Content-Type", "text/html; charset=utf-8"),
                        ("Content-Transfer-Encoding", "8bit")]) + b"\n" + html.encode("utf-8")
    if k == 4:
        bnd = f"=_posta_alt_{n}"
        body = (f"This is a multi-part message in MIME format.\n\n--{bnd}\n"
                "Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 7bit\n\n"
                "This is the plain version of the message.\n\n"
                f"--{bnd}\nContent-Type: text/html; charset=utf-8\nContent-Transfer-Encoding: 7bit\n\n"
                "<html><body><p>This is the <b>html version</b> of the message.</p></body></html>\n\n"
                f"--{bnd}--\n")
        return headers([("From", address("Grace Hopper", "grace@navy.example")), *common,
                        ("Subject", "Alternative parts"), mime,
                        ("Content-Type", f"multipart/alternative; boundary=\"{bnd}\"")]) + b"\n" + body.encode()

    name, addr = SENDERS[(n - 1) % len(SENDERS)]
    text = (f"Hello {local},\n\n"
            f"this is seed message {n} of {total}.\n"
            f"Details: https://example.org/n/{n}\n\n"
            f"> Earlier you wrote about message {n - 1}.\n\n"
            f"-- \n{name or addr}\n")
    top = [("From", address(name, addr)), *common, ("Subject", f"Message {n:05}"), mime]
    if n % 10 != 0:
        return headers(top + [("Content-Type", "text/plain; charset=utf-8"),
                              ("Content-Transfer-Encoding", "8bit")]) + b"\n" + text.encode("utf-8")
    bnd = f"=_posta_mixed_{n}"
    head = headers(top + [("Content-Type", f"multipart/mixed; boundary=\"{bnd}\"")])
    parts = (f"This is a multi-part message in MIME format.\n\n--{bnd}\n"
             "Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n").encode() \
        + text.encode("utf-8") \
        + (f"\n--{bnd}\nContent-Type: application/pdf; name=\"report-{n}.pdf\"\n"
           f"Content-Disposition: attachment; filename=\"report-{n}.pdf\"\n"
           "Content-Transfer-Encoding: base64\n\n").encode() \
        + b64_lines(fake_pdf(n)) + f"\n\n--{bnd}--\n".encode()
    return head + b"\n" + parts


def folder_message(local: str, folder: str, k: int, subject: str, date: datetime) -> bytes:
    subj = subject if subject.isascii() else b_word(subject)
    text = f"{subject}\n\nSeed message {k} in folder {folder}.\nhttps://example.org/f/{k}\n"
    tag = hashlib.sha1(folder.encode()).hexdigest()[:8]
    return headers([("From", "Posta Seed <seed@posta.test>"),
                    ("To", f"{local}@{DOMAIN}"),
                    ("Date", rfc5322_date(date)),
                    ("Message-ID", f"<seed-{tag}-{k}.{local}@{DOMAIN}>"),
                    ("Subject", subj), ("MIME-Version", "1.0"),
                    ("Content-Type", "text/plain; charset=utf-8"),
                    ("Content-Transfer-Encoding", "8bit")]) + b"\n" + text.encode("utf-8")


# ---------------------------------------------------------------- maildir writing

def make_maildir(path: str) -> int:
    """Create path/{cur,new,tmp}; return an open descriptor of path/cur."""
    for sub in ("cur", "new", "tmp"):
        os.makedirs(os.path.join(path, sub), mode=0o700, exist_ok=True)
    return os.open(os.path.join(path, "cur"), os.O_RDONLY | os.O_DIRECTORY)


def store(cur_fd: int, seq: int, date: datetime, data: bytes, flags: str) -> None:
    """Write one message into a maildir's cur/ with a deterministic name and mtime.

    S= is the file size and W= the size with CRLF line ends, so Dovecot never
    has to read the file just to answer RFC822.SIZE. (Relative to an open
    directory: path lookups are the expensive part of writing 10,000 files.)
    """
    ts = int(date.timestamp())
    vsize = len(data) + data.count(b"\n")
    name = f"{ts}.M{seq:06}P1.posta-seed,S={len(data)},W={vsize}:2,{flags}"
    fd = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600, dir_fd=cur_fd)
    try:
        os.write(fd, data)
        os.utime(fd, (ts, ts))
    finally:
        os.close(fd)


def inbox_flags(n: int) -> str:
    # Maildir flag letters must be in ASCII order: F (flagged) before S (seen).
    return ("F" if n % 7 == 0 else "") + ("" if n % 3 == 0 else "S")




def thread_message(n: int, key: str, parent, subject: str, sender: str, link: str,
                   date: datetime) -> bytes:
    by_key = {t[0]: t for t in THREADS}
    chain = []
    p = parent
    while p:
        chain.insert(0, p)
        p = by_key[p][1]
    mid = lambda k: f"<thread-{k}@{DOMAIN}>"
    pairs = [("From", address(*_split(sender))), ("To", f"threads@{DOMAIN}"),
             ("Date", rfc5322_date(date)), ("Message-ID", mid(key)),
             ("Subject", subject if subject.isascii() else b_word(subject))]
    if parent and link in ("refs", "irt"):
        pairs.append(("In-Reply-To", mid(parent)))
    if parent and link == "refs":
        pairs.append(("References", " ".join(mid(k) for k in chain)))
    pairs += [("MIME-Version", "1.0"), ("Content-Type", "text/plain; charset=utf-8"),
              ("Content-Transfer-Encoding", "8bit")]
    return headers(pairs) + b"\n" + f"Message {n} of the conversations ({key}).\n".encode()


def _split(sender: str):
    name, addr = sender.rsplit(" <", 1)
    return name, addr.rstrip(">")


def user_folders(local: str) -> dict:
    """Every folder of a user but INBOX: name -> subjects of its seeded messages."""
    if local == "legacy":
        empty = {name: [] for name in LEGACY_FOLDERS}
        kept = {k: v for k, v in EXTRA_FOLDERS.items() if not k.startswith("Архив")}
        return {**empty, **kept}
    return {**{name: [] for name in SPECIAL_FOLDERS}, **EXTRA_FOLDERS}


def write_subscriptions(maildir: str, folders) -> None:
    """Dovecot's subscriptions file: a version line, a blank line, then one folder a line,
    each level in modified UTF-7 and levels joined by tabs."""
    lines = ["V\t2", ""] + ["\t".join(mutf7(p) for p in f.split("/")) for f in folders]
    with open(os.path.join(maildir, "subscriptions"), "w") as out:
        out.write("\n".join(lines) + "\n")


def write_user(root: str, local: str, inbox_size: int) -> int:
    maildir = os.path.join(root, local, "Maildir")
    if os.path.exists(maildir):
        shutil.rmtree(maildir)
    cur = make_maildir(maildir)
    if local == "threads":
        for n, (key, parent, subject, sender, link) in enumerate(THREADS, start=1):
            date = EPOCH + timedelta(hours=n)
            store(cur, n, date, thread_message(n, key, parent, subject, sender, link, date), "S")
        inbox_size = len(THREADS)
    elif local in ("corpus", "bigmail"):
        messages = seed_corpus.corpus() if local == "corpus" else [seed_corpus.big_message()]
        for n, message in enumerate(messages, start=1):
            date = EPOCH + timedelta(hours=n)
            top = headers([("Date", rfc5322_date(date)), ("To", f"{local}@{DOMAIN}"),
                           ("Message-ID", f"<corpus-{n:03}@{DOMAIN}>")])
            store(cur, n, date, top + message, "")
    else:
        for n in range(1, inbox_size + 1):
            date = EPOCH + timedelta(hours=n)
            store(cur, n, date, inbox_message(local, n, inbox_size, date), inbox_flags(n))
    os.close(cur)
    count = inbox_size
    folders = user_folders(local)
    for folder, subjects in folders.items():
        # On disk each level of the name is in modified UTF-7, like Dovecot's own LAYOUT=fs.
        cur = make_maildir(os.path.join(maildir, *(mutf7(part) for part in folder.split("/"))))
        for k, subject in enumerate(subjects, start=1):
            date = FOLDER_EPOCH + timedelta(days=k)
            store(cur, k, date, folder_message(local, folder, k, subject, date), "S")
            count += 1
        os.close(cur)
    write_subscriptions(maildir, folders)
    return count


def main(argv) -> int:
    if not argv:
        print(__doc__)
        return 2
    cmd, args = argv[0], argv[1:]
    if cmd == "users":
        for local, password, size in USERS:
            print(local, password, size)
    elif cmd == "version":
        print(seed_version())
    elif cmd == "mutf7":
        for name in args:
            print(mutf7(name))
    elif cmd == "write":
        if not args:
            print("usage: seed_mail.py write ROOT [LOCAL...]", file=sys.stderr)
            return 2
        root, only = args[0], set(args[1:])
        known = {u[0] for u in USERS}
        if only - known:
            print(f"unknown seed user(s): {' '.join(sorted(only - known))}", file=sys.stderr)
            return 2
        total = 0
        for local, _password, size in USERS:
            if not only or local in only:
                total += write_user(root, local, size)
        print(f"seeded {total} messages for {len(only) or len(USERS)} user(s)", file=sys.stderr)
    else:
        print(f"unknown command {cmd!r}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
