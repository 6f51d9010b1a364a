"""A fault-injecting HTTP proxy for the fault tests: it stands between mldeck and a real
server (mlflow server, moto_server) on 127.0.0.1 and, per request, either forwards it
untouched or misbehaves the way real networks, gateways and servers do.

    with FaultProxy(upstream="http://127.0.0.1:5000") as fp:
        fp.url                                    # http://127.0.0.1:PORT: give this to mldeck
        fp.add(Fault("status", path=r"/runs/search", code=500, body="<html>oops</html>"))
        fp.add(Fault("forward_then_status", method="POST", path=r"/alias$", code=504))
        fp.add(Fault("stall_headers", path=r"experiments/search", seconds=30, times=1))
        fp.requests        # [Request(method, path, headers, body, fault), ...]
        fp.clear()         # no more faults

Faults (`kind`):
  status               answer `code` with `body` and `headers` without forwarding
  forward_then_status  forward (so a write lands upstream), then answer `code` instead of
                       the upstream's reply: the gateway that times out on an applied write
  reset                close the connection with a TCP reset before any reply
  close                close the connection cleanly before any reply
  stall_headers        wait `seconds` before anything is sent (then forward)
  stall_body           send the upstream's headers and the first `keep` bytes, then wait
                       `seconds` before the rest
  truncate             send the upstream's headers (its Content-Length) and only `keep`
                       bytes of the body, then close
  transform            forward, then pass the JSON body through `fn(obj) -> obj`
  replace_body         forward, then send `body` (bytes or str) instead of the upstream's body
  echo_headers         answer `code` with a body that quotes every request header, as a
                       careless proxy's error page does (the secret-leak test); with
                       body="json", an API error object whose message quotes them
  chunked_body         forward, then send `body` chunked (no Content-Length), so a size cap
                       can only act while the body arrives
  transform_request    forward, then answer 200 with fn(obj, path_and_query, request_body):
                       fn makes the reply from the request (synthetic pages by page token)
A fault matches when `method` (exact, or None for any) and the `path` regex (searched in
path+query) match, and, when `when_header` = (NAME, REGEX) is given, that request header
matches too (AWS JSON calls all POST to "/": match them on X-Amz-Target); it applies `times` times (None: every time). The first matching fault
wins. Every request is logged with the fault that handled it ("" when forwarded).
"""

import http.client
import http.server
import json
import re
import socket
import socketserver
import struct
import threading
import time
import urllib.parse
from dataclasses import dataclass, field


@dataclass
class Fault:
    kind: str
    method: str = None
    path: str = ""
    times: int = None
    code: int = 500
    body: object = b""
    headers: dict = field(default_factory=dict)
    seconds: float = 0.0
    keep: int = 0
    fn: object = None
    hits: int = 0
    when_header: tuple = None

    def matches(self, method, path, headers=None):
        if self.times is not None and self.hits >= self.times:
            return False
        if self.method is not None and self.method != method:
            return False
        if self.when_header is not None:
            name, rx = self.when_header
            value = next((v for k, v in (headers or {}).items() if k.lower() == name.lower()), "")
            if re.search(rx, value) is None:
                return False
        return re.search(self.path, path) is not None


@dataclass
class Request:
    method: str
    path: str
    headers: dict
    body: bytes
    fault: str


