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
    `timeout`: seconds to wait for each reply. Closed by :meth:`close`, by a
    `with` block, or at interpreter exit (so every episode in progress is
    recorded)."""

    def __init__(self, binary: Optional[Union[str, os.PathLike]] = None,
                 store: Optional[Union[str, os.PathLike, bool]] = None, timeout: float = DEFAULT_TIMEOUT) -> None:
        command = [find_binary(binary), "serve", "--stdio"]
        if store is False:
            command.append("--no-store")
        elif store:
            command += ["--store", str(store)]
        self.timeout = timeout
        self._process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)
        self._ids = itertools.count(1)
        self._selector = selectors.DefaultSelector()
        self._selector.register(self._process.stdout, selectors.EVENT_READ)
        atexit.register(_close_at_exit, weakref.ref(self))
        self.hello: dict[str, Any] = self.call("hello")

    def __enter__(self) -> "Server":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def call(self, method: str, **params: Any) -> Any:
        """Sends one request and returns its result; an error reply raises :class:`MedGymError`."""
        if self._process.poll() is not None:
            raise MedGymError("closed", "the medgym server has exited")
        request = {"id": next(self._ids), "method": method, "params": params}
        self._process.stdin.write(json.dumps(request) + "\n")
        self._process.stdin.flush()
        if not self._selector.select(self.timeout):
            # A late reply would answer the next request: a server that does not answer in time is stopped.
            self._process.kill()
            self._process.wait()
            raise MedGymError("timeout", f"no reply to '{method}' within {self.timeout} s (the server was stopped); "
                                         "pass timeout=… to Server or make")
        line = self._process.stdout.readline()
        if not line:
            raise MedGymError("closed", "the medgym server exited without answering")
        reply = json.loads(line)
        if "error" in reply:
            raise MedGymError(reply["error"]["code"], reply["error"]["message"])
        return reply["result"]

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
