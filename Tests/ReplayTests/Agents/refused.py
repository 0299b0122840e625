#!/usr/bin/env python3
# A cmd: agent whose first replies are not taken: text that names no action,
# then a line that is not JSON. It logs the "refused" field of every
# observation message it is sent (one JSON line each) to the file in argv[1],
# then takes the history and sends the patient to theatre.
import json
import sys

log = open(sys.argv[1], "w")
replies = ['{"action": "cta chst abdmn xyz"}', "this is not json", '{"action": "history of present illness"}',
           '{"action": "to the operating room"}']
turn = 0
for line in sys.stdin:
    message = json.loads(line)
    if message.get("type") != "observation":
        continue
    log.write(json.dumps(message.get("refused")) + "\n")
    log.flush()
    print(replies[turn] if turn < len(replies) else '{"action": null}', flush=True)
    turn += 1
