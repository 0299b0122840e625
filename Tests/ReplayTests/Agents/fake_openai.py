# A stand-in for an OpenAI-compatible endpoint: answers POST /v1/chat/completions
# with the next scripted response from a JSON file, and writes "PORT PID" to a file.
# Each script entry: {"status": 200, "body": {...} or "raw text", "delay": seconds}, or one of
#   {"size": N}: a body of N bytes with its Content-Length;
#   {"endless": true}: a chunked body that never ends (until the client goes, 60 s or 2 GB at most);
#   {"status": 307, "location": URL}: a redirect;
#   {"echo": "text" | "json" | "escaped" | "tool" | "error"}: the Authorization header sent back, in a body
#     that is not JSON, a reply's text, the same JSON-escaped, a tool call's id, fields and action (or, with
#     "action": A, a lab call of A with the key beside it), or a 400's error message;
#   {"pad": N, "body": {...}}: the body's message, its first tool call and its arguments padded with N bytes each;
#   {"plans": {"TEXT": [[tool, action] or "plain text", ...], ...}}: the reply read from the conversation, not the
#     script's position (so concurrent conversations each follow their own plan): the plan whose TEXT is in the
#     first user message, its step the number of assistant messages so far; past its end, "done" as plain text.
# A request with "stream": true gets the reply as server-sent events (one chunk with the whole message, one with
# the usage, then [DONE]), as the OpenAI API streams it.
# A request without "Authorization: Bearer <KEY>" (KEY from argv[2]) gets 401. Each request is logged
# (path, model, message count, tools, its size in bytes, and whether it carried an Authorization header).
import json, os, sys, threading, time, uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# Close every descriptor inherited from the test process (pipes of other
# commands the tests run at the same time), so none waits on this server.
os.closerange(3, 65536)

script = json.load(open(sys.argv[1]))
key = sys.argv[2]
log = open(sys.argv[3], "w")
position = 0
lock = threading.Lock()  # requests are served each on a thread of its own: a slow one holds up no other

