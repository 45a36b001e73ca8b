"""Property: any policy text (random YAML structures, every field given a random value
of a random type, random characters) gives a Policy or a PolicyError whose message is
bounded; never another exception, a hang, or more than the memory budget."""

from __future__ import annotations

import json

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from limited import run_limited

from aigc_guard.errors import MAX_LINE, MAX_PROBLEMS, PolicyError
from aigc_guard.policy import Policy, load_policy, parse_policy

SETTINGS = settings(max_examples=80, deadline=None, database=None,
                    suppress_health_check=list(HealthCheck))  # fmt: skip
MAX_MESSAGE = (MAX_PROBLEMS + 2) * (MAX_LINE + 1)
WORDS = st.sampled_from(["calibrated", "redact", "block", "dwtDctSvd", "refuse", "PERSON"])
SCALARS = (
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats()
    | st.text(max_size=40) | WORDS
)  # fmt: skip
VALUES = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=20,
)


def outcome(text: str) -> Policy | None:
    """The documented result: a Policy, or None after a bounded PolicyError."""
    try:
        return parse_policy(text, source="fuzz.yaml")
    except PolicyError as exc:
        assert len(str(exc)) <= MAX_MESSAGE and str(exc).startswith("invalid policy fuzz.yaml")
        return None


def _leaves(tree: object, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    if isinstance(tree, dict):
        return [leaf for key, value in tree.items() for leaf in _leaves(value, (*path, key))]
    return [path]


def _set(tree: dict, path: tuple[str, ...], value: object) -> None:
    for key in path[:-1]:
        tree = tree[key]
    if value is _DELETE:
        tree.pop(path[-1], None)
    else:
        tree[path[-1]] = value


_DELETE = object()
DEFAULT = load_policy("default").model_dump(mode="json")
FIELDS = _leaves(DEFAULT)


@SETTINGS
@given(
    changes=st.lists(
        st.tuples(st.sampled_from(FIELDS), VALUES | st.just(_DELETE)), min_size=1, max_size=4
    ),
    extra=st.dictionaries(st.text(max_size=10), SCALARS, max_size=2),
)
def property_every_field(changes: list[tuple[tuple[str, ...], object]], extra: dict) -> None:
    """The default policy with random fields replaced (any type), removed, or keys added."""
    tree = json.loads(json.dumps(DEFAULT))
    for path, value in changes:
        _set(tree, path, value)
    tree.update(extra)
    policy = outcome(yaml.safe_dump(tree, allow_unicode=True))
    if policy is not None:  # whatever was accepted is what the policy now holds
        dumped = policy.model_dump(mode="json")
        for path, value in changes:
            if value is not _DELETE and isinstance(value, str | bool):
                node = dumped
                for key in path:
                    node = node[key]
                assert node == value or isinstance(node, int | float | list)


@SETTINGS
@given(document=VALUES)
def property_random_structures(document: object) -> None:
    outcome(yaml.safe_dump(document, allow_unicode=True))


@SETTINGS
@given(text=st.text(alphabet=st.sampled_from(list("ab:-[]{}&*!|>'\"#% \n\t1,?")) | st.characters(),
                    max_size=200))  # fmt: skip
def property_random_text(text: str) -> None:
    outcome(text)


@pytest.mark.hardening(
    "input", "policy YAML: every field with random values, random structures and text (hypothesis)",
    "Policy or PolicyError under 6.4 KB; RLIMIT_AS 768 MiB",
)  # fmt: skip
@pytest.mark.parametrize(
    "target", ["property_every_field", "property_random_structures", "property_random_text"]
)
def test_policy_properties(target: str, record_property: pytest.RecordProperty) -> None:
    usage = run_limited(f"test_property_policy:{target}", memory_mb=768, timeout_s=180)
    record_property("peak_mb", usage.peak_mb)
