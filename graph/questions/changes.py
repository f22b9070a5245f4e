"""What changed between two dates: new and ended ties, actors who became or stopped being isolated."""
from __future__ import annotations

from graph.answers import EVIDENCE, INTEGER, SUMMARY, TEXT, array, obj
from graph.errors import InvalidParameter
from graph.i18n import Bilingual, Message
from graph.questions.declaration import Date, Parameter, Question
from graph.questions.table import kind, name, table, w
from graph.territory import Territory


def changes(t: Territory, start: str, end: str) -> dict:
    """The cooperation network on *end* compared with the one on *start*."""
    if end < start:
        raise InvalidParameter("to", end, Message("expect.after", start=start))
    before, after = t.network(start), t.network(end)
    edges_before = {tuple(sorted(e)) for e in before.edges()}
    edges_after = {tuple(sorted(e)) for e in after.edges()}

    def ties(edges, g):
        return [{"source": t.summary(a), "target": t.summary(b), "weight": g[a][b]["weight"],
                 "evidence": [t.describe_evidence(e) for e in g[a][b]["evidence"]]} for a, b in sorted(edges)]

    isolated_before = {n for n in before if before.degree(n) == 0}
    isolated_after = {n for n in after if after.degree(n) == 0}
    return {"from": start, "to": end,
            "new_ties": ties(edges_after - edges_before, after),
            "ended_ties": ties(edges_before - edges_after, before),
            "became_isolated": [t.summary(n) for n in sorted(isolated_after - isolated_before)],
            "no_longer_isolated": [t.summary(n) for n in sorted(isolated_before - isolated_after)]}


def as_table(result: dict) -> str:
    blocks = []
    for key in ("new_ties", "ended_ties"):
        blocks.append(w(key) + "\n" + table([w("actor"), w("actor"), w("weight")],
                                            [[name(x["source"]), name(x["target"]), x["weight"]] for x in result[key]]))
    for key in ("became_isolated", "no_longer_isolated"):
        blocks.append(w(key) + "\n" + table([w("actor"), w("kind")], [[name(a), kind(a)] for a in result[key]]))
    return "\n\n".join(blocks)


_TIES = array(obj({"source": SUMMARY, "target": SUMMARY, "weight": INTEGER, "evidence": array(EVIDENCE)}))
ANSWER = obj({"from": TEXT, "to": TEXT, "new_ties": _TIES, "ended_ties": _TIES, "became_isolated": array(SUMMARY),
              "no_longer_isolated": array(SUMMARY)})

QUESTION = Question(
    name="changes",
    title=Bilingual("Ce qui a changé entre deux dates", "What changed between two dates"),
    summary=Bilingual("Ce qui a changé entre deux dates : liens nouveaux ou terminés, acteurs devenus "
                      "(ou plus) isolés.",
                      "What changed between two dates: new or ended ties, actors who became (or stopped being) "
                      "isolated."),
    function=changes,
    parameters=(Parameter("start", Date(), Bilingual("Date de début (AAAA-MM-JJ).", "Start date (YYYY-MM-DD)."),
                          required=True, public="from", expected_when_missing="expect.iso_date", example="2021-01-01"),
                Parameter("end", Date(), Bilingual("Date de fin (AAAA-MM-JJ).", "End date (YYYY-MM-DD)."),
                          required=True, public="to", expected_when_missing="expect.iso_date", example="2025-01-01")),
    path="/cooperation/changes",
    table=as_table,
    answer=ANSWER,
    order=100,
)
