"""Loopback receivers for delivery tests: a webhook (http.server) and a minimal SMTP server.

Both bind 127.0.0.1 on a free port, run in a daemon thread and record what they receive.
"""

from __future__ import annotations

import email
import email.policy
import json
import socketserver
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any


@dataclass
class Inbox:
    """What a receiver got; ``errcode`` is what the webhook answers (0 = success)."""

    posts: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    mails: list[tuple[str, list[str], EmailMessage]] = field(default_factory=list)
    errcode: int = 0


@contextmanager
def webhook_receiver() -> Iterator[tuple[str, Inbox]]:
    """(base URL, inbox) of a WeCom/DingTalk-like robot that records JSON posts."""
    inbox = Inbox()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = json.loads(self.rfile.read(length).decode("utf-8"))
            inbox.posts.append((self.path, body))
            answer = json.dumps({"errcode": inbox.errcode, "errmsg": "ok"}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, format: str, *args: object) -> None:
            return

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", inbox
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


@contextmanager
def smtp_receiver() -> Iterator[tuple[int, Inbox]]:
    """(port, inbox) of an SMTP server speaking EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT."""
    inbox = Inbox()

    class Handler(socketserver.StreamRequestHandler):
        def reply(self, line: str) -> None:
            self.wfile.write((line + "\r\n").encode())
            self.wfile.flush()

        def handle(self) -> None:
            self.reply("220 localhost test SMTP")
            sender, rcpts = "", []
            while True:
                raw = self.rfile.readline()
                if not raw:
                    return
                cmd = raw.decode("utf-8", "replace").strip()
                verb = cmd.split(" ", 1)[0].upper()
                if verb == "EHLO":
                    self.wfile.write(b"250-localhost\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n")
                    self.wfile.flush()
                elif verb == "HELO" or verb in ("RSET", "NOOP"):
                    self.reply("250 ok")
                elif verb == "MAIL":
                    sender = cmd.split(":", 1)[1].split()[0].strip("<>")
                    self.reply("250 ok")
                elif verb == "RCPT":
                    rcpts.append(cmd.split(":", 1)[1].strip().strip("<>"))
                    self.reply("250 ok")
                elif verb == "DATA":
                    self.reply("354 end with <CRLF>.<CRLF>")
                    lines = []
                    while True:
                        line = self.rfile.readline()
                        if line in (b".\r\n", b".\n", b""):
                            break
                        lines.append(line[1:] if line.startswith(b"..") else line)
                    msg = email.message_from_bytes(b"".join(lines), policy=email.policy.default)
                    assert isinstance(msg, EmailMessage)
                    inbox.mails.append((sender, list(rcpts), msg))
                    rcpts = []
                    self.reply("250 queued")
                elif verb == "QUIT":
                    self.reply("221 bye")
                    return
                else:
                    self.reply("502 not implemented")

    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1], inbox
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
