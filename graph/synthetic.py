"""Synthetic territories written in the canonical templates, for the example, tests and benchmarks.

Every territory has the structures the queries must find: silo services (their
agents only cooperate among themselves), brokers (agents who cooperate across
many services), isolated agents, partners tied to the town through a single
agent, and projects with no association involved. Output is deterministic for
a given profile and seed. All people and organisations are fictitious (the commune code 76999 does not exist).
"""
from __future__ import annotations

import csv
import random
from dataclasses import dataclass
from pathlib import Path

THEMES = ["Énergie", "Biodiversité", "Résilience", "Inclusion", "Inclusion numérique", "Mobilité",
          "Alimentation", "Eau", "Déchets", "Santé"]
# Two themes are carried narrowly on purpose, so that coverage queries have something to flag:
# data protection by a single person (the data protection officer), open data by a single service.
SINGLE_PERSON_THEME = "Protection des données"
SINGLE_SERVICE_THEME = "Données ouvertes"
POLES = ["Pôle Ressources", "Pôle Aménagement et transition", "Pôle Solidarités", "Pôle Vie locale"]
SERVICES = [
    ("Finances et commande publique", 0), ("Ressources humaines", 0), ("Numérique et données", 0),
    ("Services techniques", 1), ("Urbanisme et habitat", 1), ("Espaces verts et nature en ville", 1),
    ("Centre communal d'action sociale", 2), ("Petite enfance", 2), ("Restauration scolaire", 2),
    ("Médiathèque", 3), ("Vie associative et sports", 3), ("Culture et événements", 3),
]
FIRST_NAMES = ["Camille", "Léa", "Hugo", "Chloé", "Lucas", "Manon", "Louis", "Inès", "Jules", "Emma",
               "Nathan", "Sarah", "Théo", "Julie", "Enzo", "Clara", "Noé", "Zoé", "Yanis", "Lina",
               "Maël", "Anaïs", "Sacha", "Jade", "Malik", "Elsa", "Rémi", "Nadia", "Bastien", "Awa"]
LAST_NAMES = ["Aubertin", "Bellanger", "Carrel", "Delaunay-Fict", "Estève", "Fauvel", "Guérin-Test", "Hamelin",
              "Isambert", "Jourdan", "Kervella", "Lemarchand", "Mauduit", "Népveu", "Ollivier", "Pasquier",
              "Quéré", "Rivière-Exemple", "Salmon", "Toutain", "Vasseur", "Yvetot", "Lecanu", "Houel"]
JOBS = ["chargé·e de mission", "agent·e technique", "responsable de service", "assistant·e", "animateur·rice",
        "gestionnaire", "technicien·ne", "médiateur·rice", "directeur·rice", "éducateur·rice"]
ASSOCIATION_WORDS = ["Jardins partagés", "Vélo solidaire", "Repair café", "Amicale", "Club", "Collectif",
                     "Atelier", "Compagnie", "Épicerie solidaire", "Énergies citoyennes", "Les Amis",
                     "Ludothèque", "Chorale", "Secours populaire local", "Ressourcerie"]
PLACES = ["du Cailly", "de la Vallée", "des Coteaux", "du Bourg", "de la Gare", "des Prés", "du Moulin",
          "des Tilleuls", "de la Source", "du Plateau"]
PARTNER_CATEGORIES = [
    ("Métropole (fictive)", "intercommunalite"), ("Département (fictif)", "departement"),
    ("Région (fictive)", "region"), ("Services de l'État (fictifs)", "etat"), ("Collège", "education"),
    ("Bailleur social", "bailleur"), ("Coopérative d'énergie", "energie"), ("Entreprise", "entreprise"),
    ("Syndicat des eaux", "syndicat"), ("Caisse d'allocations (fictive)", "protection-sociale"),
]
PROJECT_WORDS = ["Plan", "Programme", "Atelier", "Défi", "Schéma", "Charte", "Opération", "Fête", "Observatoire",
                 "Parcours"]
STATUSES = ["en cours", "en cours", "terminé", "en projet"]
FREQUENCIES = ["quotidienne", "hebdomadaire", "mensuelle", "ponctuelle"]
NATURES = ["travail", "échange d'information", "conseil", "co-construction"]


@dataclass(frozen=True)
class Profile:
    services: int  # services under the pôles, the pôles excluded
    poles: int
    agents: int
    elected: int
    associations: int
    partners: int
    projects: int
    cooperations_per_agent: float
    participants_per_project: int
    silo_services: int = 2
    brokers: int = 3
    isolated_agents: int = 5
    single_agent_partners: int = 4


