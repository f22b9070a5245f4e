"""The territory graph model, defined once.

Every other part of Maillage (stores, importers, queries, views) reads the node
kinds, relationship types and their vocabularies from here.

Node kinds are also the Neo4j labels; every node additionally carries the
``Entity`` label, on which the uniqueness of ``id`` is enforced, because
relationships in the templates name their ends by identifier alone.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

ENTITY_LABEL = "Entity"


@dataclass(frozen=True)
class NodeKind:
    label: str
    template_type: str  # the French word in the ``type`` column of acteurs.csv
    english_type: str  # the English word accepted in the same column
    personal: bool  # a natural person: exports and views may leave it out
    is_actor: bool  # takes part in the cooperation network
    properties: tuple[str, ...]  # what the importers set; others are allowed

    def display(self, lang: str | None = None) -> str:
        """How people call this kind (``kind.<label>`` in :mod:`graph.messages`)."""
        from graph.i18n import t

        return t("kind." + self.label, lang)


def kind_name(label: str, lang: str | None = None) -> str:
    """The display name of a node kind, or the label itself for a kind the schema does not know."""
    kind = NODE_KINDS.get(label)
    return kind.display(lang) if kind is not None else label


AGENT = NodeKind("Agent", "agent", "agent", True, True, ("name", "job_title", "service"))
SERVICE = NodeKind("Service", "service", "service", False, True, ("name", "category", "description"))
ELECTED = NodeKind("Elected", "elu", "elected", True, True, ("name", "description"))
ASSOCIATION = NodeKind(
    "Association", "association", "association", False, True,
    ("name", "rna", "siret", "siren", "commune", "commune_name", "postcode", "category", "description",
     "social_object_codes", "since", "until", "dissolved", "rna_layout", "rna_import_id"),
)
PARTNER = NodeKind(
    "Partner", "partenaire", "partner", False, True,
    ("name", "category", "siret", "siren", "commune", "commune_name", "postcode", "description"),
)
PROJECT = NodeKind("Project", "projet", "project", False, False,
                   ("name", "status", "since", "until", "description"))
THEME = NodeKind("Theme", "theme", "theme", False, False, ("name",))

NODE_KINDS: dict[str, NodeKind] = {k.label: k for k in (AGENT, SERVICE, ELECTED, ASSOCIATION, PARTNER, PROJECT, THEME)}
ACTOR_LABELS = tuple(k.label for k in NODE_KINDS.values() if k.is_actor)
PERSONAL_LABELS = tuple(k.label for k in NODE_KINDS.values() if k.personal)
ORGANISATION_LABELS = (ASSOCIATION.label, PARTNER.label)  # outside the town hall
TOWN_LABELS = (AGENT.label, SERVICE.label, ELECTED.label)  # the town hall itself
# Both the French template word and its English equivalent name a kind.
ACTOR_TYPE_WORDS: dict[str, str] = {}
for _kind in NODE_KINDS.values():
    if _kind.is_actor:
        ACTOR_TYPE_WORDS[_kind.template_type] = _kind.label
        ACTOR_TYPE_WORDS[_kind.english_type] = _kind.label
for _kind in NODE_KINDS.values():
    if _kind.is_actor:
        ACTOR_TYPE_WORDS[_kind.label.lower()] = _kind.label


def actor_kind(word: str | None) -> str | None:
    """The actor label a word names (French or English, any case or accents): ``"Élu"`` -> ``"Elected"``."""
    return ACTOR_TYPE_WORDS.get(slugify(word or "")) if word else None


@dataclass(frozen=True)
class RelationshipType:
    type: str
    sources: tuple[str, ...]
    targets: tuple[str, ...]
    properties: tuple[str, ...]  # what the importers set; others are allowed


MEMBER_OF = RelationshipType("MEMBER_OF", (AGENT.label,), (SERVICE.label,), ("role", "since", "until"))
PART_OF = RelationshipType("PART_OF", (SERVICE.label,), (SERVICE.label,), ("since", "until"))
PARTICIPATES_IN = RelationshipType("PARTICIPATES_IN", ACTOR_LABELS, (PROJECT.label,), ("role", "since", "until"))
COOPERATES_WITH = RelationshipType("COOPERATES_WITH", ACTOR_LABELS, ACTOR_LABELS,
                                   ("nature", "frequency", "since", "until", "declared_by", "origin"))
FUNDS = RelationshipType("FUNDS", ACTOR_LABELS, ACTOR_LABELS + (PROJECT.label,),
                         ("amount", "date", "object", "reference", "project", "since", "until", "nature",
                          "payment_start", "payment_end"))
ADDRESSES = RelationshipType("ADDRESSES", (PROJECT.label,), (THEME.label,), ("since", "until"))
ENGAGED_IN = RelationshipType("ENGAGED_IN", ACTOR_LABELS, (THEME.label,), ("since", "until"))

RELATIONSHIP_TYPES: dict[str, RelationshipType] = {
    r.type: r for r in (MEMBER_OF, PART_OF, PARTICIPATES_IN, COOPERATES_WITH, FUNDS, ADDRESSES, ENGAGED_IN)
}
# The relationships a node's own record carries (an agent's service, a service's parent, themes): a form
# or a PATCH edits them with the node, and the node's ETag covers them.
OWNED_TYPES = (MEMBER_OF.type, PART_OF.type, ENGAGED_IN.type, ADDRESSES.type)

# A declared cooperation until the other side confirms or disputes it.
TIE_STATUSES = ("declared", "confirmed", "disputed")

# Participation roles: canonical English value <- French template word.
PARTICIPATION_ROLES: dict[str, str] = {
    "pilote": "lead", "contributeur": "contributor", "contributrice": "contributor",
    "financeur": "funder", "beneficiaire": "beneficiary", "partenaire": "partner",
    "lead": "lead", "contributor": "contributor", "funder": "funder",
    "beneficiary": "beneficiary", "partner": "partner",
}
ROLE_LABELS_FR = {"lead": "pilote", "contributor": "contributeur", "funder": "financeur",
                  "beneficiary": "bénéficiaire", "partner": "partenaire"}



def role_name(role: str | None, lang: str | None = None) -> str:
    """How people call a participation role (``lead`` -> « pilote »); an unknown role as it is."""
    from graph.i18n import t

    return t("role." + role, lang) if role in ROLE_LABELS_FR else (role or "")


# Provenance: every node and relationship says which source asserted it.
PROVENANCE_PROPERTIES = ("prov_source", "prov_line", "prov_kind", "prov_at")

_ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._~-]{0,127}$")


def is_valid_id(value: str) -> bool:
    """True when *value* is a stable, URL-safe identifier (letters, digits, ``. _ ~ -``)."""
    return bool(_ID_PATTERN.match(value))


@lru_cache(maxsize=65536)  # files repeat the same few words (natures, themes, roles) on every row
def slugify(text: str) -> str:
    """A URL-safe identifier from free text: ``"Inclusion numérique"`` -> ``"inclusion-numerique"``."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def theme_id(label: str) -> str:
    return "theme-" + slugify(label)
