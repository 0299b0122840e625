# A stand-in for an OpenAI-compatible endpoint: answers POST /v1/chat/completions
# with the next scripted response from a JSON file, and writes "PORT PID" to a file.
# Each script entry: {"status": 200, "body": {...} or "raw text", "delay": seconds}.
# A request without "Authorization: Bearer <KEY>" (KEY from argv[2]) gets 401.
import json, os, sys, time
from http.server import BaseHTTPRequestHandler, HTTPServer

# Close every descriptor inherited from the test process (pipes of other
# commands the tests run at the same time), so none waits on this server.
os.closerange(3, 65536)

script = json.load(open(sys.argv[1]))
key = sys.argv[2]
log = open(sys.argv[3], "w")
position = 0

class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_POST(self):
        global position
        length = int(self.headers.get("Content-Length", 0))
        request = json.loads(self.rfile.read(length))
        log.write(json.dumps({"path": self.path, "model": request.get("model"), "messages": len(request.get("messages", [])),
                              "tools": [t["function"]["name"] for t in request.get("tools", [])]}) + "\n")
        log.flush()
        if self.headers.get("Authorization") != "Bearer " + key:
            self.send_response(401); self.end_headers(); return
        entry = script[min(position, len(script) - 1)]
        position += 1
        time.sleep(entry.get("delay", 0))
        body = entry["body"]
        data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
        try:
            self.send_response(entry.get("status", 200))
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except BrokenPipeError:
            pass

server = HTTPServer(("127.0.0.1", 0), Handler)
with open(sys.argv[4] + ".tmp", "w") as f:
    f.write("%d %d" % (server.server_address[1], os.getpid()))
os.rename(sys.argv[4] + ".tmp", sys.argv[4])
server.serve_forever()
