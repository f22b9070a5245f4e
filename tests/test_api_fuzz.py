"""Schemathesis against ``/api/v1/openapi.json``: every operation, writes included, with valid and invalid
inputs generated from the description, as an administrator (token), a reader (token) and without an account.
No answer may be a server error, and each must conform to what is documented: its status code, its content
type, its headers and its schema (every problem's, every JSON answer's)."""
from __future__ import annotations

import os
from collections import Counter

import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import checks

from api.openapi import openapi_path
from graph import history
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
    answered: Counter = Counter()  # successful answers per operation: each one's body checked against its schema
    failures: list[str] = []
    operations = [result.ok() for result in schema.get_all_operations()]
    for operation in operations:
        for mode in schemathesis.GenerationMode:
            for person, headers in who.items():
                _fuzz(operation, mode, person, headers, statuses, failures, answered)
    print(f"\n{len(operations)} operations, {sum(statuses.values())} calls; statuses: {dict(sorted(statuses.items()))}")
    assert not failures, "\n".join(failures[:20])
    assert statuses and not any(status >= 500 for status in statuses)
    # Every route of the API is described, hence fuzzed (the description and its page aside).
    fuzzed = {(operation.method.upper(), operation.path) for operation in operations}
    routes = {(method, openapi_path(rule.rule)) for rule in people.app.url_map.iter_rules()
              for method in rule.methods - {"HEAD", "OPTIONS"} if rule.rule.startswith("/api/")}
    assert routes - fuzzed == {("GET", "/api/v1/openapi.json"), ("GET", "/api/v1/docs")}
    # Every JSON answer has a documented shape, and every read was answered at least once (from the examples its
    # parameters document), so its shape was checked on a real answer, not only on refusals.
    for operation in operations:
        for code, response in operation.definition.raw["responses"].items():
            if "application/json" in response.get("content", {}):
                assert response["content"]["application/json"].get("schema"), (operation.path, code)
    # A change's identifier is drawn when it is made: no description can give one, the store does.
    known = {"change_id": people.store.records(history.HISTORY)[0][0]}
    for operation in operations:
        names = [p.name for p in operation.path_parameters]
        if not answered[operation.path] and names and set(names) <= set(known):
            response = operation.Case(path_parameters={name: known[name] for name in names}).call_and_validate(
                headers=who["administrateur"], checks=CHECKS)
            answered[operation.path] += response.status_code < 300
    unanswered = [f"GET {operation.path}" for operation in operations
                  if operation.method == "get" and operation.path.startswith("/api/") and not answered[operation.path]]
    assert not unanswered, unanswered


def _fuzz(operation, mode, person: str, headers: dict, statuses: Counter, failures: list[str],
          answered: Counter) -> None:
    """*operation* called with examples of *mode* as *person*, and (positive) with the examples its description
    gives; each answer's status counted, failures listed."""
    strategies = [(operation.as_strategy(generation_mode=mode), max(2, round(EXAMPLES * SHARE[person])))]
    if mode is schemathesis.GenerationMode.POSITIVE:
        strategies += [(strategy, 1) for strategy in operation.get_strategies_from_examples()]
    for strategy, count in strategies:
        try:
            _calls(operation, mode, person, headers, statuses, failures, answered, strategy, count)
        except Unsatisfiable:  # an operation without any input has no invalid example to make
            assert mode is schemathesis.GenerationMode.NEGATIVE


def _calls(operation, mode, person: str, headers: dict, statuses: Counter, failures: list[str], answered: Counter,
           strategy, count: int) -> None:
    @settings(max_examples=count, deadline=None, database=None, derandomize=True,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    @given(case=strategy)
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
        answered[operation.path] += response.status_code < 300

    call()
