"""Grant files as public bodies publish them: the SCDL « subventions » layout (1.x, 2.1.1) and what is really written.

A grant needs three things, its **essentials**: a payer, a beneficiary (a name or an
identifier) and an amount. A row without one of them is refused (an error). Everything
else is **secondary** (dates, payment period, decision reference, nature, a SIRET that
fails its checks): when it cannot be read, the grant is still loaded, the raw text is
kept on the fact (``raw_payment_period``…) and a warning names the file, line, column
and value. A person's social security number (NIR), which some files put in a
"SIRET ou NIR" column, is never kept.

Columns are recognised by a score over the words of their header (:data:`FIELDS`):
SCDL field names in any case or spacing, French titles (``Montant total de la
subvention``), older layouts whose columns carry a family prefix (``BENEFICIAIRE_NOM``),
and the words publishers actually use (``Raison sociale``, ``Mandaté``, ``SIRET ou NIR``).
A list with no payer column (the publisher is the payer) takes it from ``--payer`` or
from a sheet title that names it with its SIRET. An unquoted decimal comma in a
comma-separated file is put back together when the columns around it leave no doubt
(:func:`recovered_row`).

The payer and each beneficiary become organisations, identified by RNA number, else
SIRET, else normalised name (and commune), so that the same organisation in several
files is one node; each grant becomes a ``FUNDS`` relationship. A grant file may hold
a million rows: it is streamed, read once to check and once to write.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from contextlib import suppress
from dataclasses import dataclass
from functools import lru_cache

from graph import schema
from graph.i18n import Bilingual, Message
from graph.model import Node, Relationship
from graph.schema import slugify
from graph.values import dates_in, parse_amount, parse_date
from importers.context import ImportContext
from importers.formats import Format, Recognition
from importers.identifiers import Checked, check_rna, check_siret, luhn_ok
from importers.tabular import Table, normalise_header, shaped_rows


@dataclass(frozen=True)
class Field:
    """A column Maillage reads in grant files: the SCDL name (or its own), what its cells look like (to put a
    row split by unquoted commas back together), and how its header is written."""

    name: str
    shape: str  # name (a name or a code: rarely a comma), text, id, date, period, amount, percent, word, any
    spellings: frozenset[str]  # whole headers, normalised (normalise_header)
    words: tuple[frozenset[str], ...]  # a header holding all the words of one set names this column
    weak: tuple[frozenset[str], ...] = ()  # the same, less sure (a header of one common word)
    unless: frozenset[str] = frozenset()  # words that mean another column (the amount of a loan…)


def _field(name: str, shape: str, spellings: str = "", words: str = "", weak: str = "", unless: str = "") -> Field:
    def sets(text: str) -> tuple[frozenset[str], ...]:
        return tuple(frozenset(group.split()) for group in text.split("|") if group.strip())
    return Field(name, shape, frozenset(normalise_header(s) for s in (name, *spellings.split("|")) if s),
                 sets(words), sets(weak), frozenset(unless.split()))


IDS = "id identification identifiant siret siren rna nir code numero date montant"
FIELDS: tuple[Field, ...] = (
    _field("nomAttribuant", "name", "nomdelattribuant", "nom attribuant|autorite administrative|attribuant|payeur|"
           "nom financeur", unless=IDS),
    _field("idAttribuant", "id", "identificationdelattribuantsiret|siretattribuant",
           "id attribuant|identification attribuant|identifiant attribuant|siret attribuant|siret autorite|"
           "siret financeur|siret collectivite"),
    _field("nomBeneficiaire", "name", "nomdubeneficiaire", "nom beneficiaire|beneficiaire|nom attributaire|"
           "attributaire|raison sociale|denomination", "nom|organisme|tier", IDS + " pourcentage 2 commune"),
    _field("nomBeneficiaire2", "text", "", "raison sociale 2|nom 2"),
    _field("idBeneficiaire", "id", "identificationdubeneficiairesiret|siretbeneficiaire",
           "id beneficiaire|identification beneficiaire|identifiant beneficiaire|siret beneficiaire|"
           "siret attributaire|siret org|siret organisme|siret nir|siret association",
           "siret|siren", "attribuant autorite financeur collectivite"),
    _field("rnaBeneficiaire", "id", "numerornadubeneficiaire", "rna"),
    _field("dateConvention", "date", "datedelaconvention", "date convention",
           "date decision|date octroi|date attribution|date deliberation|annee|exercice", "versement"),
    _field("referenceDecision", "name", "referencedeladecision", "reference decision|reference deliberation|"
           "reference", "numero deliberation|dossier code|numero dossier", "date"),
    _field("objet", "text", "objetdelasubvention", "objet|presentation demande|intitule|libelle", "dossier",
           "social code"),
    _field("montant", "amount", "montanttotaldelasubvention|montantdelasubvention",
           "montant subvention|montant total|montant octroye|montant attribue|montant decide|montant vote|montant|"
           "mandate", "verse|paye", "pourcentage pret garantie avantage estimation"),
    _field("nature", "word", "naturedelasubvention", "nature", unless="avantage detail estimation"),
    _field("conditionsVersement", "text", "conditionsdeversement", "condition versement"),
    _field("datesPeriodeVersement", "period", "datesouperiodesdeversement", "periode versement|date versement",
           unless="premier deuxieme second solde"),
    _field("datePremierVersement", "date", "", "premier versement|premier mandat"),
    _field("dateDeuxiemeVersement", "date", "datedeuxiemeversement", "deuxieme versement|second versement"),
    _field("dateVersementSolde", "date", "", "solde"),
    _field("idRAE", "any", "", "rae"),
    _field("notificationUE", "word", "", "notification|commission europeenne|minimi"),
    _field("pourcentageSubvention", "percent", "pourcentagedusubventionne", "pourcentage"),
    _field("dispositifAide", "text", "", "dispositif"),
    _field("communeBeneficiaire", "any", "", "commune|ville|libcom", unless="attribuant code insee"),
    _field("codePostalBeneficiaire", "any", "", "code postal|cp"),
)
BY_NAME = {f.name: f for f in FIELDS}
ESSENTIALS = {"nomBeneficiaire / idBeneficiaire": ("nomBeneficiaire", "idBeneficiaire"), "montant": ("montant",)}
_STOP = frozenset(("de", "la", "le", "les", "du", "des", "d", "l", "en", "au", "aux", "ou", "et", "a", "n", "no", "of",
                   "the", "par", "pour", "sur", "un", "une"))
ASSOCIATION_WORDS = re.compile(r"\b(association|asso|amicale|club|comite|comité|union|federation|fédération|"
                               r"collectif|foyer|cercle|societe sportive)\b", re.IGNORECASE)


@lru_cache(maxsize=4096)
def header_words(header: str) -> frozenset[str]:
    """The words of a header, in any case, accents, spacing or camelCase, plurals made singular.

    >>> sorted(header_words("Conditions de versement de la subvention")), sorted(header_words("NOM_Beneficiaire"))
    (['condition', 'subvention', 'versement'], ['beneficiaire', 'nom'])
    """
    split = re.sub(r"([a-z])([A-Z])", r"\1 \2", header)
    text = unicodedata.normalize("NFKD", split).encode("ascii", "ignore").decode("ascii").lower()
    return frozenset(w[:-1] if len(w) > 4 and w.endswith("s") else w
                     for w in re.findall(r"[a-z]+|\d+", text) if w not in _STOP)


def field_score(field: Field, header: str) -> float:
    """How surely *header* names *field*: 3 for one of its spellings, 2 and more for all the words of one of
    its word sets (more words, more sure), 1 and more for a weak set, 0 otherwise."""
    if normalise_header(header) in field.spellings:
        return 3.0
    words = header_words(header)
    if not words or words & field.unless:
        return 0.0
    strong = [len(group) for group in field.words if group <= words]
    if strong:
        return 2.0 + 0.1 * max(strong)
    weak = [len(group) for group in field.weak if group <= words]
    return 1.0 + 0.1 * max(weak) if weak else 0.0


@lru_cache(maxsize=256)
def _columns(headers: tuple[str, ...]) -> dict[str, int]:
    scored = sorted(((field_score(f, h), -index, f.name) for f in FIELDS for index, h in enumerate(headers)
                     if h.strip()), reverse=True)
    found: dict[str, int] = {}
    taken: set[int] = set()
    for score, negative_index, name in scored:
        if score > 0 and name not in found and -negative_index not in taken:
            found[name] = -negative_index
            taken.add(-negative_index)
    return found


def columns(table: Table) -> dict[str, int]:
    """Field -> the position of the column that names it best (each column names one field at most)."""
    return _columns(tuple(table.headers))


def column_shapes(table: Table) -> tuple[str, ...]:
    """What each column's cells look like (:attr:`Field.shape`; ``any`` for a column no field names)."""
    shape_at = {index: BY_NAME[name].shape for name, index in columns(table).items()}
    return tuple(shape_at.get(index, "any") for index in range(len(table.headers)))