def _bytes(b):
    if isinstance(b, bytes):
        return b
    if isinstance(b, str):
        return b.encode()
    return json.dumps(b).encode()


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):  # quiet: the request list is the log
        pass

    def _read_body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def _forward(self, body):
        up = self.server.proxy.upstream
        conn = http.client.HTTPConnection(up.hostname, up.port, timeout=120)
        hdrs = {k: v for k, v in self.headers.items()
                if k.lower() not in ("host", "connection", "proxy-connection")}
        hdrs["Host"] = f"{up.hostname}:{up.port}"
        conn.request(self.command, self.path, body=body or None, headers=hdrs)
        r = conn.getresponse()
        data = r.read()
        out = [(k, v) for k, v in r.getheaders()
               if k.lower() not in ("transfer-encoding", "connection", "content-length")]
        conn.close()
        return r.status, out, data

    def _send(self, code, headers, body, length=None):
        self.send_response(code)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body) if length is None else length))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)
        self.wfile.flush()
        self.close_connection = True

    def _handle(self):
        body = self._read_body()
        proxy = self.server.proxy
        fault = proxy._match(self.command, self.path, dict(self.headers.items()))
        proxy._log(Request(self.command, self.path, dict(self.headers.items()), body,
                           fault.kind if fault else ""))
        if fault is None:
            code, hdrs, data = self._forward(body)
            self._send(code, hdrs, data)
            return
        k = fault.kind
        if k == "status":
            self._send(fault.code, list(fault.headers.items()), _bytes(fault.body))
        elif k == "forward_then_status":
            self._forward(body)
            self._send(fault.code, list(fault.headers.items()) or [("Content-Type", "text/html")],
                       _bytes(fault.body) or b"<html><title>504 Gateway Time-out</title></html>")
        elif k in ("reset", "close"):
            if k == "reset":
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                           struct.pack("ii", 1, 0))
            self.connection.close()
            self.close_connection = True
        elif k == "stall_headers":
            proxy._sleep(fault.seconds)
            code, hdrs, data = self._forward(body)
            self._send(code, hdrs, data)
        elif k in ("stall_body", "truncate"):
            code, hdrs, data = self._forward(body)
            self.send_response(code)
            for h, v in hdrs:
                self.send_header(h, v)
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(data[:fault.keep])
            self.wfile.flush()
            if k == "stall_body":
                proxy._sleep(fault.seconds)
                self.wfile.write(data[fault.keep:])
                self.wfile.flush()
            self.close_connection = True
        elif k == "transform":
            code, hdrs, data = self._forward(body)
            try:
                data = json.dumps(fault.fn(json.loads(data))).encode()
            except ValueError:
                pass
            self._send(code, hdrs, data)
        elif k == "replace_body":
            code, hdrs, data = self._forward(body)
            self._send(code, hdrs, _bytes(fault.body))
        elif k == "echo_headers":
            # Authorization first: a message clipped after a few hundred bytes still holds it
            hs = sorted(self.headers.items(), key=lambda kv: kv[0].lower() != "authorization")
            lines = "\n".join(f"{h}: {v}" for h, v in hs)
            if fault.body == "json":  # an API error whose message quotes the headers
                self._send(fault.code, [("Content-Type", "application/json")],
                           json.dumps({"error_code": "BAD_REQUEST",
                                       "message": f"you sent: {lines}"}).encode())
            else:
                self._send(fault.code, [("Content-Type", "text/plain")],
                           f"bad request; you sent:\n{lines}\n".encode())
        elif k == "chunked_body":
            # no Content-Length: the client cannot refuse it up front, only while it arrives
            code, hdrs, _ = self._forward(body)
            data = _bytes(fault.body)
            self.send_response(code)
            for h, v in hdrs:
                if h.lower() not in ("content-length", "transfer-encoding", "connection"):
                    self.send_header(h, v)
            self.send_header("Transfer-Encoding", "chunked")
            self.send_header("Connection", "close")
            self.end_headers()
            try:
                for i in range(0, len(data), 1 << 16):
                    piece = data[i:i + (1 << 16)]
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
                self.wfile.write(b"0\r\n\r\n")
                self.wfile.flush()
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client hung up at its cap: what the fault is for
            self.close_connection = True
        elif k == "transform_request":
            # fn answers for the server (200), seeing the request: fn(obj, path_and_query, body);
            # the upstream may refuse what fn alone understands (a synthetic page token)
            _, hdrs, data = self._forward(body)
            try:
                obj = json.loads(data)
            except ValueError:
                obj = None
            data = json.dumps(fault.fn(obj, self.path, body)).encode()
            self._send(200, [h for h in hdrs if h[0].lower() != "content-type"]
                       + [("Content-Type", "application/json")], data)
        else:
            raise ValueError(f"unknown fault kind {k!r}")

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _handle


class _Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


class FaultProxy:
    def __init__(self, upstream, host="127.0.0.1", port=0):
        self.upstream = urllib.parse.urlsplit(upstream)
        if self.upstream.hostname not in ("127.0.0.1", "localhost", "::1"):
            raise ValueError("the fault proxy forwards to loopback only")
        self._faults = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self.requests = []
        self._srv = _Server((host, port), _Handler)
        self._srv.proxy = self
        self.port = self._srv.server_address[1]
        self.url = f"http://{host}:{self.port}"
        self._thread = None

    def start(self):
        self._thread = threading.Thread(target=self._srv.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self):
        self._stop.set()
        self._srv.shutdown()
        self._srv.server_close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def add(self, fault):
        with self._lock:
            self._faults.append(fault)
        return fault

    def clear(self):
        with self._lock:
            self._faults.clear()

    def _match(self, method, path, headers=None):
        with self._lock:
            for f in self._faults:
                if f.matches(method, path, headers):
                    f.hits += 1
                    return f
        return None

    def _log(self, req):
        with self._lock:
            self.requests.append(req)

    def _sleep(self, seconds):
        """Sleep, but wake when the proxy stops (a stalled test never hangs teardown)."""
        self._stop.wait(seconds)

    def hits(self, method=None, path=""):
        """Requests that reached the proxy, by method and path regex."""
        with self._lock:
            return [r for r in self.requests
                    if (method is None or r.method == method) and re.search(path, r.path)]
