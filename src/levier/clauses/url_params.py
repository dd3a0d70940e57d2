"""Examples of this app's URL parameters for an organisation (the isolation test fills routes with them).

How URLs identify each object, always below `/o/<org>/` and looked up in querysets scoped to the
organisation (an id of another organisation is a 404):

- `clause`: `Clause` pk (`<int:clause>`);
- `award`: `Award` pk (`<int:award>`); an award also hangs off its clause (`Clause.award`);
- `declaration`: `Declaration` pk (`<int:declaration>`), scoped through `declaration__clause__organisation`;
- `participant`: `Participant` pk (`<int:participant>`), never the participant's code, so that not even the
  pseudonym appears in URLs, logs or browser history;
- `template`: `DocumentTemplate` pk (`<int:template>`);
- `declaration_import`: `DeclarationImport` pk (`<int:declaration_import>`);
- `document_kind`: a `DocumentKind` value (`<slug:document_kind>`), a fixed key rather than an object.

An organisation without such objects gets small ones created (as plans/url_params.py does), so that every
route is walked with a real object of the organisation rather than an id that matches nothing.
"""

from __future__ import annotations

import datetime as dt

from levier.core.tenancy import register_url_param
from levier.plans.url_params import example_purchase

from .models import (
    AgeBand,
    Award,
    Clause,
    ClauseKind,
    ContractType,
    Declaration,
    DeclarationImport,
    DocumentKind,
    DocumentTemplate,
    Eligibility,
    Participant,
    Sex,
)


def example_clause(org) -> Clause:
    clause = Clause.objects.filter(organisation=org).order_by("pk").first()
    if clause is None:
        clause = Clause.objects.create(
            organisation=org, purchase=example_purchase(org), kind=ClauseKind.EXECUTION_CONDITION
        )
    return clause


def example_award(org) -> Award:
    award = Award.objects.filter(organisation=org).order_by("pk").first()
    if award is None:
        award = Award.objects.create(organisation=org, clause=example_clause(org))
    return award


def example_declaration(org) -> Declaration:
    found = Declaration.objects.filter(clause__organisation=org).order_by("pk").first()
    if found is None:
        today = dt.date.today()
        found = Declaration.objects.create(
            clause=example_clause(org), period_start=today.replace(day=1), period_end=today
        )
    return found


def example_participant(org) -> Participant:
    found = Participant.objects.filter(organisation=org).order_by("pk").first()
    if found is None:
        found = Participant.objects.create(
            organisation=org,
            code="EXEMPLE-001",
            age_band=AgeBand.UNDER_26,
            sex=Sex.FEMALE,
            eligibility=Eligibility.YOUTH,
            contract_type=ContractType.CDDI,
        )
    return found


def example_template(org) -> DocumentTemplate:
    from .documents import ensure_templates

    ensure_templates(org)
    return DocumentTemplate.objects.filter(organisation=org).order_by("pk").first()


def example_import(org) -> DeclarationImport:
    found = DeclarationImport.objects.filter(organisation=org).order_by("pk").first()
    if found is None:
        found = DeclarationImport.objects.create(
            organisation=org, clause=example_clause(org), file_name="exemple.xlsx", file_sha256="0" * 64
        )
    return found


register_url_param("clause", lambda org: example_clause(org).pk)
register_url_param("award", lambda org: example_award(org).pk)
register_url_param("declaration", lambda org: example_declaration(org).pk)
register_url_param("participant", lambda org: example_participant(org).pk)
register_url_param("template", lambda org: example_template(org).pk)
register_url_param("declaration_import", lambda org: example_import(org).pk)
register_url_param("document_kind", lambda org: DocumentKind.CCAP_ARTICLE.value, tenant_object=False)