def organisation_id(siret: str | None, rna: str | None, name: str, commune: str | None = None,
                    siren: str | None = None) -> str:
    """A stable identifier for an organisation: by RNA number, else SIRET, else SIREN (the legal unit, when a
    file gives only that), else normalised name (and commune).

    The order is the matching order of the sources: an association known by its RNA
    number in the RNA and in a grant file is one node; two clubs of the same name with
    different SIRENs are two.

    >>> organisation_id(None, "W761234567", "Les Jardins"), organisation_id(None, None, "Les Jardins", "76402")
    ('rna-W761234567', 'nom-les-jardins-76402')
    """
    if rna:
        return f"rna-{rna}"
    if siret:
        return f"siret-{siret}"
    if siren:
        return f"siren-{siren}"
    return "nom-" + slugify(f"{name} {commune or ''}")[:100]


def payment_period(text: str) -> tuple[str | None, str | None]:
    """``2017-01-01_2017-12-31`` or ``2017-03-30/2017-05-24`` (or one date) -> (start, end); ``ValueError``
    when the text holds something else than dates."""
    dates, leftover = dates_in(text)
    if leftover:
        raise ValueError(text)
    return (dates[0], dates[-1]) if dates else (None, None)


# --- a row split by unquoted commas -------------------------------------------------------------
_GROUPED_INTEGER = re.compile(r"\s*-?\d{1,3}(?:[\s\u00a0\u202f.]\d{3})*\s*|\s*-?\d+\s*")
_DECIMALS = re.compile(r"\d{1,2}\s*")
_NUMERIC = re.compile(r"\s*[\d\s\u00a0\u202f]+")
_ID_CELL = re.compile(r"\s*(?:[0-9A-Za-z .'’/-]{0,20}\d[0-9A-Za-z .'’/-]{0,20}|N/?[CDR]|NA|N/A|-|)\s*", re.IGNORECASE)
_SCIENTIFIC_TAIL = re.compile(r"\d+[eE]\+?\d+\s*")
_DATEISH = re.compile(r"[\d/.\-: T]*")
MULTI_CELL = {"name", "text", "amount", "percent", "id"}


