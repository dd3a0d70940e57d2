"""Why a DECP record was rejected, repaired or lost a value: stable codes to count, French labels to show.

Three outcomes, counted once per contract and reason (a contract with two broken holder SIRETs counts once
under `holder_siret_invalid`):

- REJECTED: the record is not imported at all (nothing identifies the contract);
- REPAIRED: a value was fixed and kept (a time zone dropped from a date, a lost leading zero put back);
- DROPPED: a value could not be trusted and was left empty, the rest of the contract is kept (an amount of
  999 999 999 €, an unreadable date); statistics then leave that contract out of that one dimension.
"""

from __future__ import annotations

from dataclasses import dataclass

REJECTED = "rejected"
REPAIRED = "repaired"
DROPPED = "dropped"
NOTED = "noted"

OUTCOME_LABELS_FR = {
    REJECTED: "enregistrements rejetés",
    REPAIRED: "valeurs réparées",
    DROPPED: "valeurs écartées (laissées vides)",
    NOTED: "remarques",
}


@dataclass(frozen=True)
class Reason:
    code: str
    outcome: str
    label_fr: str


_REASONS = (
    # Rejected: nothing identifies the contract.
    Reason("not_a_record", REJECTED, "élément qui n'est pas un marché (objet attendu)"),
    Reason("missing_id", REJECTED, "identifiant du marché absent"),
    Reason("missing_buyer", REJECTED, "identifiant de l'acheteur absent"),
    Reason("unreadable_row", REJECTED, "ligne illisible dans le fichier tabulaire"),
    # Repaired: the value is kept in a corrected form.
    Reason("date_time_zone_removed", REPAIRED, "date avec fuseau horaire (« +01:00 ») ramenée au jour"),
    Reason("date_year_repaired", REPAIRED, "année mal saisie (« 0218 ») corrigée en 2018"),
    Reason("cpv_leading_zero_restored", REPAIRED, "code CPV à 7 chiffres : zéro initial rétabli"),
    Reason("cpv_check_digit_ignored", REPAIRED, "clé du code CPV fausse : les 8 chiffres gardés"),
    Reason("siret_leading_zero_restored", REPAIRED, "SIRET à 13 chiffres : zéro initial rétabli"),
    Reason("text_accents_repaired", REPAIRED, "accents cassés (« Ã© ») réparés"),
    Reason("text_entities_decoded", REPAIRED, "entités HTML (« &#8217; ») décodées"),
    Reason("place_type_repaired", REPAIRED, "type de code du lieu d'exécution corrigé d'après le code"),
    Reason("social_value_spelling", REPAIRED, "considération sociale mal orthographiée reconnue"),
    # Dropped: the value is left empty.
    Reason("amount_missing", DROPPED, "montant absent ou illisible"),
    Reason("amount_zero", DROPPED, "montant nul ou négatif"),
    Reason("amount_placeholder", DROPPED, "montant de remplissage (999 999 999 €…)"),
    Reason("amount_implausible", DROPPED, "montant invraisemblable (10 milliards d'euros ou plus)"),
    Reason("date_missing", DROPPED, "date de notification absente"),
    Reason("date_invalid", DROPPED, "date de notification illisible ou invraisemblable"),
    Reason("duration_invalid", DROPPED, "durée absente, nulle ou invraisemblable (plus de 100 ans)"),
    Reason("cpv_missing", DROPPED, "code CPV absent"),
    Reason("cpv_invalid", DROPPED, "code CPV invalide (longueur, division inconnue)"),
    Reason("buyer_siret_invalid", DROPPED, "SIRET de l'acheteur invalide (gardé tel quel, sans SIRET)"),
    Reason("holders_missing", DROPPED, "aucun titulaire"),
    Reason("holder_siret_invalid", DROPPED, "SIRET d'un titulaire invalide (identifiant gardé, sans SIRET)"),
    Reason("social_value_unknown", DROPPED, "considération sociale hors du schéma, ignorée"),
    Reason("place_unknown", DROPPED, "lieu d'exécution sans région reconnaissable"),
    # Noted: kept as is, worth knowing.
    Reason("modifications_applied", NOTED, "modifications appliquées (montant, durée ou titulaires)"),
    Reason("concession", NOTED, "contrat de concession (sans code CPV) importé comme tel"),
    Reason("value_outside_schema", NOTED, "nature ou procédure hors du schéma, gardée telle quelle"),
    Reason("social_not_published", NOTED, "considérations sociales non publiées (format 2019)"),
)

REASONS: dict[str, Reason] = {reason.code: reason for reason in _REASONS}


def label_fr(code: str) -> str:
    reason = REASONS.get(code)
    return reason.label_fr if reason else code


def outcome(code: str) -> str:
    reason = REASONS.get(code)
    return reason.outcome if reason else NOTED
