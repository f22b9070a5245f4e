"""Loading the ``metropole`` territory into Neo4j: Maillage's importer, Neo4j's own ``LOAD CSV``, a naive importer.

In one run, on one Neo4j server (started here, its ``LOAD CSV`` folder being the
folder of the generated files), the same canonical template files (about 100,000
nodes and 1,000,000 relationships) are loaded four ways, each into an emptied
database:

1. **Maillage**: ``import_files`` as ``maillage import`` runs it (reading, checking
   every cell and reference, then writing in ``UNWIND`` batches);
2. **LOAD CSV, CREATE**: what a Neo4j user would write for a first load into an empty
   database: ``CREATE`` for the nodes and relationships (``MERGE`` only for the themes,
   named again and again in the files), straight from the files, in transactions of 10,000 rows;
3. **LOAD CSV, MERGE**: the same with ``MERGE`` everywhere (what a load into a database
   that may already hold some of it needs, and what Maillage's importer does for the facts it
   did not create itself);
4. **naive**: one ``MERGE`` per row, each in its own transaction, through the driver, on a
   stated sample: every ``--naive-every``-th row of every file (node rows first, into the empty
   database; then the other nodes loaded untimed; then every ``--naive-every``-th relationship
   row), extrapolated to the whole files. Its rate depends on the disk's syncs: the sample is
   timed in four parts and the slowest and fastest parts are printed too.

Relationships per second = relationships loaded / wall time of the whole load (nodes
included); for 4, the extrapolated time of the whole load.

Every importer's result is checked against Maillage's: the same counts, and the same content
hash (every node's kind, id, name and properties, every relationship's type, ends, key and
properties, in a canonical order; provenance left out, since it records when and how).

The first load on a fresh server is slower (its code not yet compiled, its store files
still growing): before anything is timed, 1 and 2 each load the smaller ``interco``
territory once. Then 1 and 2 are run ``--rounds`` times each, alternately (Maillage
first in odd rounds, LOAD CSV first in even ones). Every run is printed; the ratios
compare each importer's best run.

    .venv/bin/python benchmarks/import_neo4j.py [--scale metropole] [--rounds 2] [--naive-every 50]
"""
from __future__ import annotations

import argparse
import csv
import os
import tempfile
import time
from pathlib import Path

from common import neo4j_store

from graph.backup import content_lines, lines_hash
from graph.schema import PARTICIPATION_ROLES as ROLES
from graph.synthetic import generate
from importers.pipeline import import_files

KIND = ("CASE row.type WHEN 'agent' THEN 'Agent' WHEN 'service' THEN 'Service' WHEN 'elu' THEN 'Elected' "
        "WHEN 'association' THEN 'Association' ELSE 'Partner' END")
PROVENANCE = "prov_source: $file, prov_line: linenumber(), prov_kind: 'file', prov_at: $at"
LOAD = "LOAD CSV WITH HEADERS FROM $url AS row FIELDTERMINATOR ';' CALL (row) { %s } IN TRANSACTIONS OF 10000 ROWS"
def slug(text: str) -> str:
    """Cypher for graph.schema.slugify: lower case, accents dropped, every run of other characters one hyphen."""
    chars = f"[x IN split(normalize(toLower({text}), NFKD), '') WHERE NOT x =~ '\\\\p{{M}}']"
    joined = (f"reduce(out = '', c IN {chars} | CASE WHEN c =~ '[a-z0-9]' THEN out + c "
              "WHEN out = '' OR right(out, 1) = '-' THEN out ELSE out + '-' END)")
    return f"CASE WHEN {joined} ENDS WITH '-' THEN left({joined}, size({joined}) - 1) ELSE {joined} END"