def _amount_ok(text: str, empty_ok: bool) -> bool:
    try:
        return parse_amount(text) is not None or empty_ok
    except ValueError:
        return False


def _cost(shape: str, parts: tuple[str, ...]) -> int | None:
    """What reading *parts* (cells split at commas) as one cell of *shape* costs: 0 for a number put back
    together, 1 a comma inside a text, 2 inside a name (rarer), 3 a bare number inside a text; None: impossible."""
    if len(parts) == 1:
        text = parts[0]
        if shape == "amount":
            return 0 if _amount_ok(text, False) else None
        if shape == "percent":
            return 0 if _amount_ok(text, True) else None
        if shape == "id":
            return 0 if _ID_CELL.fullmatch(text) else None
        if shape == "date":
            return 0 if _DATEISH.fullmatch(text) else None
        if shape == "word":
            return None if text.strip() and _NUMERIC.fullmatch(text) else 0
        return 0
    if shape in ("amount", "percent"):
        return 0 if len(parts) == 2 and _GROUPED_INTEGER.fullmatch(parts[0]) and _DECIMALS.fullmatch(parts[1]) \
            else None
    if shape == "id":
        return 0 if len(parts) == 2 and parts[0].strip().isdigit() and _SCIENTIFIC_TAIL.fullmatch(parts[1]) else None
    if shape in ("name", "text"):
        each = 2 if shape == "name" else 1
        return sum(3 if _NUMERIC.fullmatch(part) else each for part in parts[1:])
    return None


