"""Price service: GET /price?item=tea[&delay=SECONDS] -> {"item", "price", "currency"}; GET /healthz."""
import json
import os
import signal
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

PRICES = {"tea": 3.5, "coffee": 4.0, "cake": 5.25}


class Handler(BaseHTTPRequestHandler):

    def do_GET(self):
        url = urlparse(self.path)
        if url.path == "/healthz":
            return self.reply(200, {"status": "ok"})
        if url.path != "/price":
            return self.reply(404, {"error": "try GET /price?item=tea"})
        query = parse_qs(url.query)
        item = query.get("item", ["tea"])[0]
        # Simulated latency of a struggling dependency, to show the route timeout protecting the caller.
        time.sleep(min(float(query.get("delay", ["0"])[0]), 30))
        if item not in PRICES:
            return self.reply(404, {"error": "unknown item " + item})
        self.reply(200, {"item": item, "price": PRICES[item], "currency": os.environ.get("CURRENCY", "EUR")})

    def reply(self, status, payload):
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


server = ThreadingHTTPServer(("127.0.0.1", int(os.environ["PORT"])), Handler)
signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
print("prices serving port=%s" % os.environ["PORT"], flush=True)
server.serve_forever()
