#!/usr/bin/env python3
"""A minimal MedGym agent in Python, speaking protocol 2 (JSON lines).

MedGym starts it with `--agent "cmd:python3 examples/agents/python_agent.py"`
and writes one JSON object per line to its stdin:

  {"type": "hello", "protocol": 2, "seed": ..., "actions": [...], ...}
  {"type": "observation", "observation": {...}}      (one per turn)
  {"type": "episode_end", "score": {...}}

It answers each observation with one line: {"action": "CTA chest"}, or
{"action": null} to stop. This one follows a short plan chosen from the
chief complaint; a real agent would call a model here.
"""
import json
import sys

PLANS = {
    "chest": ["12-lead ECG", "cardiac monitor", "history of present illness", "blood pressure in both arms",
              "ask about cocaine", "bedside echo", "esmolol infusion", "call cardiothoracic surgery", "CTA chest",
              "fentanyl 50 mcg IV", "explain diagnosis", "obtain consent for surgery", "document note",
              "emergency surgery"],
    "flank": ["two large bore IVs", "cardiac monitor", "history of present illness", "abdominal exam",
              "bedside ultrasound aorta", "activate massive transfusion protocol", "call vascular surgery",
              "explain diagnosis", "obtain consent", "document note", "to theatre"],
    "vomit": ["IV access", "fingerstick glucose", "history of present illness", "venous blood gas", "BMP", "ketones",
              "normal saline bolus 10 ml/kg over 20 minutes", "update parents", "call PICU", "wait", "wait",
              "insulin infusion 0.1 units/kg/h", "document note", "admit to PICU"],
}


def plan_for(presentation):
    text = (presentation.get("chief_complaint", "") + " " + presentation.get("triage_note", "")).lower()
    for key, plan in PLANS.items():
        if key in text:
            return list(plan)
    return ["history of present illness", "general appearance", "admit to ward"]


def send(message):
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


def main():
    plan = []
    for line in sys.stdin:
        message = json.loads(line)
        kind = message.get("type")
        if kind == "observation":
            observation = message["observation"]
            if observation.get("presentation"):
                plan = plan_for(observation["presentation"])
            send({"action": plan.pop(0) if plan else None})
        elif kind == "episode_end":
            score = message["score"]
            sys.stderr.write("episode over: %s, composite %s\n" % (score["outcome"], score["composite"]))
            break


if __name__ == "__main__":
    main()
