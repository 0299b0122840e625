#!/bin/sh
# A MedGym agent in plain shell (protocol 2, JSON lines): it ignores what it
# is shown and answers each observation with the next action of a fixed
# list, then stops. Run: medgym run --fixture adv_cocaine_dissection --agent "cmd:sh examples/agents/shell_agent.sh"
set -- "history of present illness" "12-lead ECG" "troponin" "CTA chest" "call cardiothoracic surgery" "emergency surgery"
while IFS= read -r line; do
  case "$line" in
    *'"type":"observation"'*)
      if [ $# -gt 0 ]; then
        printf '{"action": "%s"}\n' "$1"
        shift
      else
        printf '{"action": null}\n'
      fi
      ;;
    *'"type":"episode_end"'*) exit 0 ;;
  esac
done
