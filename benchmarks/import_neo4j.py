"""Loading the ``metropole`` territory into Neo4j: Maillage's importer, Neo4j's own ``LOAD CSV``, a naive importer.

In one run, on one Neo4j server (started here, its ``LOAD CSV`` folder being the
folder of the generated files), the same canonical template files (about 100,000
nodes and 1,000,000 relationships) are loaded three ways, each into an emptied
database:

1. **Maillage**: ``import_files`` as ``maillage import`` runs it (reading, checking
   every cell and reference, then writing in ``UNWIND`` batches);
2. **LOAD CSV**: Cypher statements that ``MERGE`` the same nodes and relationships,
   with the same properties, straight from the files, in transactions of 10,000 rows;
3. **naive**: one ``MERGE`` per row, each in its own transaction, through the driver.
   It is timed on the first ``--naive-rows`` relationship rows (after the nodes are
   in place): its rate is steady, and the whole file would take hours.

Relationships per second = relationships loaded / wall time of the whole load
(nodes included) for 1 and 2, of the relationship rows alone for 3.

The first load on a fresh server is slower (its code not yet compiled, its store files
still growing): before anything is timed, 1 and 2 each load the smaller ``interco``
territory once. Then 1 and 2 are run ``--rounds`` times each, alternately (Maillage
first in odd rounds, LOAD CSV first in even ones). Every run is printed; the ratios
compare each importer's best run.

    .venv/bin/python benchmarks/import_neo4j.py [--scale metropole] [--rounds 2] [--naive-rows 20000]
"""
from __future__ import annotations

import argparse
import csv
import os
import tempfile
import time
from pathlib import Path

from common import neo4j_store

from graph.synthetic import generate
from importers.pipeline import import_files

KIND = ("CASE row.type WHEN 'agent' THEN 'Agent' WHEN 'service' THEN 'Service' WHEN 'elu' THEN 'Elected' "
        "WHEN 'association' THEN 'Association' ELSE 'Partner' END")
PROVENANCE = "prov_source: $file, prov_line: linenumber(), prov_kind: 'file', prov_at: $at"
LOAD = "LOAD CSV WITH HEADERS FROM $url AS row FIELDTERMINATOR ';' CALL (row) { %s } IN TRANSACTIONS OF 10000 ROWS"
THEME_LINKS = f"""
WITH row WHERE row.themes IS NOT NULL
UNWIND split(row.themes, '|') AS label
MERGE (t:Entity {{id: 'theme-' + toLower(label)}}) ON CREATE SET t.name = label, t:Theme
WITH row, t
MATCH (a:Entity {{id: row.identifiant}})
MERGE (a)-[r:REL_TYPE {{key: ''}}]->(t) SET r += {{{PROVENANCE}}}"""
LOAD_CSV = [
    ("acteurs.csv", f"""
MERGE (n:Entity {{id: row.identifiant}})
SET n += {{name: row.nom, category: row.categorie, job_title: row.fonction, siret: row.siret, rna: row.rna,
          commune: row.commune, description: row.description, service: row.service, {PROVENANCE}}}
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
MERGE (a)-[r:PARTICIPATES_IN {{key: coalesce(row.role, 'contributor')}}]->(p)
SET r += {{role: row.role, since: row.debut, until: row.fin, {PROVENANCE}}}"""),
    ("cooperations.csv", f"""
MATCH (a:Entity {{id: row.acteur_a}}), (b:Entity {{id: row.acteur_b}})
MERGE (a)-[r:COOPERATES_WITH {{key: toLower(coalesce(row.nature, ''))}}]->(b)
SET r += {{nature: row.nature, frequency: row.frequence, since: row.debut, until: row.fin, origin: row.source,
          {PROVENANCE}}}"""),
    ("financements.csv", f"""
MATCH (a:Entity {{id: row.financeur}}), (b:Entity {{id: coalesce(row.beneficiaire, row.projet)}})
MERGE (a)-[r:FUNDS {{key: coalesce(row.date, '') + ' ' + coalesce(row.objet, '')}}]->(b)
SET r += {{amount: toFloat(replace(row.montant, ',', '.')), date: row.date, object: row.objet,
          since: row.date, {PROVENANCE}}}"""),
]
NAIVE = {
    "participations.csv": """
MATCH (a:Entity {id: $row.acteur}), (p:Entity {id: $row.projet})
MERGE (a)-[r:PARTICIPATES_IN {key: coalesce($row.role, 'contributor')}]->(p)
SET r += {role: $row.role, since: $row.debut, until: $row.fin, prov_source: $file, prov_line: $line}""",
    "cooperations.csv": """
MATCH (a:Entity {id: $row.acteur_a}), (b:Entity {id: $row.acteur_b})
MERGE (a)-[r:COOPERATES_WITH {key: toLower(coalesce($row.nature, ''))}]->(b)
SET r += {nature: $row.nature, frequency: $row.frequence, since: $row.debut, until: $row.fin,
          origin: $row.source, prov_source: $file, prov_line: $line}""",
}


