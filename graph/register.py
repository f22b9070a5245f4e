"""The record of processing activities (GDPR article 30), generated from this installation's settings.

A French text for the data protection officer to complete (controller, DPO's contact, the
deliberation that created the processing), with what Maillage knows of itself filled in:
purposes, categories of people and data, recipients, retention, security measures; and a
note on when an impact assessment (AIPD, article 35) is needed.

Reference: CNIL, « Le registre des activités de traitement » (modèle de registre) and the
list of processing operations requiring an AIPD (délibération n° 2018-327).
"""
from __future__ import annotations

from dataclasses import dataclass

from graph import accounts, retention


@dataclass(frozen=True)
class Settings:
    store: str  # where the data lives (for people)
    anonymous_read: bool
    persons_visible_to: str
    retention_years: int
    agents: int = 0
    elected: int = 0
    organisations: int = 0


def processing_record(settings: Settings) -> str:
    """The record, in Markdown (French)."""
    readers = ("tout visiteur de l'intranet (lecture anonyme activée)" if settings.anonymous_read
               else "les personnes disposant d'un compte")
    persons = ("tous ceux qui lisent la carte" if settings.persons_visible_to == "anonymous"
               else f"les comptes de rôle « {settings.persons_visible_to} » et au-delà")
    roles = ", ".join(accounts.ROLES)
    return f"""# Registre des activités de traitement — Maillage

*Fiche générée par Maillage à partir des réglages de l'installation ; les passages entre crochets sont à
compléter par le délégué à la protection des données (DPD).*

## 1. Responsable du traitement
- Organisme : [nom de la collectivité, adresse, SIREN]
- Représentant : [le maire ou le président]
- Délégué à la protection des données : [nom, courriel]
- Acte de création : [délibération ou décision, date]

## 2. Finalités
- Connaître et faire vivre les coopérations entre les services de la collectivité, les associations, les élus
  et les partenaires du territoire, pour la transition écologique et sociale (pilotage du projet de
  services, repérage des silos et des acteurs isolés, préparation des ateliers partenariaux).
- Permettre à chacun de déclarer, confirmer ou contester les coopérations qui le concernent.
- Publier, sans donnée personnelle, la carte des coopérations entre services et organisations (données ouvertes).
- Base légale : mission d'intérêt public (article 6.1.e du RGPD) [à confirmer par le DPD].

## 3. Catégories de personnes concernées
- Agents de la collectivité ({settings.agents} dans la base), élus ({settings.elected}), contacts des
  associations et partenaires ({settings.organisations} organisations) ; les répondants des enquêtes.

## 4. Catégories de données
- Identité professionnelle : nom, fonction, service, délégations des élus.
- Coopérations : avec qui, nature, fréquence, dates, statut (déclaré, confirmé, contesté), qui l'a déclarée.
- Participation aux projets, thèmes d'engagement ; réponses aux enquêtes de coopération.
- Comptes : identifiant, rôle, empreinte Argon2 du mot de passe, jetons d'API (empreinte seulement).
- Historique des modifications (qui, quand, avant, après).
- Aucune donnée sensible au sens de l'article 9 ; aucun numéro de sécurité sociale (un NIR trouvé dans un
  fichier importé est écarté).

## 5. Destinataires
- Lecture : {readers} ; noms des agents et liens des élus visibles par {persons}.
- Rôles : {roles} ; chacun ne peut que ce que son rôle permet (modification de sa propre fiche et de ses
  propres liens pour un contributeur, tout pour un animateur, comptes et effacements pour un administrateur).
- Aucun transfert hors de l'Union européenne ; données hébergées : {settings.store}.

## 6. Durées de conservation
- Un lien déclaré non renouvelé depuis {settings.retention_years} an(s) est signalé aux personnes concernées,
  puis terminé {retention.GRACE_DAYS} jours plus tard s'il n'est pas confirmé (il reste dans l'historique).
- Une personne qui quitte la collectivité : fin de validité de sa fiche ; effacement sur demande ou à
  l'échéance fixée par la collectivité [à préciser].
- Comptes désactivés : [durée à fixer] ; historique : [durée à fixer].

## 7. Droits des personnes
- Accès : `maillage person export ID`, ou la page « Données personnelles » (administrateur, personne elle-même).
- Rectification : formulaires et API de modification. Opposition et effacement : `maillage person erase ID`
  (fiche, liens, contenu de l'historique, comptes, réponses d'enquête, caches et exports).
- Contact pour exercer ses droits : [courriel du DPD].

## 8. Mesures de sécurité
- Mots de passe hachés avec Argon2id, jamais conservés ni journalisés en clair ; liens d'invitation, jetons
  d'API et liens d'enquête conservés sous forme d'empreinte.
- Connexions limitées par compte et par adresse ; cookies de session HttpOnly, SameSite, Secure en HTTPS ;
  protection CSRF de chaque formulaire.
- Règle de visibilité des personnes appliquée sur le serveur à chaque surface (pages, API, vues, exports,
  recherche, historique).
- Traçabilité : chaque modification est enregistrée (qui, quand, avant, après) et peut être annulée.
- Sauvegardes : [fréquence, lieu, chiffrement].

## 9. Analyse d'impact (AIPD)
Une AIPD est requise quand le traitement remplit au moins deux critères de la liste du CEPD (dont
l'évaluation de personnes, la surveillance systématique, les données de personnes vulnérables, le croisement
de données, l'usage innovant, la grande échelle). La cartographie des coopérations d'agents nommés peut être
vue comme une évaluation de salariés (mesures de centralité, agents isolés) et un usage innovant : **une AIPD
est recommandée dès que les analyses nominatives servent à la gestion des agents**. Limiter la visibilité des
noms (réglage `MAILLAGE_PERSONS_VISIBLE_TO`) et ne publier que les données ouvertes sans personne réduit le
risque. [Conclusion du DPD.]
"""
