# Talks instead of answering, writes a reply far too long, names no action, then behaves.
import json, sys
turns = 0
replies = ["I think we should get a CT of the chest.", "x" * 5000, json.dumps({"thought": "hmm"}),
           json.dumps({"action": "zzzz qq"}), json.dumps({"action": "CTA chest"}), json.dumps({"action": "admit to ward"})]
for line in sys.stdin:
    if json.loads(line).get("type") == "observation":
        print(replies[turns] if turns < len(replies) else json.dumps({"action": None}), flush=True)
        turns += 1
