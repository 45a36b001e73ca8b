"""Fuzz target (atheris): the policy loader (strict YAML, then the pydantic schema).

Any text must give a Policy or a PolicyError whose message stays bounded; anything
else is a finding. Run by `make fuzz` for a bounded time; not part of CI.

    .venv/bin/python fuzz/fuzz_policy.py -max_total_time=60 fuzz/corpus/policies
"""

from __future__ import annotations

import sys

import atheris

with atheris.instrument_imports(include=["aigc_guard", "yaml"]):
    import yaml.constructor
    import yaml.resolver  # noqa: F401

    import aigc_guard.strict_yaml  # noqa: F401
    from aigc_guard.errors import MAX_LINE, MAX_PROBLEMS, PolicyError
    from aigc_guard.policy import parse_policy, policy_model

    policy_model()  # the schema (and the check plug-ins it reads) is built once, here

MAX_MESSAGE = (MAX_PROBLEMS + 2) * (MAX_LINE + 1)


def test_one_input(data: bytes) -> None:
    text = atheris.FuzzedDataProvider(data).ConsumeUnicodeNoSurrogates(len(data))
    try:
        parse_policy(text, source="fuzz.yaml")
    except PolicyError as exc:
        assert len(str(exc)) <= MAX_MESSAGE, len(str(exc))


def main() -> None:
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
