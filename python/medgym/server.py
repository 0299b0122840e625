"""The `medgym serve --stdio` subprocess and its JSON-lines protocol."""
from __future__ import annotations

import atexit
import itertools
import json
import os
import selectors
import shutil
import subprocess
import weakref
from typing import Any, Optional, Union

try:  # orjson (the `fast` extra) reads and writes the protocol's lines three times faster; json does the same job
    import orjson

    def _loads(line: bytes) -> Any:
        return orjson.loads(line)

    def _dumps(value: Any) -> str:
        try:
            return orjson.dumps(value).decode()
        except TypeError:  # a type orjson does not take (numpy's, say): json's rules
            return json.dumps(value)
except ImportError:  # pragma: no cover - depends on the environment
    _loads = json.loads

    def _dumps(value: Any) -> str:
        return json.dumps(value)

#: Seconds a reply may take before :class:`MedGymError` ``timeout`` (a fork of a long episode takes milliseconds).
DEFAULT_TIMEOUT = 60.0


class MedGymError(RuntimeError):
    """An error reply from the server: `code` is stable, `message` names the fix."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


def find_binary(binary: Optional[Union[str, os.PathLike]] = None) -> str:
    """The `medgym` executable: the argument, $MEDGYM_BINARY, `medgym` on PATH, or the newest of
    `.build/release/medgym` and `.build/debug/medgym` under the current folder (a MedGym checkout)."""
    found = binary or os.environ.get("MEDGYM_BINARY") or shutil.which("medgym")
    if not found:
        built = [path for path in (os.path.join(".build", kind, "medgym") for kind in ("release", "debug")) if os.path.exists(path)]
        found = max(built, key=os.path.getmtime) if built else None
    if not found or not os.path.exists(found):
        raise FileNotFoundError("no medgym executable: pass binary=…, set MEDGYM_BINARY, put medgym on PATH, or run from a "
                                "MedGym checkout after 'swift build' (or 'swift build -c release')")
    return os.path.abspath(found)


def _close_at_exit(reference: "weakref.ref[Server]") -> None:
    server = reference()
    if server is not None:
        server.close()


class Server:
    """One `medgym serve --stdio` process. `store`: the trace store file
    (default: the server's own default); `store=False` records nothing.
    `timeout`: seconds to wait for each reply. `jobs`: threads a batch's environments step on
    (default: one). `live`: write each turn into the store's live tables as it is played, so the
    viewer's live page (`medgym serve --http`) can follow it (default; `False` passes `--no-live`,
    which a vector environment does for its throughput). Closed by :meth:`close`, by a
    `with` block, or at interpreter exit (so every episode in progress is
    recorded)."""

    def __init__(self, binary: Optional[Union[str, os.PathLike]] = None,
                 store: Optional[Union[str, os.PathLike, bool]] = None, timeout: float = DEFAULT_TIMEOUT,
                 jobs: Optional[int] = None, live: bool = True) -> None:
        command = [find_binary(binary), "serve", "--stdio"] + (["--jobs", str(int(jobs))] if jobs else [])
        if not live:
            command.append("--no-live")
        if store is False:
            command.append("--no-store")
        elif store:
            command += ["--store", str(store)]
        self.timeout = timeout
        # Bytes both ways, and our own line buffer: a reply already read off the pipe is never
        # waited for again (several replies can arrive in one read when requests are pipelined).
        self._process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, bufsize=0)
        self._out = self._process.stdout.fileno()
        self._buffer = bytearray()
        self._ids = itertools.count(1)
        self._selector = selectors.DefaultSelector()
        self._selector.register(self._out, selectors.EVENT_READ)
        atexit.register(_close_at_exit, weakref.ref(self))
        self.hello: dict[str, Any] = self.call("hello")

    def __enter__(self) -> "Server":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _send(self, lines: str) -> None:
        if self._process.poll() is not None:
            raise MedGymError("closed", "the medgym server has exited")
        data = memoryview(lines.encode())
        while data:
            data = data[self._process.stdin.write(data):]

    def _reply(self, method: str) -> dict[str, Any]:
        """The next reply line, parsed; waits at most `timeout` seconds for it."""
        while True:
            end = self._buffer.find(b"\n")
            if end >= 0:
                line = bytes(self._buffer[:end])
                del self._buffer[:end + 1]
                return _loads(line)
            if not self._selector.select(self.timeout):
                # A late reply would answer the next request: a server that does not answer in time is stopped.
                self._process.kill()
                self._process.wait()
                raise MedGymError("timeout", f"no reply to '{method}' within {self.timeout} s (the server was stopped); "
                                             "pass timeout=… to Server or make")
            chunk = os.read(self._out, 1 << 20)
            if not chunk:
                raise MedGymError("closed", "the medgym server exited without answering")
            self._buffer += chunk

    def call(self, method: str, **params: Any) -> Any:
        """Sends one request and returns its result; an error reply raises :class:`MedGymError`."""
        self._send(_dumps({"id": next(self._ids), "method": method, "params": params}) + "\n")
        reply = self._reply(method)
        if "error" in reply:
            raise MedGymError(reply["error"]["code"], reply["error"]["message"])
        return reply["result"]

    def pipeline(self, calls: list[tuple[str, dict[str, Any]]]) -> list[Any]:
        """Sends several requests at once and returns their results in order. The server answers
        them one after another, so it works on the next while this process reads the last reply.
        The first error reply raises :class:`MedGymError` after every reply has been read."""
        self.send(calls)
        return self.receive(calls)

    def send(self, calls: list[tuple[str, dict[str, Any]]]) -> None:
        """Sends requests without waiting for their replies: :meth:`receive` reads them. Several
        servers sent to before any is read work at once (a vector environment's servers, one per core)."""
        self._send("".join(_dumps({"id": next(self._ids), "method": m, "params": p}) + "\n" for m, p in calls))

    def receive(self, calls: list[tuple[str, dict[str, Any]]]) -> list[Any]:
        """The results of the requests :meth:`send` sent, in order; the first error reply raises
        :class:`MedGymError` after every reply has been read."""
        results, failure = [], None
        for method, _ in calls:
            reply = self._reply(method)
            if "error" in reply and failure is None:
                failure = MedGymError(reply["error"]["code"], reply["error"]["message"])
            results.append(reply.get("result"))
        if failure is not None:
            raise failure
        return results

    def close(self) -> None:
        """Ends every episode in progress (each is recorded) and stops the server."""
        if self._process.poll() is None:
            try:
                self.call("close")
            except (MedGymError, BrokenPipeError, OSError):
                pass
            try:
                self._process.stdin.close()
            except OSError:
                pass
            self._process.wait(timeout=30)
        self._selector.close()