THEME_LINKS = f"""
WITH row WHERE row.themes IS NOT NULL
UNWIND [label IN split(row.themes, '|') WHERE trim(label) <> ''] AS label
WITH row, trim(label) AS label
MERGE (t:Entity {{id: 'theme-' + {slug("label")}}}) ON CREATE SET t.name = label, t:Theme
WITH row, t
MATCH (a:Entity {{id: row.identifiant}})
MERGE (a)-[r:REL_TYPE {{key: ''}}]->(t) SET r += {{{PROVENANCE}}}"""
LOAD_CSV = [
    ("acteurs.csv", f"""
MERGE (n:Entity {{id: row.identifiant}})
SET n += CASE row.type
  WHEN 'agent' THEN {{job_title: row.fonction, service: row.service}}
  WHEN 'association' THEN {{category: row.categorie, description: row.description, commune: row.commune,
                           siret: replace(row.siret, ' ', ''), rna: toUpper(row.rna)}}
  WHEN 'partenaire' THEN {{category: row.categorie, description: row.description, commune: row.commune,
                          siret: replace(row.siret, ' ', '')}}
  ELSE {{category: row.categorie, description: row.description}} END
SET n += {{name: row.nom, {PROVENANCE}}}
SET n:$({KIND})"""),
    ("projets.csv", f"""
MERGE (n:Entity {{id: row.identifiant}})
SET n += {{name: row.nom, status: row.statut, since: row.debut, until: row.fin, description: row.description,
          {PROVENANCE}}}
SET n:Project"""),
    ("acteurs.csv", THEME_LINKS.replace("REL_TYPE", "ENGAGED_IN")),
    ("projets.csv", THEME_LINKS.replace("REL_TYPE", "ADDRESSES")),
    ("acteurs.csv", f"""
WITH row WHERE row.service IS NOT NULL AND row.type = 'agent'
MATCH (a:Entity {{id: row.identifiant}}), (s:Entity {{id: row.service}})
MERGE (a)-[r:MEMBER_OF {{key: ''}}]->(s) SET r += {{{PROVENANCE}}}"""),
    ("acteurs.csv", f"""
WITH row WHERE row.service IS NOT NULL AND row.type = 'service'
MATCH (a:Entity {{id: row.identifiant}}), (s:Entity {{id: row.service}})
MERGE (a)-[r:PART_OF {{key: ''}}]->(s) SET r += {{{PROVENANCE}}}"""),
    ("participations.csv", f"""
MATCH (a:Entity {{id: row.acteur}}), (p:Entity {{id: row.projet}})
WITH row, a, p, coalesce($roles[{slug("coalesce(row.role, '')")}], 'contributor') AS role
MERGE (a)-[r:PARTICIPATES_IN {{key: role}}]->(p)
SET r += {{role: role, since: row.debut, until: row.fin, {PROVENANCE}}}"""),
    ("cooperations.csv", f"""
MATCH (a:Entity {{id: row.acteur_a}}), (b:Entity {{id: row.acteur_b}})
MERGE (a)-[r:COOPERATES_WITH {{key: {slug("coalesce(row.nature, '')")}}}]->(b)
SET r += {{nature: row.nature, frequency: row.frequence, since: row.debut, until: row.fin, origin: row.source,
          {PROVENANCE}}}"""),
    ("financements.csv", f"""
MATCH (a:Entity {{id: row.financeur}}), (b:Entity {{id: coalesce(row.beneficiaire, row.projet)}})
MERGE (a)-[r:FUNDS {{key: {slug("coalesce(row.date, '') + ' ' + coalesce(row.objet, '') + ' ' + "
                             "CASE WHEN row.beneficiaire IS NULL THEN coalesce(row.projet, '') ELSE '' END")}}}]->(b)
SET r += {{amount: toFloat(replace(row.montant, ',', '.')), date: row.date, object: row.objet,
          project: CASE WHEN row.beneficiaire IS NOT NULL THEN row.projet END, since: row.date, {PROVENANCE}}}"""),
]
# A first load into an empty database: every node and relationship created outright (themes, named by many rows,
# are still merged).
LOAD_CSV_CREATE = [(file, body.replace("MERGE (n:Entity", "CREATE (n:Entity")
                    .replace("MERGE (a)-[r:", "CREATE (a)-[r:"))
                   for file, body in LOAD_CSV]
