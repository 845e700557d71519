"""A stand-in SMS gateway for tests: a real HTTP server on 127.0.0.1 (loopback only), in a thread,
that records what it receives and answers with the statuses it is told to."""

import http.server
import json
import threading
from dataclasses import dataclass, field


@dataclass
class Received:
    path: str
    headers: dict
    body: bytes

    @property
    def json(self):
        return json.loads(self.body)


@dataclass
class Gateway:
    url: str
    received: list = field(default_factory=list)
    statuses: list = field(default_factory=list)  # answered in order; then 200


def start_gateway():
    gateway = Gateway(url="")

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            gateway.received.append(Received(self.path, dict(self.headers), self.rfile.read(length)))
            status = gateway.statuses.pop(0) if gateway.statuses else 200
            self.send_response(status)
            if 300 <= status < 400:
                self.send_header("Location", "/elsewhere")
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    gateway.url = f"http://127.0.0.1:{server.server_address[1]}/sms"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return gateway, server