def recovered_row(shapes: tuple[str, ...], cells: list[str]) -> list[str] | None:
    """*cells* (more than *shapes*, split at unquoted commas) read back as one cell per column, when a single
    reading costs least (:func:`_cost`): the columns around an amount or a text anchor it; None when two
    readings are as likely (a person must look).

    >>> shapes = ("name", "id", "text", "amount", "word", "period")
    >>> recovered_row(shapes, ["Ville", "21060004500392", "Travaux", "24 975", "00", "aide en numéraire", "2017"])
    ['Ville', '21060004500392', 'Travaux', '24 975,00', 'aide en numéraire', '2017']
    >>> recovered_row(("text", "text", "amount"), ["a", "b", "c", "10"]) is None
    True
    """
    count, width = len(cells), len(shapes)
    spare = count - width
    if spare <= 0:
        return None
    memo: dict[tuple[int, int], tuple[float, list[tuple[str, ...]]]] = {}

    def best(column: int, cell: int) -> tuple[float, list[tuple[str, ...]]]:
        if column == width:
            return (0, [()]) if cell == count else (float("inf"), [])
        if (column, cell) in memo:
            return memo[column, cell]
        options: list[tuple[float, str, list[tuple[str, ...]]]] = []
        widest = 1 + spare if shapes[column] in MULTI_CELL else 1
        for span in range(1, widest + 1):
            if cell + span > count - (width - column - 1):
                break
            parts = tuple(cells[cell:cell + span])
            cost = _cost(shapes[column], parts)
            if cost is None:
                continue
            rest_cost, rests = best(column + 1, cell + span)
            if rests:
                options.append((cost + rest_cost, ",".join(parts), rests))
        if not options:
            memo[column, cell] = (float("inf"), [])
        else:
            low = min(option[0] for option in options)
            readings = [(text, *rest) for cost, text, rests in options if cost == low for rest in rests]
            memo[column, cell] = (low, readings[:2])  # two are enough to know it is ambiguous
        return memo[column, cell]

    _, readings = best(0, 0)
    return list(readings[0]) if len(readings) == 1 else None


# --- the format -----------------------------------------------------------------------------------
_TITLE_SIRET = re.compile(r"(?<!\d)(\d(?:[ \u00a0]?\d){13})(?!\d)")


@dataclass(frozen=True)
class Payer:
    """Who pays when the file does not say it on each row: ``--payer``, or a sheet's title."""

    name: str
    identifier: str


def payer_in_title(table: Table) -> Payer | None:
    """The payer a sheet's title names with its SIRET (``DEPARTEMENT DE LA SARTHE 227 200 029 00014``)."""
    for text in table.title:
        found = _TITLE_SIRET.search(text)
        if found:
            digits = re.sub(r"\D", "", found.group(1))
            name = (text[:found.start()] + text[found.end():]).strip(" -–:,;")
            if luhn_ok(digits) and name:
                return Payer(name, digits)
    return None


