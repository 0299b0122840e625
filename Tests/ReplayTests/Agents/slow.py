#!/usr/bin/env python3
# A cmd: agent that takes its time: it waits argv[1] seconds before each reply (a model thinking),
# then plays a short plan for the chest-pain encounter, so another process can watch it turn by turn.
import json
import sys
import time

plan = ["12-lead ECG", "cardiac monitor", "history of present illness", "blood pressure in both arms", "ask about cocaine",
        "bedside echo", "two large bore IVs", "esmolol infusion", "call cardiothoracic surgery", "CTA chest",
        "emergency surgery"]
for line in sys.stdin:
    message = json.loads(line)
    if message.get("type") == "observation":
        time.sleep(float(sys.argv[1]))
        print(json.dumps({"action": plan.pop(0) if plan else None}), flush=True)
    elif message.get("type") == "episode_end":
        break
