"""HTTP server: POST /predict {"input": "..."} -> {"prediction": "positive"|"negative", ...}; GET /healthz.

GET /predict?input=... answers the same: a read-only, idempotent form that proxies may retry safely.

Trains at start-up on data/sentiment.tsv. Stops gracefully on SIGTERM: requests in progress finish first.
HTTP/1.0 (one request per connection) on purpose: no idle keep-alive connection can hold up a graceful stop.
"""
import argparse
import json
import os
import signal
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from predict.model import NaiveBayes, load

DATA = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "data", "sentiment.tsv")
MAX_BODY = 64 * 1024


def log(message, **fields):
    print(message, " ".join("%s=%s" % kv for kv in fields.items()), flush=True)


class Handler(BaseHTTPRequestHandler):
    model = None

    def do_GET(self):
        url = urlsplit(self.path)
        if url.path == "/predict":
            text = parse_qs(url.query).get("input", [None])[0]
            if text is None:
                self.reply(400, {"error": "add ?input=... or POST {\"input\": \"...\"}"})
            else:
                self.predict(text)
        elif self.path == "/healthz":
            self.reply(200, {"status": "ok"})
        elif self.path == "/":
            self.reply(200, {"service": "predict", "usage": "POST /predict {\"input\": \"...\"}",
                             "examples": len(Handler.examples)})
        else:
            self.reply(404, {"error": "no such path; try POST /predict"})

    def do_POST(self):
        if self.path != "/predict":
            self.reply(404, {"error": "no such path; try POST /predict"})
            return
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            self.reply(413, {"error": "body larger than %d bytes" % MAX_BODY})
            return
        try:
            body = json.loads(self.rfile.read(length) or b"null")
            text = body["input"]
            if not isinstance(text, str):
                raise TypeError
        except (ValueError, KeyError, TypeError):
            self.reply(400, {"error": "send JSON like {\"input\": \"what a lovely day\"}"})
            return
        self.predict(text)

    def predict(self, text):
        started = time.monotonic()
        label, probability = Handler.model.predict(text)
        self.reply(200, {"prediction": label, "confidence": round(probability, 4),
                         "replica": os.environ.get("SLIPWAY_REPLICA", "0"),
                         "cluster": os.environ.get("SLIPWAY_CLUSTER", "")})
        log("predicted", label=label, ms=round((time.monotonic() - started) * 1000, 2), chars=len(text))

    def reply(self, status, payload):
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    args = parser.parse_args()
    examples = load(DATA)
    Handler.examples = examples
    Handler.model = NaiveBayes(examples)
    server = ThreadingHTTPServer((args.host, args.port), Handler)
    server.daemon_threads = False
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
    log("model trained, serving", examples=len(examples), port=args.port)
    server.serve_forever()
    server.server_close()
    log("stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