class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self):  # /v1/models, for clients that probe the endpoint first
        data = json.dumps({"object": "list", "data": [{"id": "fake-model", "object": "model"}]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        length = int(self.headers.get("Content-Length", 0))
        request = json.loads(self.rfile.read(length))
        auth = self.headers.get("Authorization")
        with lock:
            entry = self.take(request, length, auth)
        if auth != "Bearer " + key:
            self.send_response(401); self.end_headers(); return
        self.answer(entry, auth, request)

    def take(self, request, length, auth):
        global position
        log.write(json.dumps({"path": self.path, "model": request.get("model"), "messages": len(request.get("messages", [])),
                              "tools": [t["function"]["name"] for t in request.get("tools", [])], "bytes": length,
                              "auth": auth is not None, "system": request.get("messages", [{}])[0].get("content", ""),
                              "last": request.get("messages", [])[-3:], "parallel_tool_calls": request.get("parallel_tool_calls"),
                              "strict": [t["function"].get("strict") for t in request.get("tools", [])]}) + "\n")
        log.flush()
        if auth != "Bearer " + key:
            return None
        entry = script[min(position, len(script) - 1)]
        position += 1
        return entry

    def planned(self, entry, request):
        """The next message of the plan the conversation follows."""
        messages = request.get("messages", [])
        first = next((m.get("content") or "" for m in messages if m.get("role") == "user"), "")
        first = first if isinstance(first, str) else "".join(part.get("text", "") for part in first)
        plan = next((steps for text, steps in entry["plans"].items() if text in first), [])
        step = sum(1 for m in messages if m.get("role") == "assistant")
        if step >= len(plan) or isinstance(plan[step], str):
            return {"role": "assistant", "content": plan[step] if step < len(plan) else "done"}, "stop"
        call = {"id": "call_%d_%s" % (step, uuid.uuid4().hex[:6]), "type": "function",
                "function": {"name": plan[step][0], "arguments": json.dumps({"action": plan[step][1]})}}
        return {"role": "assistant", "content": None, "tool_calls": [call]}, "tool_calls"

    def stream(self, body):
        """A chat completion as server-sent events."""
        choice = body["choices"][0]
        delta = dict(choice["message"])
        delta["tool_calls"] = [dict(call, index=i) for i, call in enumerate(delta.get("tool_calls") or [])] or None
        base = {"id": body.get("id", "chatcmpl-1"), "created": 0, "model": body.get("model", "fake-model"),
                "object": "chat.completion.chunk"}
        chunks = [dict(base, choices=[{"index": 0, "delta": {k: v for k, v in delta.items() if v is not None},
                                        "finish_reason": choice.get("finish_reason", "stop")}]),
                  dict(base, choices=[], usage=body.get("usage"))]
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        for chunk in chunks:
            self.wfile.write(("data: %s\n\n" % json.dumps(chunk)).encode())
        self.wfile.write(b"data: [DONE]\n\n")

    def answer(self, entry, auth, request=None):
        time.sleep(entry.get("delay", 0))
        try:
            if "plans" in entry:
                message, finish = self.planned(entry, request or {})
                body = {"id": "chatcmpl-%s" % uuid.uuid4().hex[:8], "object": "chat.completion", "model": (request or {}).get("model"),
                        "choices": [{"index": 0, "message": message, "finish_reason": finish}],
                        "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15}}
                if (request or {}).get("stream"):
                    return self.stream(body)
                data = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
                return
            if "size" in entry:
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(entry["size"]))
                self.end_headers()
                chunk, left = b"x" * 65536, entry["size"]
                while left > 0:
                    self.wfile.write(chunk[:left]); left -= len(chunk)
                return
            if entry.get("endless"):
                self.protocol_version = "HTTP/1.1"
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Transfer-Encoding", "chunked")
                self.send_header("Connection", "close")
                self.end_headers()
                chunk, sent, start = b"x" * 65536, 0, time.time()
                while sent < 2 << 30 and time.time() - start < 60:
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk)); sent += len(chunk)
                return
            status, body = entry.get("status", 200), entry.get("body", "")
            echo = entry.get("echo")
            if echo == "text":
                body = "upstream says: your header was " + auth
            elif echo == "json":
                body = {"choices": [{"message": {"role": "assistant", "content": "Order with " + auth}}], "echo": auth}
            elif echo == "escaped":
                body = json.dumps({"choices": [{"message": {"role": "assistant", "content": "key " + auth}}]})
                body = body.replace(key, "".join("\\u%04x" % ord(c) for c in key))
            elif echo == "tool":  # with "action", a call that is played; without, the header as the action
                body = {"choices": [{"message": {"role": "assistant", "content": None, "tool_calls": [
                    {"id": "c-" + key, "type": "function", "echo": auth,
                     "function": {"name": "lab", "arguments": json.dumps({"action": entry.get("action", auth), "key": key})}}]}}]}
            elif echo == "error":
                status, body = 400, {"error": {"message": "bad key " + auth}}
            if "pad" in entry:
                padding = "p" * entry["pad"]
                message = body["choices"][0]["message"]
                message["padding"] = padding
                message["content"] = (message.get("content") or "") + padding
                for call in message.get("tool_calls", [])[:1]:
                    call["padding"] = padding
                    arguments = json.loads(call["function"]["arguments"])
                    arguments["padding"] = padding
                    call["function"]["arguments"] = json.dumps(arguments)
            data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
            self.send_response(status)
            if "location" in entry:
                self.send_header("Location", entry["location"])
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass

ThreadingHTTPServer.daemon_threads = True
server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
with open(sys.argv[4] + ".tmp", "w") as f:
    f.write("%d %d" % (server.server_address[1], os.getpid()))
os.rename(sys.argv[4] + ".tmp", sys.argv[4])
server.serve_forever()