# The naive importer: each statement above, for one row given as parameters, in a transaction of its own.
NAIVE = [(file, "WITH $row AS row " + body.replace("linenumber()", "$line")) for file, body in LOAD_CSV]


def load_csv(store, subfolder: str = "", statements=LOAD_CSV) -> None:
    """The files of the server's import folder (or of *subfolder* inside it), loaded by LOAD CSV."""
    at = time.strftime("%Y-%m-%dT%H:%M:%S")
    with store.driver.session(database=store.database) as session:
        for file, body in statements:
            # CALL ... IN TRANSACTIONS needs an auto-commit transaction, hence session.run.
            session.run(LOAD % body, url=f"file:///{subfolder}{file}", file=file, at=at, roles=ROLES).consume()


def rows_of(folder: Path, file: str) -> list[tuple[int, dict]]:
    with (folder / file).open(encoding="utf-8", newline="") as handle:
        return [(line, {k: (v or None) for k, v in row.items()})
                for line, row in enumerate(csv.DictReader(handle, delimiter=";"), start=2)]


def naive(store, folder: Path, statements: list[tuple[str, str]], every: int) -> tuple[list[float], int, int]:
    """Every *every*-th row of each statement's file, one transaction each: (seconds per row, rows sent, rows in
    the files)."""
    at = time.strftime("%Y-%m-%dT%H:%M:%S")
    times, total = [], 0
    with store.driver.session(database=store.database) as session:
        for file, query in statements:
            rows = rows_of(folder, file)
            total += len(rows)
            for line, row in rows[::every]:
                started = time.perf_counter()
                session.execute_write(lambda tx: tx.run(query, row=row, file=file, line=line, at=at,
                                                         roles=ROLES).consume())
                times.append(time.perf_counter() - started)
    return times, len(times), total


def facts(store) -> list[str]:
    """Every node and relationship (provenance left out), one canonical line each, in a canonical order."""
    from dataclasses import replace

    from graph.stores.base import Dump

    dump = store.dump()
    return list(content_lines(Dump([replace(n, provenance=None) for n in dump.nodes],
                                    [replace(r, provenance=None) for r in dump.relationships], [])))