PROFILES: dict[str, Profile] = {
    "exemple": Profile(12, 4, 110, 15, 40, 25, 35, 2.2, 6),
    "commune": Profile(20, 4, 230, 25, 110, 55, 60, 3.0, 7, 3, 5, 10, 8),
    "interco": Profile(200, 20, 5000, 500, 2500, 980, 800, 5.0, 14, 12, 40, 150, 100),
    "metropole": Profile(2000, 100, 50000, 5000, 25000, 9900, 8000, 23.0, 8, 80, 300, 1500, 800),
}
SCALES = ("commune", "interco", "metropole")

HEADERS = {
    "acteurs": ["identifiant", "type", "nom", "service", "categorie", "fonction", "siret", "rna", "commune",
                "themes", "description"],
    "projets": ["identifiant", "nom", "statut", "debut", "fin", "themes", "description"],
    "participations": ["acteur", "projet", "role", "debut", "fin"],
    "cooperations": ["acteur_a", "acteur_b", "nature", "frequence", "debut", "fin", "source"],
    "financements": ["financeur", "beneficiaire", "projet", "montant", "date", "objet"],
}


def _luhn_siret(rng: random.Random) -> str:
    digits = [rng.randrange(10) for _ in range(13)]
    for check in range(10):
        candidate = digits + [check]
        total = 0
        for i, d in enumerate(reversed(candidate)):
            if i % 2:
                d *= 2
                d -= 9 if d > 9 else 0
            total += d
        if total % 10 == 0:
            return "".join(map(str, candidate))
    raise AssertionError("unreachable")