def load_csv(store, subfolder: str = "", statements=LOAD_CSV) -> None:
    """The files of the server's import folder (or of *subfolder* inside it), loaded by LOAD CSV."""
    at = time.strftime("%Y-%m-%dT%H:%M:%S")
    with store.driver.session(database=store.database) as session:
        for file, body in statements:
            # CALL ... IN TRANSACTIONS needs an auto-commit transaction, hence session.run.
            session.run(LOAD % body, url=f"file:///{subfolder}{file}", file=file, at=at).consume()


def naive(store, folder: Path, limit: int) -> int:
    """One MERGE per relationship row, one transaction each; returns the rows sent."""
    sent = 0
    with store.driver.session(database=store.database) as session:
        for file, query in NAIVE.items():
            with (folder / file).open(encoding="utf-8", newline="") as handle:
                for line, row in enumerate(csv.DictReader(handle, delimiter=";"), start=2):
                    if sent >= limit:
                        return sent
                    row = {k: (v or None) for k, v in row.items()}
                    session.execute_write(lambda tx: tx.run(query, row=row, file=file, line=line).consume())
                    sent += 1
    return sent


def counts(store) -> tuple[int, int]:
    return sum(store.node_counts().values()), sum(store.relationship_counts().values())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="metropole", choices=["commune", "interco", "metropole"])
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--naive-rows", type=int, default=20000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        generated = generate(args.scale, 1, folder)
        print(f"{args.scale}: {generated['nodes']} nodes, {generated['relationships']} relationships "
              f"in {len(list(folder.glob('*.csv')))} template files")
        generate("interco", 1, folder / "warmup")
        importers = {"Maillage importer": lambda store, sub="": import_files([folder / sub], store),
                     "Neo4j LOAD CSV": lambda store, sub="": load_csv(store, sub)}
        runs: dict[str, list[tuple[float, int, int]]] = {name: [] for name in importers}
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
                    print(f"round {round_number}: {name}: {rels} relationships in {seconds:.1f} s", flush=True)

            store.clear()
            load_csv(store, "", LOAD_CSV[:2])  # the nodes, not timed
            started = time.perf_counter()
            sent = naive(store, folder, args.naive_rows)
            seconds = time.perf_counter() - started

        rates = {}
        for name, done in runs.items():
            seconds_best, nodes, rels = min(done)
            rates[name] = (rels / seconds_best, seconds_best, nodes, rels)
        rates["naive (one MERGE per transaction)"] = (sent / seconds, seconds, None, sent)
        print(f"\n{'importer (best run)':<36} {'nodes':>8} {'relationships':>14} {'seconds':>8} {'rels/s':>9}")
        for name, (rate, seconds, nodes, rels) in rates.items():
            print(f"{name:<36} {nodes if nodes is not None else '':>8} {rels:>14} {seconds:>8.1f} {rate:>9.0f}")
        ours = rates["Maillage importer"][0]
        print(f"\nMaillage / LOAD CSV: {ours / rates['Neo4j LOAD CSV'][0]:.2f}x (goal >= 0.8)")
        print(f"Maillage / naive:    {ours / rates['naive (one MERGE per transaction)'][0]:.1f}x (goal >= 20)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