def counts(store) -> tuple[int, int]:
    return sum(store.node_counts().values()), sum(store.relationship_counts().values())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="metropole", choices=["commune", "interco", "metropole"])
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--naive-every", type=int, default=50, help="the naive importer's sample: 1 row in N")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        generated = generate(args.scale, 1, folder)
        print(f"{args.scale}: {generated['nodes']} nodes, {generated['relationships']} relationships "
              f"in {len(list(folder.glob('*.csv')))} template files")
        generate("interco", 1, folder / "warmup")
        importers = {"Maillage importer": lambda store, sub="": import_files([folder / sub], store),
                     "Neo4j LOAD CSV, CREATE": lambda store, sub="": load_csv(store, sub, LOAD_CSV_CREATE),
                     "Neo4j LOAD CSV, MERGE": lambda store, sub="": load_csv(store, sub)}
        runs: dict[str, list[tuple[float, int, int]]] = {name: [] for name in importers}
        contents: dict[str, list[str]] = {}
        with neo4j_store(import_dir=folder) as store:
            settings = {r["name"]: r["value"] for r in store.driver.execute_query(
                "SHOW SETTINGS YIELD name, value WHERE name IN $names RETURN name, value",
                names=["server.memory.pagecache.size", "dbms.memory.transaction.total.max"]).records}
            print(f"server: page cache {settings.get('server.memory.pagecache.size')}, JVM "
                  f"{os.environ.get('MAILLAGE_NEO4J_HEAP_OPTS', '-Xmx2g') if not os.environ.get('NEO4J_URI') else '?'}")
            for name, load in importers.items():
                store.clear()
                started = time.perf_counter()
                load(store, "warmup/")
                print(f"warm-up (interco, not counted): {name}: {time.perf_counter() - started:.1f} s", flush=True)
            for round_number in range(1, args.rounds + 1):
                order = list(importers) if round_number % 2 else list(reversed(importers))
                for name in order:
                    store.clear()
                    started = time.perf_counter()
                    importers[name](store)
                    seconds = time.perf_counter() - started
                    nodes, rels = counts(store)
                    runs[name].append((seconds, nodes, rels))
                    contents.setdefault(name, facts(store))
                    print(f"round {round_number}: {name}: {rels} relationships in {seconds:.1f} s", flush=True)

            store.clear()
            node_times, node_rows, node_total = naive(store, folder, NAIVE[:2], args.naive_every)
            load_csv(store, "", LOAD_CSV[:2])  # the other nodes, not timed
            rel_times, rel_rows, rel_total = naive(store, folder, NAIVE[2:], args.naive_every)
            extrapolated = sum(node_times) * node_total / node_rows + sum(rel_times) * rel_total / rel_rows
            quarters = [rel_times[i * len(rel_times) // 4:(i + 1) * len(rel_times) // 4] for i in range(4)]
            quarter_rates = [len(q) / sum(q) for q in quarters if q]

        print("\nthe same content loaded by every importer (counts, then SHA-256 of the facts without provenance):")
        reference = contents["Maillage importer"]
        for name in importers:
            same = contents[name] == reference
            print(f"  {name:<28} {runs[name][0][1]:>8} nodes {runs[name][0][2]:>9} relationships  "
                  f"{lines_hash(contents[name])[:16]}  {'equal' if same else 'DIFFERENT'}")
            if not same:
                theirs = set(contents[name])
                for line in [line for line in reference if line not in theirs][:3]:
                    print(f"    only Maillage's: {line.strip()[:300]}")
                ours = set(reference)
                for line in [line for line in contents[name] if line not in ours][:3]:
                    print(f"    only {name}'s: {line.strip()[:300]}")
        assert all(contents[name] == reference for name in importers), "the importers disagree"

        rates = {}
        for name, done in runs.items():
            seconds_best, nodes, rels = min(done)
            rates[name] = (rels / seconds_best, seconds_best, nodes, rels)
        total_rels = runs["Maillage importer"][0][2]
        naive_name = f"naive (1 row in {args.naive_every}, extrapolated)"
        rates[naive_name] = (total_rels / extrapolated, extrapolated, None, total_rels)
        print(f"\n{'importer (best run)':<40} {'nodes':>8} {'relationships':>14} {'seconds':>9} {'rels/s':>9}")
        for name, (rate, seconds, nodes, rels) in rates.items():
            print(f"{name:<40} {nodes if nodes is not None else '':>8} {rels:>14} {seconds:>9.1f} {rate:>9.0f}")
        print(f"naive sample: {node_rows} of {node_total} node rows in {sum(node_times):.1f} s, {rel_rows} of "
              f"{rel_total} relationship rows in {sum(rel_times):.1f} s; relationship rows per second by quarter "
              f"of the sample: {', '.join(f'{r:.0f}' for r in quarter_rates)}")
        ours = rates["Maillage importer"][0]
        print(f"\nMaillage / LOAD CSV with CREATE: {ours / rates['Neo4j LOAD CSV, CREATE'][0]:.2f}x")
        print(f"Maillage / LOAD CSV with MERGE:  {ours / rates['Neo4j LOAD CSV, MERGE'][0]:.2f}x")
        print(f"Maillage / naive:                {ours / rates[naive_name][0]:.1f}x "
              f"(by quarter of the sample: {min(quarter_rates) / max(quarter_rates):.2f} to 1 of the rate)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