def generate(profile_name: str, seed: int, out: Path, commune: str = "76999") -> dict[str, int]:
    """Write a territory in the five templates under *out*.

    Returns the number of rows per template, and of ``nodes`` and ``relationships``
    the import will create.
    """
    profile = PROFILES[profile_name]
    rng = random.Random(f"{profile_name}:{seed}")
    rows: dict[str, list[list]] = {name: [] for name in HEADERS}
    big = profile.agents > 1000

    def suffix(i: int, n: int) -> str:
        return f" {i + 1}" if n > len(PLACES) or big else ""

    # Pôles and services.
    poles = [f"pole-{i + 1:03d}" for i in range(profile.poles)]
    for i, pole in enumerate(poles):
        name = POLES[i % len(POLES)] + (f" {i // len(POLES) + 1}" if profile.poles > len(POLES) else "")
        rows["acteurs"].append([pole, "service", name, "", "pôle", "", "", "", commune, "", ""])
    services = [f"svc-{i + 1:04d}" for i in range(profile.services)]
    service_pole: dict[str, str] = {}
    for i, svc in enumerate(services):
        base, pole_index = SERVICES[i % len(SERVICES)]
        pole = poles[(pole_index + 4 * (i // len(SERVICES))) % len(poles)]
        service_pole[svc] = pole
        name = base + (f" {i // len(SERVICES) + 1}" if profile.services > len(SERVICES) else "")
        rows["acteurs"].append([svc, "service", name, pole, "service", "", "", "", commune, "", ""])
    silos = set(services[-profile.silo_services:]) if profile.silo_services else set()

    # Agents, each in one service.
    agents = [f"ag-{i + 1:05d}" for i in range(profile.agents)]
    agent_service = {a: services[i % len(services)] for i, a in enumerate(agents)}
    members: dict[str, list[str]] = {s: [] for s in services}
    for a in agents:
        members[agent_service[a]].append(a)
    for i, a in enumerate(agents):
        name = f"{FIRST_NAMES[i % len(FIRST_NAMES)]} {LAST_NAMES[(i * 7 + i // 30) % len(LAST_NAMES)]}"
        if big:
            name += f" {i + 1}"
        rows["acteurs"].append([a, "agent", name, agent_service[a], "", rng.choice(JOBS), "", "", "", "", ""])
    isolated = set(rng.sample([a for a in agents if agent_service[a] not in silos], profile.isolated_agents))
    brokers = rng.sample([a for a in agents if a not in isolated and agent_service[a] not in silos],
                         profile.brokers)

    elected = [f"elu-{i + 1:04d}" for i in range(profile.elected)]
    for i, e in enumerate(elected):
        name = f"{FIRST_NAMES[(i * 3 + 5) % len(FIRST_NAMES)]} {LAST_NAMES[(i * 5 + 3) % len(LAST_NAMES)]}"
        delegations = "|".join(rng.sample(THEMES, rng.randint(1, 2)))
        role = "maire" if i == 0 else ("adjoint·e" if i < 6 else "conseiller·ère délégué·e")
        rows["acteurs"].append([e, "elu", name + (f" {i + 1}" if big else ""), "", role, "", "", "", commune,
                                delegations, ""])

    associations = [f"asso-{i + 1:05d}" for i in range(profile.associations)]
    for i, a in enumerate(associations):
        name = f"{ASSOCIATION_WORDS[i % len(ASSOCIATION_WORDS)]} {PLACES[(i // len(ASSOCIATION_WORDS)) % len(PLACES)]}"
        name += suffix(i, profile.associations) if profile.associations > len(ASSOCIATION_WORDS) * len(PLACES) else ""
        rna = f"W76{rng.randrange(10**7):07d}"
        rows["acteurs"].append([a, "association", name, "", "", "", "", rna, commune,
                                "|".join(rng.sample(THEMES, rng.randint(1, 2))), ""])

    partners = [f"part-{i + 1:05d}" for i in range(profile.partners)]
    for i, p in enumerate(partners):
        base, category = PARTNER_CATEGORIES[i % len(PARTNER_CATEGORIES)]
        name = base + (f" {i // len(PARTNER_CATEGORIES) + 1}" if i >= len(PARTNER_CATEGORIES) else "")
        rows["acteurs"].append([p, "partenaire", name, "", category, "", _luhn_siret(rng), "", "", "", ""])
    single_agent_partners = set(partners[-profile.single_agent_partners:])

    # Projects, their participants and their funding.
    projects = [f"proj-{i + 1:05d}" for i in range(profile.projects)]
    no_association_projects = set(projects[: max(2, profile.projects // 6)])
    open_agents = [a for a in agents if a not in isolated and agent_service[a] not in silos]
    open_partners = [p for p in partners if p not in single_agent_partners]
    data_service = services[2 % len(services)]
    for i, project in enumerate(projects[:-2]):
        themes = rng.sample(THEMES, rng.randint(1, 3))
        start_year = rng.randint(2019, 2025)
        status = rng.choice(STATUSES)
        end = f"{start_year + rng.randint(1, 3)}-12-31" if status == "terminé" else ""
        name = f"{PROJECT_WORDS[i % len(PROJECT_WORDS)]} {themes[0].lower()} {PLACES[i % len(PLACES)]}"
        name += f" {i + 1}" if profile.projects > len(PROJECT_WORDS) * len(PLACES) else ""
        rows["projets"].append([project, name, status, f"{start_year}-{rng.randint(1, 12):02d}-01", end,
                                "|".join(themes), ""])
        size = max(2, int(rng.gauss(profile.participants_per_project, profile.participants_per_project / 4)))
        lead = rng.choice(open_agents)
        chosen = {lead: "pilote"}
        while len(chosen) < size:
            draw = rng.random()
            if draw < 0.55:
                actor = rng.choice(open_agents)
            elif draw < 0.7:
                actor = rng.choice(elected)
            elif draw < 0.85 and project not in no_association_projects:
                actor = rng.choice(associations)
            else:
                actor = rng.choice(open_partners)
            chosen.setdefault(actor, rng.choice(["contributeur", "contributeur", "partenaire", "beneficiaire"]))
        for actor, role in chosen.items():
            rows["participations"].append([actor, project, role, "", ""])
        if rng.random() < 0.4:
            funder = rng.choice(open_partners)
            rows["participations"].append([funder, project, "financeur", "", ""])
            rows["financements"].append([funder, "", project, f"{rng.randint(2, 200) * 500},00",
                                         f"{start_year}-{rng.randint(1, 12):02d}-15", f"Soutien au projet {name}"])

    # The two narrowly carried themes.
    team_pool = [a for a in members[data_service] if a not in isolated]
    dpo, open_data_team = team_pool[0], team_pool[1:4]
    for project, theme, team, name in (
            (projects[-2], SINGLE_PERSON_THEME, [dpo], "Registre des traitements de données"),
            (projects[-1], SINGLE_SERVICE_THEME, open_data_team, "Portail de données ouvertes")):
        rows["projets"].append([project, name, "en cours", "2023-01-01", "", theme, ""])
        for k, agent in enumerate(team):
            rows["participations"].append([agent, project, "pilote" if k == 0 else "contributeur", "", ""])
        rows["participations"].append([rng.choice(open_partners), project, "partenaire", "", ""])

    # Declared cooperations: mostly inside one's service, some across the pôle, brokers everywhere.
    seen: set[tuple[str, str]] = set()

    def declare(a: str, b: str) -> None:
        if a == b or (a, b) in seen or (b, a) in seen:
            return
        seen.add((a, b))
        year = rng.randint(2018, 2025)
        until = f"{year + rng.randint(1, 4)}-06-30" if rng.random() < 0.08 else ""
        rows["cooperations"].append([a, b, rng.choice(NATURES), rng.choice(FREQUENCIES), f"{year}-01-01", until,
                                     "enquête interne 2025 (fictive)"])

    pole_services: dict[str, list[str]] = {}
    for svc, pole in service_pole.items():
        pole_services.setdefault(pole, []).append(svc)
    for a in agents:
        if a in isolated:
            continue
        service = agent_service[a]
        count = max(1, round(rng.expovariate(1 / profile.cooperations_per_agent)))
        for _ in range(count):
            draw = rng.random()
            if service in silos or draw < 0.6:
                pool = members[service]
            elif draw < 0.85:
                pool = members[rng.choice(pole_services[service_pole[service]])]
            else:
                pool = members[rng.choice(services)]
            candidates = [b for b in (rng.choice(pool), rng.choice(pool)) if b not in isolated
                          and (service in silos or agent_service[b] not in silos)]
            if candidates:
                declare(a, candidates[0])
    for broker in brokers:
        for svc in rng.sample([s for s in services if s not in silos], min(8, len(services) - len(silos))):
            pool = [b for b in members[svc] if b not in isolated]
            if pool:
                declare(broker, rng.choice(pool))
    for i, partner in enumerate(sorted(single_agent_partners)):
        declare(partner, open_agents[(i * 13) % len(open_agents)])
    for e in elected:
        for _ in range(2):
            declare(e, rng.choice(open_agents))
    for a in associations[: len(associations) // 2]:
        declare(a, rng.choice(open_agents))

    # Grants from the town to associations.
    town_funder = rng.choice([s for s in services if s not in silos])
    for a in associations:
        if rng.random() < 0.35:
            rows["financements"].append([town_funder, a, "", f"{rng.randint(2, 60) * 100},00",
                                         f"{rng.randint(2021, 2025)}-03-{rng.randint(1, 28):02d}",
                                         "Subvention de fonctionnement"])

    out.mkdir(parents=True, exist_ok=True)
    for name, header in HEADERS.items():
        with (out / f"{name}.csv").open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, delimiter=";", lineterminator="\n")
            writer.writerow(header)
            writer.writerows(rows[name])
    counts = {name: len(r) for name, r in rows.items()}
    theme_cells = [row[9] for row in rows["acteurs"]] + [row[5] for row in rows["projets"]]
    theme_lists = [[label for label in cell.split("|") if label] for cell in theme_cells]
    distinct_themes = {label for labels in theme_lists for label in labels}
    theme_links = sum(len(labels) for labels in theme_lists)
    structure_links = sum(1 for row in rows["acteurs"] if row[3])  # MEMBER_OF and PART_OF
    counts["nodes"] = counts["acteurs"] + counts["projets"] + len(distinct_themes)
    counts["relationships"] = (structure_links + theme_links + counts["participations"] + counts["cooperations"]
                               + counts["financements"])
    return counts


def write_workbook(folder: Path, out: Path) -> None:
    """The five CSV templates of *folder* as one XLSX workbook, one sheet per template."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    for name in HEADERS:
        sheet = workbook.create_sheet(name)
        with (folder / f"{name}.csv").open(encoding="utf-8", newline="") as handle:
            for row in csv.reader(handle, delimiter=";"):
                sheet.append(row)
    workbook.save(out)


SCDL_HEADER = ["nomAttribuant", "idAttribuant", "dateConvention", "referenceDecision", "nomBeneficiaire",
               "idBeneficiaire", "rnaBeneficiaire", "objet", "montant", "nature", "conditionsVersement",
               "datesPeriodeVersement", "idRAE", "notificationUE", "pourcentageSubvention"]


def write_scdl_grants(out: Path, rows: int, seed: int = 1, funders: int = 200, beneficiaries: int = 50000) -> Path:
    """A grants file in the SCDL « subventions » 2.1.1 layout, as the larger publishers write it
    (``;``, amounts with a decimal comma, payment periods with ``_``), written row by row.

    For benchmarks: *rows* grants from *funders* public bodies to *beneficiaries*
    associations (each with an RNA number) and companies (each with a SIRET).
    """
    rng = random.Random(seed)
    funder_list = [(f"Commune fictive {i}", _luhn_siret(rng)) for i in range(1, funders + 1)]
    beneficiary_list = []
    for i in range(1, beneficiaries + 1):
        if i % 3:
            beneficiary_list.append((f"Association fictive {i}", "", f"W76{i:07d}"))
        else:
            beneficiary_list.append((f"Entreprise fictive {i}", _luhn_siret(rng), ""))
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(SCDL_HEADER)
        for number in range(1, rows + 1):
            funder, funder_id = funder_list[rng.randrange(funders)]
            name, siret, rna = beneficiary_list[rng.randrange(beneficiaries)]
            year = 2017 + rng.randrange(9)
            date = f"{year}-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}"
            amount = f"{rng.randrange(100, 500000) / 1:.2f}".replace(".", ",")
            writer.writerow([funder, funder_id, date, f"DEL-{year}-{number}", name, siret, rna,
                             f"Subvention de fonctionnement {number}", amount, "aide en numéraire", "unique",
                             f"{date}_{year}-12-31", "", "non", ""])
    return out
