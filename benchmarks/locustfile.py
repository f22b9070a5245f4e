"""The people of the load scenario (run by benchmarks/load.py, which prepares the plan this file reads).

* readers browse pages, views and API answers (a lecteur's token);
* contributors edit their own record with its ETag and declare ties (a contributor's token);
* respondents answer a survey campaign through their personal links (no account: a page and the names it
  offers, then its form).

Each request is named by its kind ("read: view", "write: declare"…), so that the report gives percentiles
per kind. A declaration of a tie that exists already (409) is an expected answer, not a failure.
"""
from __future__ import annotations

import json
import os
import random
import re
import threading

from locust import HttpUser, between, task

PLAN = json.loads(open(os.environ["MAILLAGE_LOAD_PLAN"], encoding="utf-8").read())  # noqa: SIM115
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
_tokens_lock = threading.Lock()
_survey_links = list(PLAN["survey_tokens"])
_readers = iter(range(10**9))
_contributors = iter(range(10**9))


def _headers(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


class Reader(HttpUser):
    weight = PLAN["readers"]
    wait_time = between(1, 3)

    def on_start(self) -> None:
        self.token = PLAN["reader_tokens"][next(_readers) % len(PLAN["reader_tokens"])]
        self.rng = random.Random()

    def _get(self, path: str, name: str) -> None:
        self.client.get(path, headers=_headers(self.token), name=name)

    @task(3)
    def actor_page(self) -> None:
        self._get(f"/actors/{self.rng.choice(PLAN['actors'])}", "read: page")

    @task(2)
    def actor_view(self) -> None:
        self._get(f"/views/actors/{self.rng.choice(PLAN['agents'])}", "read: view")

    @task(1)
    def service_view(self) -> None:
        self._get(f"/views/services/{self.rng.choice(PLAN['services'])}", "read: view")

    @task(3)
    def works_with(self) -> None:
        self._get(f"/api/v1/actors/{self.rng.choice(PLAN['agents'])}/works-with", "read: api")

    @task(1)
    def isolated(self) -> None:
        self._get("/api/v1/cooperation/isolated", "read: api")

    @task(1)
    def search(self) -> None:
        self._get(f"/search?q={self.rng.choice(PLAN['words'])}", "read: page")


class Contributor(HttpUser):
    weight = PLAN["contributors"]
    wait_time = between(2, 5)

    def on_start(self) -> None:
        self.agent, self.token = PLAN["contributors_tokens"][next(_contributors) % len(PLAN["contributors_tokens"])]
        self.rng = random.Random()
        self.count = 0

    @task(1)
    def edit_own_record(self) -> None:
        read = self.client.get(f"/api/v1/actors/{self.agent}/record", headers=_headers(self.token),
                               name="read: record")
        self.count += 1
        self.client.patch(f"/api/v1/actors/{self.agent}", json={"job_title": f"poste {self.count}"},
                          headers={**_headers(self.token), "If-Match": read.headers.get("ETag", "")},
                          name="write: edit")

    @task(1)
    def declare(self) -> None:
        other = self.rng.choice([agent for agent in PLAN["agents"] if agent != self.agent])
        with self.client.post("/api/v1/cooperations", headers=_headers(self.token), name="write: declare",
                              json={"actor_a": self.agent, "actor_b": other, "nature": "charge",
                                    "frequency": "mensuelle"}, catch_response=True) as response:
            if response.status_code == 409:  # declared before: the expected answer
                response.success()


class Respondent(HttpUser):
    """Takes the next personal link, opens its page, answers; paced so that every link is answered within the
    campaign's window."""

    weight = PLAN["respondents"]
    wait_time = between(PLAN["respondent_wait"] * 0.5, PLAN["respondent_wait"] * 1.5)

    def on_start(self) -> None:
        self.rng = random.Random()

    @task
    def answer(self) -> None:
        with _tokens_lock:
            token = _survey_links.pop() if _survey_links else None
        if token is None:
            return
        page = self.client.get(f"/survey/{token}", name="survey: page")
        # Its script fetches the names to pick from, once: the browser keeps them for the answer's page.
        self.client.get(f"/survey/{token}/names", name="survey: names")
        found = CSRF.search(page.text)
        names = self.rng.sample(PLAN["survey_names"], 3)
        self.client.post(f"/survey/{token}", name="survey: answer", data={
            "csrf_token": found.group(1) if found else "", "name": names,
            "frequency": [self.rng.choice(["hebdomadaire", "mensuelle", "ponctuelle"]) for _ in names]})
