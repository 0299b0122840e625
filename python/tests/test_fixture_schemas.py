"""The shipped base fixtures, shared courses and adversarial strategies against their JSON Schemas
(schemas/fixtures/fixture.schema.json, course.schema.json, adversarial.schema.json)."""
import copy
import glob
import json
import os

import jsonschema
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
RESOURCES = os.path.join(ROOT, "Sources", "MedGym", "Resources")


def schema(name):
    return json.load(open(os.path.join(ROOT, "schemas", "fixtures", name + ".schema.json")))


def shipped(kind):
    return sorted(glob.glob(os.path.join(RESOURCES, kind, "*.json")))


KINDS = {"fixture": "archetypes", "course": "courses", "adversarial": "adversarial"}
SCHEMAS = {name: schema(name) for name in KINDS}
CASES = [(name, path) for name, kind in KINDS.items() for path in shipped(kind)]


def validator(name):
    return jsonschema.Draft202012Validator(SCHEMAS[name])


def error_paths(name, document):
    """Where the schema refuses the document: the path of every error, as a list."""
    return [list(e.absolute_path) for e in validator(name).iter_errors(document)]


def load(kind, where=None):
    """The first shipped file of a kind (for which `where` holds)."""
    for path in shipped(kind):
        document = json.load(open(path))
        if where is None or where(document):
            return document
    pytest.skip(f"no shipped {kind} file fits")


@pytest.mark.parametrize("name", sorted(KINDS))
def test_the_schemas_are_valid_draft_2020_12(name):
    jsonschema.Draft202012Validator.check_schema(SCHEMAS[name])


@pytest.mark.parametrize("name", sorted(KINDS))
def test_there_are_shipped_files(name):
    assert len(shipped(KINDS[name])) >= 3


@pytest.mark.parametrize("name,path", CASES, ids=[f"{n}:{os.path.basename(p)}" for n, p in CASES])
def test_each_shipped_file_matches_its_schema(name, path):
    validator(name).validate(json.load(open(path)))


def test_the_fixture_schema_refuses_a_misspelt_key_in_the_arrest_plan():
    fixture = load("archetypes", lambda f: "arrest" in f["course"])
    broken = copy.deepcopy(fixture)
    broken["course"]["arrest"]["reversed_bye"] = broken["course"]["arrest"].pop("reversed_by")
    assert ["course", "arrest"] in error_paths("fixture", broken)
    # An optional key misspelt: only additionalProperties catches it (the decoder would drop it).
    broken = copy.deepcopy(fixture)
    broken["course"]["arrest"]["rosc_when_treatd"] = 0.5
    assert error_paths("fixture", broken) == [["course", "arrest"]]


def test_the_fixture_schema_refuses_an_answer_key_item_without_a_source():
    broken = load("archetypes")
    del broken["answer_key"]["items"][0]["source"]
    assert error_paths("fixture", broken) == [["answer_key", "items", 0]]


def test_the_fixture_schema_refuses_a_keyframe_without_progress():
    broken = load("archetypes", lambda f: f["course"].get("keyframes"))
    del broken["course"]["keyframes"][0]["progress"]
    assert error_paths("fixture", broken) == [["course", "keyframes", 0]]


def test_the_fixture_schema_needs_keyframes_unless_a_shared_course_is_named():
    drawn = load("archetypes", lambda f: "keyframes" in f["course"] and "library" not in f["course"])
    broken = copy.deepcopy(drawn)
    del broken["course"]["keyframes"]
    assert ["course"] in error_paths("fixture", broken)
    broken["course"]["keyframes"] = []
    assert ["course", "keyframes"] in error_paths("fixture", broken)
    shared = load("archetypes", lambda f: "library" in f["course"])
    assert "keyframes" not in shared["course"]
    validator("fixture").validate(shared)


def test_the_fixture_schema_refuses_other_broken_fixtures():
    fixture = load("archetypes")
    for path, value, where in [
        (["tier"], 0, ["tier"]),
        (["course", "noise", "heart_rate"], 1, ["course", "noise"]),
        (["answer_key", "items", 0, "dimension"], "harm", ["answer_key", "items", 0, "dimension"]),
        (["answer_key", "outcome", "missed_harm"], "severe", ["answer_key", "outcome", "missed_harm"]),
        (["answer_key", "post_ed", "horizon_days"], 0, ["answer_key", "post_ed", "horizon_days"]),
        (["patient", "weight"], 70, ["patient"]),
    ]:
        broken = copy.deepcopy(fixture)
        target = broken
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value
        assert where in error_paths("fixture", broken), path


def test_the_course_schema_refuses_broken_courses():
    course = load("courses")
    broken = copy.deepcopy(course)
    broken["stages"][0]["change"]["heart_rate"] = 5
    assert error_paths("course", broken) == [["stages", 0, "change"]]
    broken = copy.deepcopy(course)
    del broken["stages"][0]["progress"]
    assert error_paths("course", broken) == [["stages", 0]]
    broken = copy.deepcopy(course)
    broken["souce"] = broken.pop("source")
    assert error_paths("course", broken) == [[], []]


def test_the_adversarial_schema_refuses_broken_strategies():
    suite = load("adversarial")
    broken = copy.deepcopy(suite)
    broken["strategies"][0]["expect"]["max_compsite"] = 20
    assert error_paths("adversarial", broken) == [["strategies", 0, "expect"]]
    broken = copy.deepcopy(suite)
    del broken["strategies"][0]["expect"]
    assert error_paths("adversarial", broken) == [["strategies", 0]]
    broken = copy.deepcopy(suite)
    broken["strategies"][0]["actions"] = ["IV access"]
    broken["strategies"][0]["expert_with"] = {"insert": ["IV access"]}
    assert error_paths("adversarial", broken) == [["strategies", 0]]
    broken = copy.deepcopy(suite)
    broken["strategies"][0]["expect"]["min_harm"] = "severe"
    assert error_paths("adversarial", broken) == [["strategies", 0, "expect", "min_harm"]]
