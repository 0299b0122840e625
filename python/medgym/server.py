"""The `medgym serve --stdio` subprocess and its JSON-lines protocol."""
import itertools
import json
import os
import shutil
import subprocess


class MedGymError(RuntimeError):
    """An error reply from the server: `code` is stable, `message` names the fix."""

    def __init__(self, code, message):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


def find_binary(binary=None):
    """The `medgym` executable: the argument, $MEDGYM_BINARY, or `medgym` on PATH."""
    found = binary or os.environ.get("MEDGYM_BINARY") or shutil.which("medgym")
    if not found or not os.path.exists(found):
        raise FileNotFoundError("no medgym executable: pass binary=…, set MEDGYM_BINARY, or put medgym on PATH "
                                "(swift build -c release --product medgym, then .build/release/medgym)")
    return os.path.abspath(found)


class Server:
    """One `medgym serve --stdio` process. `store`: the trace store file
    (default: the server's own default); `store=False` records nothing."""

    def __init__(self, binary=None, store=None):
        command = [find_binary(binary), "serve", "--stdio"]
        if store is False:
            command.append("--no-store")
        elif store:
            command += ["--store", str(store)]
        self._process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)
        self._ids = itertools.count(1)
        self.hello = self.call("hello")

    def call(self, method, **params):
        if self._process.poll() is not None:
            raise MedGymError("closed", "the medgym server has exited")
        request = {"id": next(self._ids), "method": method, "params": params}
        self._process.stdin.write(json.dumps(request) + "\n")
        self._process.stdin.flush()
        line = self._process.stdout.readline()
        if not line:
            raise MedGymError("closed", "the medgym server exited without answering")
        reply = json.loads(line)
        if "error" in reply:
            raise MedGymError(reply["error"]["code"], reply["error"]["message"])
        return reply["result"]

    def close(self):
        if self._process.poll() is None:
            try:
                self.call("close")
            except (MedGymError, BrokenPipeError, OSError):
                pass
            self._process.stdin.close()
            self._process.wait(timeout=30)
