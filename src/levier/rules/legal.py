"""The legal frame of a planned purchase at its launch date: thresholds, procedure, duties, options.

Every threshold and article comes from dated reference data (rules/data/thresholds.json and
articles.json), each datum with `valid_from`, `valid_to` and its `source`: the frame of a
consultation launched on 2026-08-20 differs from one launched the next day, and tests check both.

Buyer kinds: the State ("etat") uses the central government thresholds; every other kind uses the
"other buyers" ones. A central purchasing body may be a central government authority (UGAP is
attached to the State) or not: it is a per-organisation choice, `OrganisationPolicy.central_government`,
which defaults to "other buyers" for a centrale d'achat and is ignored for every other kind but "gip"
and "autre", where the organisation may also say so.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import date
from functools import cache, lru_cache
from importlib import resources
from typing import Any

from levier.rules import codelists
from levier.rules.cpv import NATURE_LABELS_FR, NATURES, normalize_cpv
from levier.rules.cpv import nature as cpv_nature

BUYER_KINDS = {
    "commune": "Commune",
    "departement": "Département",
    "region": "Région",
    "ept_epci": "EPT ou EPCI",
    "centrale_achat": "Centrale d'achat",
    "hopital": "Établissement public de santé",
    "etat": "État (administration centrale)",
    "gip": "Groupement d'intérêt public",
    "autre": "Autre acheteur",
}
# Kinds whose organisation may declare itself a central government authority.
KINDS_WITH_CENTRAL_CHOICE = frozenset({"centrale_achat", "gip", "autre"})

BUYER_GROUP_CENTRAL = "central"
BUYER_GROUP_OTHER = "other"


class LegalFrameError(ValueError):
    """Inputs the legal frame cannot work with (unknown nature, buyer kind, date not covered)."""


@dataclass(frozen=True)
class Threshold:
    id: str
    label_fr: str
    natures: tuple[str, ...]
    buyer_group: str
    amount: int
    valid_from: date
    valid_to: date | None
    source: str

    def in_force(self, on: date) -> bool:
        return self.valid_from <= on and (self.valid_to is None or on <= self.valid_to)

    def applies(self, nature: str, buyer_group: str) -> bool:
        return nature in self.natures and self.buyer_group in ("any", buyer_group)


@dataclass(frozen=True)
class Article:
    id: str
    article: str
    title_fr: str
    text_fr: str
    conditions_fr: tuple[str, ...]
    valid_from: date
    valid_to: date | None
    source: str
    extra: dict[str, Any] = field(default_factory=dict)

    def in_force(self, on: date) -> bool:
        return self.valid_from <= on and (self.valid_to is None or on <= self.valid_to)


@dataclass(frozen=True)
class Exemption:
    code: str
    label_fr: str
    source: str


@dataclass(frozen=True)
class OrganisationPolicy:
    """Legal readings each organisation settles for itself.

    reserved_meets_obligation: whether a reserved contract (L2113-12 to L2113-15) satisfies the
    L2112-2-1 duty on its own; a legal reading, not settled by the text, default yes.
    central_government: whether the organisation applies the central government thresholds; None
    lets the buyer kind decide ("etat" yes, the others no).
    """

    reserved_meets_obligation: bool = True
    central_government: bool | None = None


@dataclass(frozen=True)
class ThresholdCheck:
    id: str
    label_fr: str
    amount: int
    crossed: bool
    valid_from: str
    valid_to: str | None
    source: str


@dataclass(frozen=True)
class RuleItem:
    """One thing compulsory or allowed, with its article and why it applies."""

    id: str
    article: str
    title_fr: str
    text_fr: str
    reason_fr: str
    conditions_fr: tuple[str, ...] = ()
    source: str = ""
    valid_from: str | None = None
    valid_to: str | None = None


@dataclass(frozen=True)
class Procedure:
    code: str
    label_fr: str
    article: str
    text_fr: str
    reason_fr: str
    source: str


@dataclass(frozen=True)
class Frame:
    amount_ht: float
    nature: str
    buyer_kind: str
    buyer_group: str
    launch_date: date
    cpv: str | None
    social_service: bool
    reserved_meets_obligation: bool
    defence_or_security: bool
    thresholds: tuple[ThresholdCheck, ...]
    procedure: Procedure
    compulsory: tuple[RuleItem, ...]
    allowed: tuple[RuleItem, ...]
    obligation_applies: bool
    obligation_exemptions: tuple[Exemption, ...]
    notes_fr: tuple[str, ...]

    def threshold(self, threshold_id: str) -> ThresholdCheck | None:
        return next((t for t in self.thresholds if t.id == threshold_id), None)

    def allows(self, article: str) -> bool:
        return any(item.article == article for item in self.allowed)

    def requires(self, article: str) -> bool:
        return any(item.article == article for item in self.compulsory)

    @property
    def eu_threshold(self) -> ThresholdCheck:
        return next(t for t in self.thresholds if t.id.startswith("eu_") and t.id != "eu_social_services")

    def summary_fr(self) -> str:
        eu = self.eu_threshold
        position = "au-dessus" if eu.crossed else "en dessous"
        lines = [
            f"{_euros(self.amount_ht)} HT, {NATURE_LABELS_FR[self.nature]}, {BUYER_KINDS[self.buyer_kind]}, "
            f"lancement le {self.launch_date:%d/%m/%Y}.",
            f"{position.capitalize()} du seuil européen ({_euros(eu.amount)} HT) : "
            f"{self.procedure.label_fr}.",
        ]
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["launch_date"] = self.launch_date.isoformat()
        data["nature_fr"] = NATURE_LABELS_FR[self.nature]
        data["buyer_kind_fr"] = BUYER_KINDS[self.buyer_kind]
        data["summary_fr"] = self.summary_fr()
        return data


def _euros(amount: float) -> str:
    text = f"{amount:,.2f}".replace(",", "\u202f").replace(".", ",")
    if text.endswith(",00"):
        text = text[:-3]
    return f"{text} €"


@lru_cache(maxsize=256)
def _threshold_euros(amount: int) -> str:
    return _euros(amount)


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


@cache
def _load(name: str) -> dict[str, Any]:
    return json.loads(resources.files("levier.rules").joinpath("data", name).read_text("utf-8"))


@cache
def thresholds() -> tuple[Threshold, ...]:
    return tuple(
        Threshold(
            id=item["id"],
            label_fr=item["label_fr"],
            natures=tuple(item["natures"]),
            buyer_group=item["buyer_group"],
            amount=int(item["amount"]),
            valid_from=_date(item["valid_from"]),  # type: ignore[arg-type]
            valid_to=_date(item["valid_to"]),
            source=item["source"],
        )
        for item in _load("thresholds.json")["thresholds"]
    )


@cache
def articles() -> dict[str, Article]:
    known = {"id", "article", "title_fr", "text_fr", "conditions_fr", "valid_from", "valid_to", "source"}
    return {
        item["id"]: Article(
            id=item["id"],
            article=item["article"],
            title_fr=item["title_fr"],
            text_fr=item["text_fr"],
            conditions_fr=tuple(item.get("conditions_fr", ())),
            valid_from=_date(item["valid_from"]),  # type: ignore[arg-type]
            valid_to=_date(item["valid_to"]),
            source=item["source"],
            extra={k: v for k, v in item.items() if k not in known},
        )
        for item in _load("articles.json")["articles"]
    }


@cache
def obligation_exemptions() -> tuple[Exemption, ...]:
    return tuple(Exemption(**item) for item in _load("articles.json")["obligation_exemptions"])


@cache
def _procedures() -> dict[str, dict[str, str]]:
    return {item["code"]: item for item in _load("articles.json")["procedures"]}


def buyer_group(buyer_kind: str, policy: OrganisationPolicy | None = None) -> str:
    """ "central" (central government thresholds) or "other"."""
    if buyer_kind not in BUYER_KINDS:
        raise LegalFrameError(
            f"Type d'acheteur inconnu : « {buyer_kind} » (attendu : {', '.join(BUYER_KINDS)})."
        )
    if buyer_kind == "etat":
        return BUYER_GROUP_CENTRAL
    if (
        policy is not None
        and policy.central_government is not None
        and buyer_kind in KINDS_WITH_CENTRAL_CHOICE
    ):
        return BUYER_GROUP_CENTRAL if policy.central_government else BUYER_GROUP_OTHER
    return BUYER_GROUP_OTHER


def threshold_in_force(threshold_id: str, on: date, nature: str, group: str) -> Threshold:
    for threshold in thresholds():
        if threshold.id == threshold_id and threshold.in_force(on) and threshold.applies(nature, group):
            return threshold
    raise LegalFrameError(
        f"Aucun seuil « {threshold_id} » en vigueur le {on:%d/%m/%Y} pour des {NATURE_LABELS_FR[nature]} : "
        "date hors des périodes couvertes par les données de référence."
    )


def eu_threshold(nature: str, group: str, on: date) -> Threshold:
    threshold_id = "eu_works" if nature == "works" else f"eu_supplies_services_{group}"
    return threshold_in_force(threshold_id, on, nature, group)


def no_publicity_threshold(nature: str, on: date) -> Threshold:
    threshold_id = "no_publicity_works" if nature == "works" else "no_publicity_supplies_services"
    return threshold_in_force(threshold_id, on, nature, "any")


def _check(threshold: Threshold, amount: float) -> ThresholdCheck:
    return _threshold_check(threshold, amount >= threshold.amount)


# The frame is built for every line of a plan: the parts that depend only on the dated reference data
# (loaded once per process, like `thresholds()` and `articles()`) and on a few discrete inputs are
# memoised on exactly those inputs; whatever depends on the amount is computed for each call.
@lru_cache(maxsize=512)
def _threshold_check(threshold: Threshold, crossed: bool) -> ThresholdCheck:
    return ThresholdCheck(
        id=threshold.id,
        label_fr=threshold.label_fr,
        amount=threshold.amount,
        crossed=crossed,
        valid_from=threshold.valid_from.isoformat(),
        valid_to=threshold.valid_to.isoformat() if threshold.valid_to else None,
        source=threshold.source,
    )


@lru_cache(maxsize=1024)
def _item(article_id: str, reason_fr: str, extra_conditions: tuple[str, ...] = ()) -> RuleItem:
    article = articles()[article_id]
    return RuleItem(
        id=article.id,
        article=article.article,
        title_fr=article.title_fr,
        text_fr=article.text_fr,
        reason_fr=reason_fr,
        conditions_fr=article.conditions_fr + extra_conditions,
        source=article.source,
        valid_from=article.valid_from.isoformat(),
        valid_to=article.valid_to.isoformat() if article.valid_to else None,
    )


@lru_cache(maxsize=8192)
def _cpv_check(cpv: str):
    return normalize_cpv(cpv)


@lru_cache(maxsize=1024)
def _dated_thresholds(
    nature: str, group: str, launch_date: date, social_service: bool
) -> tuple[Threshold, Threshold, Threshold, Threshold | None]:
    """(EU, no publicity, BOAMP, social services or None) thresholds in force at the launch date.

    The thresholds come from `thresholds()`, read once per process: the same objects every time."""
    eu = eu_threshold(nature, group, launch_date)
    no_pub = no_publicity_threshold(nature, launch_date)
    boamp = threshold_in_force("publicity_boamp", launch_date, nature, "any")
    social = None
    if social_service and nature == "services":
        social = threshold_in_force("eu_social_services", launch_date, nature, "any")
    return eu, no_pub, boamp, social


def _procedure(code: str, reason_fr: str) -> Procedure:
    data = _procedures()[code]
    return Procedure(code, data["label_fr"], data["article"], data["text_fr"], reason_fr, data["source"])


def legal_frame(
    amount_ht: float,
    nature: str,
    buyer_kind: str,
    launch_date: date,
    cpv: str | None = None,
    reserved_meets_obligation: bool | None = None,
    *,
    policy: OrganisationPolicy | None = None,
    defence_or_security: bool = False,
    pouvoir_adjudicateur: bool = True,
) -> Frame:
    """What the law says about a planned purchase launched on `launch_date`.

    `amount_ht` is the estimated value over the whole duration, all lots together (R2121-1), since
    thresholds apply to that. `nature` may be omitted (empty) when a CPV is given: the CPV's
    division then decides. `reserved_meets_obligation` overrides the organisation policy.
    """
    policy = policy or OrganisationPolicy()
    if reserved_meets_obligation is None:
        reserved_meets_obligation = policy.reserved_meets_obligation
    if amount_ht is None or amount_ht < 0:
        raise LegalFrameError("Le montant estimé HT doit être positif ou nul.")
    if not isinstance(launch_date, date):
        raise LegalFrameError("La date de lancement de la consultation est requise.")

    cpv_code = None
    if cpv:
        check = _cpv_check(cpv) if isinstance(cpv, str) else normalize_cpv(cpv)
        if check.code is None:
            raise LegalFrameError(check.message_fr)
        cpv_code = check.code
    if not nature and cpv_code:
        nature = cpv_nature(cpv_code)
    if nature not in NATURES:
        raise LegalFrameError(f"Nature inconnue : « {nature} » (attendu : travaux, fournitures ou services).")

    group = buyer_group(buyer_kind, policy)
    notes: list[str] = []
    social_service = bool(cpv_code and codelists.is_social_service_cpv(cpv_code))
    eu, no_pub, boamp, social = _dated_thresholds(nature, group, launch_date, social_service)
    checks = [_check(no_pub, amount_ht), _check(boamp, amount_ht), _check(eu, amount_ht)]
    if social is not None:
        checks.append(_check(social, amount_ht))

    # Procedure the amount implies.
    if amount_ht < no_pub.amount:
        procedure = _procedure(
            "no_publicity",
            f"{_euros(amount_ht)} HT est inférieur au seuil de {_threshold_euros(no_pub.amount)} HT "
            f"en vigueur le {launch_date:%d/%m/%Y}.",
        )
    elif social_service and nature == "services":
        procedure = _procedure(
            "adapted_social_services",
            "Le code CPV relève des services sociaux et autres services spécifiques.",
        )
    elif amount_ht < eu.amount:
        procedure = _procedure(
            "adapted",
            f"{_euros(amount_ht)} HT est sous le seuil européen de {_threshold_euros(eu.amount)} HT "
            f"et atteint le seuil de {_threshold_euros(no_pub.amount)} HT.",
        )
    else:
        procedure = _procedure(
            "formal",
            f"{_euros(amount_ht)} HT atteint le seuil européen de {_threshold_euros(eu.amount)} HT.",
        )

    # L2112-2-1: compulsory social or employment consideration.
    obligation = articles()["social_obligation"]
    compulsory: list[RuleItem] = []
    obligation_applies = False
    if defence_or_security:
        notes.append(
            "Marché de défense ou de sécurité : hors du champ de l'obligation de considération sociale "
            "(L2112-2-1) et soumis à des règles propres."
        )
    elif not obligation.in_force(launch_date):
        notes.append(
            "Obligation de considération sociale (L2112-2-1) : s'applique aux consultations lancées "
            "à partir "
            f"du {obligation.valid_from:%d/%m/%Y} ; facultative à cette date."
        )
    elif amount_ht >= eu.amount:
        obligation_applies = True
        reason = (
            f"Consultation lancée à partir du {obligation.valid_from:%d/%m/%Y} et montant au moins égal "
            f"au seuil européen ({_threshold_euros(eu.amount)} HT)."
        )
        extra = ()
        if reserved_meets_obligation:
            extra = ("Selon le paramétrage de l'organisation, un marché réservé satisfait cette obligation.",)
        else:
            extra = (
                "Selon le paramétrage de l'organisation, un marché réservé ne suffit pas : "
                "prévoir une clause sociale ou d'emploi dans les conditions d'exécution.",
            )
        compulsory.append(_item("social_obligation", reason, extra))
        if social_service:
            notes.append(
                "Services sociaux et autres services spécifiques : le seuil européen retenu pour "
                "l'obligation est celui de la nature du marché ; la lecture à 750 000 € HT reste à confirmer."
            )
    else:
        notes.append(
            f"Sous le seuil européen ({_threshold_euros(eu.amount)} HT) : aucune considération sociale "
            "n'est imposée, mais une clause d'insertion ou un marché réservé restent possibles."
        )

    # What is allowed whatever the amount.
    allowed = [
        _item("reserved_disability", "Toujours possible, quel que soit le montant."),
        _item("reserved_insertion", "Toujours possible, quel que soit le montant."),
    ]
    # Each reservation article has its own date of effect (reference data): not offered before it.
    both = articles()["reserved_both"]
    if both.in_force(launch_date):
        allowed.append(_item("reserved_both", "Possible quel que soit le montant."))
    else:
        notes.append(
            "Réservation commune aux structures du handicap et de l'insertion (L2113-14) : ouverte aux "
            f"consultations lancées à partir du {both.valid_from:%d/%m/%Y}."
        )
    prison = articles()["reserved_prison"]
    if prison.in_force(launch_date):
        allowed.append(
            _item(
                "reserved_prison",
                "Possible ; pas de réservation commune avec les structures de L2113-14 "
                "qui ne remplissent pas les mêmes conditions.",
            )
        )
    if social_service and pouvoir_adjudicateur:
        allowed.append(
            _item(
                "reserved_ess",
                f"Le code CPV {cpv_code} figure sur la liste des services sociaux "
                "et autres services spécifiques.",
            )
        )
    elif cpv_code and not social_service:
        notes.append(
            f"Réservation aux entreprises de l'ESS (L2113-15) impossible : le code CPV {cpv_code} n'est pas "
            "sur la liste des services sociaux et autres services spécifiques."
        )
    elif social_service and not pouvoir_adjudicateur:
        notes.append("Réservation L2113-15 ouverte aux seuls pouvoirs adjudicateurs.")
    elif cpv_code is None:
        notes.append(
            "Sans code CPV, la réservation aux entreprises de l'ESS (L2113-15) ne peut pas être évaluée."
        )
    if not obligation_applies:
        allowed.append(_item("insertion_clause", "Possible à tout montant, en lien avec l'objet du marché."))
    else:
        allowed.append(
            _item("insertion_clause", "Moyen le plus courant de satisfaire l'obligation L2112-2-1.")
        )
    allowed.append(_item("social_criterion", "Possible à tout montant, en lien avec l'objet du marché."))
    allowed.append(
        _item("lots", "Principe de l'allotissement : des lots adaptés ouvrent le marché aux structures.")
    )

    if buyer_kind == "centrale_achat" and (policy.central_government is None):
        notes.append(
            "Centrale d'achat : seuils « autres acheteurs » appliqués ; une centrale rattachée à l'État "
            "(UGAP par exemple) peut choisir les seuils de l'État dans le paramétrage de l'organisation."
        )
    if nature == "works":
        notes.append("Travaux : le seuil européen est le même pour tous les acheteurs.")

    return Frame(
        amount_ht=float(amount_ht),
        nature=nature,
        buyer_kind=buyer_kind,
        buyer_group=group,
        launch_date=launch_date,
        cpv=cpv_code,
        social_service=social_service,
        reserved_meets_obligation=bool(reserved_meets_obligation),
        defence_or_security=defence_or_security,
        thresholds=tuple(checks),
        procedure=procedure,
        compulsory=tuple(compulsory),
        allowed=tuple(allowed),
        obligation_applies=obligation_applies,
        obligation_exemptions=obligation_exemptions() if obligation_applies else (),
        notes_fr=tuple(notes),
    )


def ess_reservation_issues(duration_months: float | None, same_company_in_last_3_years: bool) -> list[str]:
    """Why an L2113-15 reservation would break its conditions (empty list: none found)."""
    article = articles()["reserved_ess"]
    issues = []
    limit = int(article.extra.get("max_duration_months", 36))
    if duration_months is not None and duration_months > limit:
        issues.append(
            f"Durée de {duration_months:g} mois : un marché réservé au titre de L2113-15 "
            f"dure {limit} mois au plus."
        )
    if same_company_in_last_3_years:
        years = article.extra.get("lookback_years", 3)
        issues.append(
            f"La même entreprise a obtenu un marché pour les mêmes services sur ce fondement au cours "
            f"des {years} dernières années."
        )
    return issues


def spaser_required(annual_purchases_ht: float) -> bool:
    """D2111-3: buyers whose yearly purchases exceed the threshold adopt a SPASER."""
    return annual_purchases_ht > float(articles()["spaser"].extra["annual_purchases_threshold"])