class Grants(Format):
    name = "scdl"
    title = Bilingual("subventions au format SCDL (schéma 1.x et 2.1.1) et listes de subventions publiées",
                      "SCDL grant files (schema 1.x and 2.1.1) and published grant lists")
    description = Bilingual("l'attribuant et les bénéficiaires deviennent des organisations, chaque subvention un "
                            "financement", "the attributing body and beneficiaries become organisations, each grant "
                            "a funding")
    example = "maillage import subventions-2017.csv"
    phase = 30
    streamed = True

    def fields(self) -> tuple[str, ...]:
        return tuple(BY_NAME)

    def recognise(self, table: Table) -> Recognition:
        found = columns(table)
        needed = {essential: any(f in found for f in fields) for essential, fields in ESSENTIALS.items()}
        recognised = tuple(f"{table.headers[i].strip()} → {name}" for name, i in sorted(found.items(),
                                                                                        key=lambda item: item[1]))
        missing = tuple(name for name, ok in needed.items() if not ok)
        score = sum(needed.values()) / len(needed)
        if not missing:
            score += 0.01 * len(found) + (0.02 if ("nomAttribuant" in found or "idAttribuant" in found) else 0)
        return Recognition(score, recognised, missing)

    def rows(self, context: ImportContext, table: Table) -> Iterator[int]:
        positions = columns(table)
        payer = self._payer(context, table, positions)
        if payer is None:
            return
        names = {name: table.headers[i].strip() or name for name, i in positions.items()}
        shapes = column_shapes(table)
        merged_cells = table.workbook is not None
        pending: tuple[int, dict[str, str]] | None = None
        for line, cells in shaped_rows(context.report, table, lambda row: recovered_row(shapes, row)):
            value = {name: cells[i].strip() for name, i in positions.items() if i < len(cells)}
            if merged_cells and pending is not None and _continues(value):
                context.report.warning(table.label, line, None, " | ".join(v for v in value.values() if v)[:80],
                                       Message("expect.continuation"))
                for name, text in value.items():
                    if text and text != pending[1].get(name) and name != "notificationUE":
                        pending[1][name] = f"{pending[1].get(name, '')}\n{text}".strip()
                continue
            if pending is not None:
                _grant(context, table, pending[0], pending[1], payer, names)
                yield pending[0]
            pending = (line, value)
        if pending is not None:
            _grant(context, table, pending[0], pending[1], payer, names)
            yield pending[0]

    def _payer(self, context: ImportContext, table: Table, positions: dict[str, int]) -> Payer | None:
        """Who pays when a row does not say it: ``--payer``, else a sheet's title; a table with no payer column
        and neither is refused (``Payer("", "")`` means every row names its payer)."""
        options = context.options
        if options.payer or options.payer_id:
            return Payer(options.payer or "", options.payer_id or "")
        if "nomAttribuant" in positions or "idAttribuant" in positions:
            return Payer("", "")
        found = payer_in_title(table)
        if found is not None:
            context.report.warning(table.label, None, None, None, Message(
                "expect.payer_from_title", name=found.name, siret=found.identifier))
            return found
        context.report.error(table.label, None, None, None, Message("expect.payer"))
        return None


def _continues(value: dict[str, str]) -> bool:
    """Whether a workbook row only carries on the row above (a cell merged over both): it has none of a grant's
    own values, only more of its secondary ones (a second payment date)."""
    own = ("nomBeneficiaire", "idBeneficiaire", "montant", "nomAttribuant", "idAttribuant", "objet", "rnaBeneficiaire")
    return not any(value.get(name) for name in own)


def _identifier(context: ImportContext, table: Table, line: int, column: str, raw: str) -> Checked:
    checked = check_siret(raw)
    if checked.problem:
        context.report.warning(table.label, line, column, checked.shown or raw, checked.problem)
    return checked


