# Answers twice, then dies.
import json, sys
turns = 0
for line in sys.stdin:
    if json.loads(line).get("type") == "observation":
        turns += 1
        if turns > 2:
            sys.stderr.write("Traceback: something broke\n")
            sys.exit(3)
        print(json.dumps({"action": "history of present illness" if turns == 1 else "12-lead ECG"}), flush=True)
