"""A stand-in for Qdrant's HTTP API on 127.0.0.1, enough of it for snapshots: list and read
collections, create, download and delete a snapshot, upload one to restore. Qdrant has no image
or binary on the machines the tests run on; the real client talks real HTTP to this."""

import hashlib
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote, urlparse


class FakeQdrant:
    def __init__(self, api_key: str = "", collections: dict[str, int] | None = None):
        self.api_key = api_key
        self.collections = dict(collections or {"documents": 3, "faq": 2})
        self.snapshots: dict[str, bytes] = {}
        self.requests: list[tuple[str, str, str]] = []
        self.corrupt_checksum = False
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    def snapshot_bytes(self, collection: str) -> bytes:
        points = [{"id": i, "vector": [i / 10, 1 - i / 10]}
                  for i in range(self.collections[collection])]
        header = json.dumps({"collection": collection, "points": points}).encode()
        return header + b"\n" + bytes(range(256)) * 40

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _reply(self, status: int, body) -> None:
                data = body if isinstance(body, bytes) else json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _route(self, method: str) -> None:
                path = urlparse(self.path).path
                fake.requests.append((method, path, self.headers.get("api-key", "")))
                if fake.api_key and self.headers.get("api-key") != fake.api_key:
                    return self._reply(401, {"status": {"error": "Invalid api-key"}})
                parts = [unquote(p) for p in path.strip("/").split("/")]
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                return self._dispatch(method, parts, body)

            def _dispatch(self, method: str, parts: list[str], body: bytes) -> None:
                if parts == ["collections"] and method == "GET":
                    names = [{"name": n} for n in fake.collections]
                    return self._reply(200, {"result": {"collections": names}, "status": "ok"})
                if len(parts) < 2 or parts[1] not in fake.collections:
                    return self._reply(404, {"status": {"error": "Not found"}})
                collection = parts[1]
                if len(parts) == 2 and method == "GET":
                    return self._reply(200, {"result": {
                        "status": "green", "points_count": fake.collections[collection]}})
                if parts[2:] == ["snapshots"] and method == "POST":
                    data = fake.snapshot_bytes(collection)
                    name = f"{collection}-{len(fake.snapshots) + 1}.snapshot"
                    fake.snapshots[name] = data
                    checksum = hashlib.sha256(data + b"x" * fake.corrupt_checksum).hexdigest()
                    return self._reply(200, {"result": {"name": name, "size": len(data),
                                                        "checksum": checksum}})
                if parts[2:] == ["snapshots", "upload"] and method == "POST":
                    start = body.index(b"\r\n\r\n") + 4
                    data = body[start:body.rindex(b"\r\n--")]
                    header = json.loads(data.split(b"\n", 1)[0])
                    fake.collections[collection] = len(header["points"])
                    return self._reply(200, {"result": True, "status": "ok"})
                if len(parts) == 4 and parts[2] == "snapshots" and parts[3] in fake.snapshots:
                    if method == "GET":
                        return self._reply(200, fake.snapshots[parts[3]])
                    if method == "DELETE":
                        del fake.snapshots[parts[3]]
                        return self._reply(200, {"result": True, "status": "ok"})
                return self._reply(404, {"status": {"error": "Not found"}})

            def do_GET(self):
                self._route("GET")

            def do_POST(self):
                self._route("POST")

            def do_DELETE(self):
                self._route("DELETE")

        return Handler
