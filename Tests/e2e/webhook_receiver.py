"""A webhook receiver for the end-to-end tests, on loopback.

Usage: webhook_receiver.py PORT OUT [STATUSES]

Each accepted POST body (JSON) is appended to OUT as one line. With
STATUSES, a file of HTTP statuses one per line, each POST is answered with
the first one, which is then removed unless it is the last; every attempt
is logged to OUT.attempts as "STATUS AUTHORIZATION". A 429 carries
Retry-After: 1.
"""
import http.server
import json
import sys

port, out = int(sys.argv[1]), sys.argv[2]
statuses_file = sys.argv[3] if len(sys.argv) > 3 else None


def next_status():
    if statuses_file is None:
        return 200
    with open(statuses_file) as f:
        statuses = [line.strip() for line in f if line.strip()]
    if len(statuses) > 1:
        with open(statuses_file, "w") as f:
            f.write("\n".join(statuses[1:]) + "\n")
    return int(statuses[0]) if statuses else 200


class Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        status = next_status()
        if statuses_file is not None:
            with open(out + ".attempts", "a") as f:
                f.write(f"{status} {self.headers.get('Authorization', '-')}\n")
        if status == 200:
            with open(out, "a") as f:
                f.write(json.dumps(json.loads(body)) + "\n")
        self.send_response(status)
        if status == 429:
            self.send_header("Retry-After", "1")
        self.end_headers()

    def log_message(self, *args):
        pass


class Server(http.server.HTTPServer):
    # One request at a time, so that lines never interleave; a deep backlog
    # for senders that open many connections at once.
    request_queue_size = 256


Server(("127.0.0.1", port), Handler).serve_forever()
