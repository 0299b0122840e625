# Answers once, then never again.
import json, sys, time
turns = 0
for line in sys.stdin:
    if json.loads(line).get("type") == "observation":
        turns += 1
        if turns > 1:
            time.sleep(60)
        print(json.dumps({"action": "12-lead ECG"}), flush=True)
