"""Schemathesis against ``/api/v1/openapi.json``: every operation, writes included, with valid and invalid
inputs generated from the description, as an administrator (token), a reader (token) and without an account.
No answer may be a server error, and each must conform to what is documented: its status code, its content
type, its headers and, where one is documented, its schema (every problem's)."""
from __future__ import annotations

import os
from collections import Counter

import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import checks

from api.openapi import openapi_path
from tests.collab import setting

CHECKS = [checks.not_a_server_error, checks.status_code_conformance, checks.content_type_conformance,
          checks.response_headers_conformance, checks.response_schema_conformance]
EXAMPLES = int(os.environ.get("MAILLAGE_FUZZ_EXAMPLES", "8"))  # per operation and mode, as administrator
# A reader and a visitor are refused most writes (403, 401) whatever the body: fewer examples tell as much.
SHARE = {"administrateur": 1.0, "lecteur": 0.4, "anonyme": 0.25}


def test_every_operation_answers_as_documented_and_never_with_a_server_error(embedded_store):
    people = setting(embedded_store)
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", people.app)
    who = {"administrateur": {"Authorization": f"Bearer {people.tokens['admin']}"},
           "lecteur": {"Authorization": f"Bearer {people.tokens['lecteur']}"}, "anonyme": {}}
    statuses: Counter = Counter()
    failures: list[str] = []
    operations = [result.ok() for result in schema.get_all_operations()]
    for operation in operations:
        for mode in schemathesis.GenerationMode:
            for person, headers in who.items():
                _fuzz(operation, mode, person, headers, statuses, failures)
    print(f"\n{len(operations)} operations, {sum(statuses.values())} calls; statuses: {dict(sorted(statuses.items()))}")
    assert not failures, "\n".join(failures[:20])
    assert statuses and not any(status >= 500 for status in statuses)
    # Every route of the API is described, hence fuzzed (the description and its page aside).
    fuzzed = {(operation.method.upper(), operation.path) for operation in operations}
    routes = {(method, openapi_path(rule.rule)) for rule in people.app.url_map.iter_rules()
              for method in rule.methods - {"HEAD", "OPTIONS"} if rule.rule.startswith("/api/")}
    assert routes - fuzzed == {("GET", "/api/v1/openapi.json"), ("GET", "/api/v1/docs")}


def _fuzz(operation, mode, person: str, headers: dict, statuses: Counter, failures: list[str]) -> None:
    """*operation* called with examples of *mode* as *person*; each answer's status counted, failures listed."""
    @settings(max_examples=max(2, round(EXAMPLES * SHARE[person])), deadline=None, database=None, derandomize=True,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy(generation_mode=mode))
    def call(case) -> None:
        try:
            response = case.call_and_validate(headers=headers, checks=CHECKS)
        except BaseException as failure:  # each failure collected, then reported
            if isinstance(failure, KeyboardInterrupt):
                raise
            failures.append(f"{operation.method.upper()} {operation.path} ({mode.value}, {person}): "
                            + " ".join(str(failure).split())[:400])
            return
        statuses[response.status_code] += 1

    try:
        call()
    except Unsatisfiable:  # an operation without any input has no invalid example to make
        assert mode is schemathesis.GenerationMode.NEGATIVE
