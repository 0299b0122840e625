"""The shipped archetype scenario files against their JSON Schema (schemas/scenarios/archetype.schema.json)."""
import copy
import glob
import json
import os

import jsonschema
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCHEMA = json.load(open(os.path.join(ROOT, "schemas", "scenarios", "archetype.schema.json")))
FILES = sorted(glob.glob(os.path.join(ROOT, "Sources", "MedGym", "Resources", "scenarios", "*.json")))


def test_there_are_archetypes():
    assert len(FILES) >= 3


@pytest.mark.parametrize("path", FILES, ids=[os.path.basename(f) for f in FILES])
def test_each_shipped_archetype_matches_the_schema(path):
    jsonschema.Draft202012Validator(SCHEMA).validate(json.load(open(path)))


def test_the_schema_refuses_a_broken_archetype():
    archetype = json.load(open(FILES[0]))
    for field, value in [("variants", 0), ("archetype", "Has Spaces"), ("unknown_field", 1)]:
        broken = copy.deepcopy(archetype)
        broken[field] = value
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.Draft202012Validator(SCHEMA).validate(broken)
    broken = copy.deepcopy(archetype)
    broken["tiering"]["triage_notes"][0]["up_to_tier"] = 101
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft202012Validator(SCHEMA).validate(broken)
