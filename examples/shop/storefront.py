"""Storefront: GET /?item=tea[&delay=S] asks the prices service through the router and answers either way.

The prices service is reached through the Slipway router (SLIPWAY_ROUTER_URL, Host prices.shop.localhost),
so the prices route's timeout bounds the call: a slow prices service costs the storefront 1 second, not forever.
In a lab (SLIPWAY_LAB set) it asks the lab's own prices service, prices.<lab>.shop.localhost.
"""
import json
import os
import signal
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

ROUTER = os.environ.get("SLIPWAY_ROUTER_URL", "http://127.0.0.1:8080")
LAB = os.environ.get("SLIPWAY_LAB", "")
PRICES_HOST = "prices.%s%s.localhost" % (LAB + "." if LAB else "", os.environ.get("SLIPWAY_APP", "shop"))


def price(item, delay):
    request = urllib.request.Request(
        "%s/price?item=%s&delay=%s" % (ROUTER, item, delay), headers={"Host": PRICES_HOST})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return json.load(response), None
    except urllib.error.HTTPError as e:
        return None, "prices answered %d: %s" % (e.code, e.read().decode(errors="replace")[:200])
    except OSError as e:
        return None, "prices unreachable: %s" % e


class Handler(BaseHTTPRequestHandler):

    def do_GET(self):
        url = urlparse(self.path)
        if url.path == "/healthz":
            return self.reply(200, {"status": "ok"})
        query = parse_qs(url.query)
        item = query.get("item", ["tea"])[0]
        started = time.monotonic()
        quote, problem = price(item, query.get("delay", ["0"])[0])
        took = round(time.monotonic() - started, 3)
        if quote:
            self.reply(200, {"item": item, "price": quote["price"], "currency": quote["currency"], "seconds": took})
        else:
            print("fallback item=%s seconds=%s problem=%s" % (item, took, problem), flush=True)
            self.reply(200, {"item": item, "price": None, "note": "price unavailable, try again", "seconds": took,
                             "problem": problem})

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
print("storefront serving port=%s router=%s" % (os.environ["PORT"], ROUTER), flush=True)
server.serve_forever()