def _grant(context: ImportContext, table: Table, line: int, value: dict[str, str], payer: Payer,
           names: dict[str, str]) -> None:
    report, label, column = context.report, table.label, names.get
    ok = True
    raw_amount = value.get("montant", "")
    amount = None
    with suppress(ValueError):
        amount = parse_amount(raw_amount)
    if amount is None:
        report.error(label, line, column("montant", "montant"), raw_amount, Message("expect.amount"))
        ok = False
    payer_name = value.get("nomAttribuant") or payer.name
    payer_id = _identifier(context, table, line, column("idAttribuant", "idAttribuant"),
                           value.get("idAttribuant") or payer.identifier)
    if not payer_name and not payer_id.value:
        report.error(label, line, column("nomAttribuant", "nomAttribuant"), "", Message("expect.payer_value"))
        ok = False
    beneficiary_name = " ".join(v for v in (value.get("nomBeneficiaire"), value.get("nomBeneficiaire2")) if v)
    beneficiary_id = _identifier(context, table, line, column("idBeneficiaire", "idBeneficiaire"),
                                 value.get("idBeneficiaire", ""))
    rna = check_rna(value.get("rnaBeneficiaire", ""))
    if rna.problem:
        report.warning(label, line, column("rnaBeneficiaire", "rnaBeneficiaire"), value.get("rnaBeneficiaire"),
                       rna.problem)
    siret = beneficiary_id.value if beneficiary_id.trusted else None
    if not (beneficiary_name or siret or rna.value or beneficiary_id.siren):
        report.error(label, line, column("nomBeneficiaire", "nomBeneficiaire"), "", Message("expect.beneficiary"))
        ok = False
    if not ok or amount is None:
        return
    grant: dict[str, object] = {"amount": amount}
    raw_date = value.get("dateConvention", "")
    try:
        convention = parse_date(raw_date)
    except ValueError:
        report.warning(label, line, column("dateConvention", "dateConvention"), raw_date,
                       Message("expect.unreadable_kept", expected=Message("expect.date"), field="raw_date"))
        convention, grant["raw_date"] = None, raw_date
    start, end = _payment(context, table, line, value, grant, names)
    prov = context.provenance(table, line)
    payer_siret = payer_id.value if payer_id.trusted else None
    funder = organisation_id(payer_siret, None, payer_name, siren=payer_id.siren)
    if funder not in context.nodes:
        context.nodes[funder] = Node(schema.PARTNER.label, funder, payer_name or f"SIRET {payer_id.value}", {
            "category": "attribuant", "siret": payer_siret, "siren": payer_id.siren}, prov)
    commune = value.get("communeBeneficiaire") or None
    beneficiary = organisation_id(siret, rna.value, beneficiary_name, commune, beneficiary_id.siren)
    if beneficiary not in context.nodes:
        kind = schema.ASSOCIATION.label if (rna.value or ASSOCIATION_WORDS.search(beneficiary_name)) \
            else schema.PARTNER.label
        properties: dict[str, object] = {"siret": siret, "siren": beneficiary_id.siren, "commune_name": commune,
                                         "postcode": value.get("codePostalBeneficiaire") or None}
        if kind == schema.ASSOCIATION.label:
            properties["rna"] = rna.value
        else:
            properties["category"] = "beneficiaire"
        shown = beneficiary_name or (f"SIRET {siret}" if siret else f"SIREN {beneficiary_id.siren}")
        context.nodes[beneficiary] = Node(kind, beneficiary, shown, properties, prov)
    reference, obj = value.get("referenceDecision", ""), value.get("objet", "")
    # The amount tells apart two grants of one year to one beneficiary that nothing else does.
    key = f"{slugify(f'{reference} {convention or raw_date} {obj}')[:180]}-{amount:.2f}".lstrip("-")
    grant.update({"date": convention, "object": obj, "reference": reference, "nature": value.get("nature"),
                  "payment_start": start, "payment_end": end, "since": convention})
    context.relationships.append(Relationship("FUNDS", funder, beneficiary, key, grant, prov))


PAYMENT_FIELDS = ("datesPeriodeVersement", "datePremierVersement", "dateDeuxiemeVersement", "dateVersementSolde")


def _payment(context: ImportContext, table: Table, line: int, value: dict[str, str], grant: dict[str, object],
             names: dict[str, str]) -> tuple[str | None, str | None]:
    """The payment period's start and end, from the period column or the dates of the first, second and last
    payments; the text that is not a date is kept (``raw_payment_period``) and warned about."""
    dates: list[str | None] = []
    for name in PAYMENT_FIELDS:
        text = value.get(name)
        if not text:
            continue
        found, leftover = dates_in(text)
        dates += found
        if leftover:
            grant["raw_payment_period"] = text
            shown = ", ".join(d or "?" for d in found) or "—"
            context.report.warning(table.label, line, names.get(name, name), text,
                                   Message("expect.period_text", dates=shown))
    known = [d for d in dates if d]
    if len(dates) == 2:
        return dates[0], dates[1]
    return (known[0], known[-1]) if known else (None, None)


FORMAT = Grants()
