"""A small HTTP/1.1 file server that honours byte ranges (single and multi-range), for tests.

Python's http.server ignores `Range`; ROOT's HTTP client (TWebFile) reads a file through ranged GETs, several
ranges per request. `fail_first` answers that many requests with 503 (a transient error); `die_after` stops
answering (connection closed) once that many requests were served, like a server that disappears mid-file.
"""

from __future__ import annotations

import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

_RANGE = re.compile(r"(\d*)-(\d*)")
BOUNDARY = "higgshunt-range-boundary"


class RangeServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, root: Path, host: str = "127.0.0.2") -> None:
        self.root = root
        self.fail_first = 0
        self.die_after: int | None = None
        self.requests = 0
        self.lock = threading.Lock()
        super().__init__((host, 0), _Handler)
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> RangeServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.shutdown()
        self.server_close()
        self.thread.join(timeout=5)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: RangeServer

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - quiet test output
        pass

    def do_HEAD(self) -> None:
        self._answer(body=False)

    def do_GET(self) -> None:
        self._answer(body=True)

    def _answer(self, *, body: bool) -> None:
        with self.server.lock:
            self.server.requests += 1
            count = self.server.requests
        if self.server.die_after is not None and count > self.server.die_after:
            self.close_connection = True
            self.connection.close()
            return
        if count <= self.server.fail_first:
            self._send(503, b"busy", {"Retry-After": "0"}, body)
            return
        path = self.server.root / self.path.split("?")[0].lstrip("/")
        if not path.is_file():
            self._send(404, b"not found", {}, body)
            return
        data = path.read_bytes()
        header = self.headers.get("Range")
        if not header or not header.startswith("bytes="):
            self._send(200, data, {"Accept-Ranges": "bytes"}, body)
            return
        spans = [_span(part, len(data)) for part in header[len("bytes=") :].split(",")]
        if len(spans) == 1:
            start, end = spans[0]
            self._send(
                206, data[start : end + 1], {"Content-Range": f"bytes {start}-{end}/{len(data)}"}, body
            )
            return
        parts = b"".join(
            f"--{BOUNDARY}\r\nContent-Type: application/octet-stream\r\n"
            f"Content-Range: bytes {start}-{end}/{len(data)}\r\n\r\n".encode()
            + data[start : end + 1]
            + b"\r\n"
            for start, end in spans
        )
        parts += f"--{BOUNDARY}--\r\n".encode()
        self._send(206, parts, {"Content-Type": f"multipart/byteranges; boundary={BOUNDARY}"}, body)

    def _send(self, status: int, payload: bytes, headers: dict[str, str], body: bool) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if body:
            self.wfile.write(payload)


def _span(part: str, size: int) -> tuple[int, int]:
    match = _RANGE.fullmatch(part.strip())
    if match is None:
        return 0, size - 1
    first, last = match.groups()
    if not first:  # suffix range: the last N bytes
        return max(0, size - int(last)), size - 1
    return int(first), min(size - 1, int(last)) if last else size - 1
