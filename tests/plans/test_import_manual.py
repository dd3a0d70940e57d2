"""Re-importing a plan keeps what people edited by hand in Levier, unless asked to overwrite it; the commit
shows its progress while it runs and does not lose an edit made meanwhile."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.db import connection

from levier.organisations.roles import Role
from levier.plans.importing import commit_import, hand_edited, import_file, preview_import
from levier.plans.importing_tasks import ProgressSaver
from levier.plans.models import FieldChange, ImportPhase, Lot, PlanImport, PlannedPurchase
from levier.plans.services import update_lot, update_purchase
from tests.ingest.plan_factory import xlsx_bytes

HEADER = ["Réf.", "Objet", "Montant HT sur la durée", "Durée (mois)", "Titulaire actuel", "Lieu"]


def _plan(amount="10 000 €", holder="Propreté SA", duration=12):
    return xlsx_bytes(
        [
            HEADER,
            ["N-1", "Nettoyage des écoles", amount, duration, holder, "Rennes"],
            ["N-2", "Entretien des espaces verts", "30 000 €", 24, "Jardins SARL", "Brest"],
        ]
    )


@pytest.fixture
def city(make_org, member):
    org = make_org("ville-saisies", "Ville des Saisies")
    buyer = get_user_model().objects.create(email="acheteuse@exemple.invalid", first_name="Anne")
    member(buyer, org, Role.BUYER)
    return org, buyer


def _purchase(reference="N-1") -> PlannedPurchase:
    return PlannedPurchase.objects.select_related("plan__organisation").get(reference=reference)


def _kept(report) -> dict[str, dict[str, tuple[str, str]]]:
    return {
        line["reference"]: {f["field"]: (_plain(f["kept"]), _plain(f["file"])) for f in line["fields"]}
        for line in report["kept_manual"]
    }


def _plain(text: str) -> str:
    return text.replace("\u202f", " ").replace("\xa0", " ")


def test_values_edited_by_hand_survive_the_same_file_and_a_changed_one(city):
    org, buyer = city
    import_file(buyer, org, _plan(), "v1.xlsx", 2027)
    update_purchase(buyer, _purchase(), estimated_amount=Decimal(15000), current_holder_name="Net Plus")
    assert hand_edited(_purchase().plan) == {
        (_purchase().pk, None): {"estimated_amount", "current_holder_name"}
    }

    # The same file again: nothing changes, and the report says which values were kept.
    preview = preview_import(buyer, org, _plan(), "v1.xlsx", 2027)
    assert _kept(preview.report) == {
        "N-1": {
            "estimated_amount": ("15 000 €", "10 000 €"),
            "current_holder_name": ("Net Plus", "Propreté SA"),
        }
    }
    again = commit_import(buyer, preview)
    assert (again.updated, again.unchanged) == (0, 2)
    purchase = _purchase()
    assert (purchase.estimated_amount, purchase.current_holder_name) == (Decimal(15000), "Net Plus")
    assert purchase.total_amount == Decimal(15000)  # derived from the kept amount
    assert not FieldChange.objects.filter(purchase=purchase, source="import").exists()

    # A changed file: the fields not edited by hand follow it, the edited ones stay.
    changed = import_file(buyer, org, _plan(amount="20 000 €", duration=36), "v2.xlsx", 2027)
    purchase = _purchase()
    assert purchase.duration_months == 36 and purchase.estimated_amount == Decimal(15000)
    assert purchase.current_holder_name == "Net Plus"
    assert changed.updated == 1
    [line] = [line for line in changed.report["lines"] if line["reference"] == "N-1"]
    assert {c["field"] for c in line["changes"]} >= {"duration_months"}
    assert "estimated_amount" not in {c["field"] for c in line["changes"]}
    kept = _kept(changed.report)["N-1"]
    assert (
        kept["estimated_amount"][1].startswith("20") and changed.report["kept_manual"][0]["action"] == "kept"
    )


def test_the_buyer_may_choose_to_overwrite_the_values_edited_by_hand(city):
    org, buyer = city
    import_file(buyer, org, _plan(), "v1.xlsx", 2027)
    update_purchase(buyer, _purchase(), estimated_amount=Decimal(15000))

    overwritten = import_file(buyer, org, _plan(), "v1.xlsx", 2027, overwrite_manual=True)
    assert overwritten.updated == 1 and overwritten.report["overwrite_manual"] is True
    assert [line["action"] for line in overwritten.report["kept_manual"]] == ["replaced"]
    purchase = _purchase()
    assert purchase.estimated_amount == Decimal(10000)
    last = FieldChange.objects.filter(purchase=purchase, field="estimated_amount").order_by("-pk").first()
    assert (last.source, last.plan_import_id) == ("import", overwritten.pk)
    # The file's value is the imported one again: the next import has nothing to keep.
    assert hand_edited(purchase.plan) == {}
    quiet = import_file(buyer, org, _plan(), "v1.xlsx", 2027)
    assert quiet.report["kept_manual"] == [] and quiet.unchanged == 2


def test_an_edit_the_file_agrees_with_is_not_reported(city):
    org, buyer = city
    import_file(buyer, org, _plan(), "v1.xlsx", 2027)
    update_purchase(buyer, _purchase(), current_holder_name="Net Plus")
    report = import_file(buyer, org, _plan(holder="Net Plus"), "v2.xlsx", 2027).report
    assert report["kept_manual"] == [] and report["counts"]["unchanged"] == 2


def test_a_procedure_chosen_by_hand_and_a_lot_edited_by_hand_are_kept(city):
    org, buyer = city
    rows = [
        ["Réf", "Intitulé", "Lot", "Intitulé du lot", "Montant HT sur la durée", "Procédure"],
        ["M-10", "Fournitures de bureau", "1", "Papier", "40 000 €", "MAPA"],
        ["M-10", "Fournitures de bureau", "2", "Consommables", "25 000 €", "MAPA"],
    ]
    import_file(buyer, org, xlsx_bytes(rows), "lots.xlsx", 2027)
    purchase = _purchase("M-10")
    update_purchase(buyer, purchase, procedure="formal", procedure_overridden=True)
    paper = Lot.objects.get(purchase=purchase, number="1")
    update_lot(buyer, paper, title="Papier recyclé")

    rows[1][3] = "Papier blanc"
    again = import_file(buyer, org, xlsx_bytes(rows), "lots.xlsx", 2027)
    purchase.refresh_from_db()
    paper.refresh_from_db()
    assert (purchase.procedure, purchase.procedure_overridden) == ("formal", True)
    assert paper.title == "Papier recyclé"
    [line] = again.report["kept_manual"]
    assert {f["label"]: (f["kept"], f["file"]) for f in line["fields"]}["Lot 1 : Intitulé"] == (
        "Papier recyclé",
        "Papier blanc",
    )
    # The file names a procedure: the one chosen by hand stays, without the "differs" warning.
    assert "procedure" in {f["field"] for f in line["fields"]}
    assert not [w for w in again.report["warnings"] if w["code"] == "procedure_overridden"]


def test_the_commit_reports_its_progress_outside_its_transaction(city):
    org, buyer = city
    rows = [["Réf.", "Objet", "Montant total HT"]] + [[f"P-{n}", f"Achat {n}", "1 000 €"] for n in range(30)]
    preview = preview_import(buyer, org, xlsx_bytes(rows), "plan.xlsx", 2027)
    outer = len(connection.atomic_blocks)
    saver = ProgressSaver(preview.pk, every=10)
    seen: list[tuple[str, int, int]] = []

    def progress(lines: int) -> None:
        saver(lines)
        stored = PlanImport.objects.get(pk=preview.pk)
        seen.append((stored.phase, stored.progress, len(connection.atomic_blocks)))

    phases: list[str] = []

    def phase(name: str) -> None:
        saver.phase(name)
        phases.append(PlanImport.objects.get(pk=preview.pk).phase)

    done = commit_import(buyer, preview, progress=progress, phase=phase)
    assert done.status == "committed" and done.created == 30 and done.phase == ""
    assert phases == [ImportPhase.READING, ImportPhase.COMPARING, ImportPhase.WRITING]
    # Saved every 10 lines while comparing, not at the end only, and never inside the commit's transaction.
    assert [progress for _phase, progress, _depth in seen] == [n - n % 10 for n in range(1, 31)]
    assert {phase for phase, _progress, _depth in seen} == {ImportPhase.COMPARING}
    assert {depth for _phase, _progress, depth in seen} == {outer}


def test_an_edit_made_while_the_commit_compares_is_not_lost(city):
    org, buyer = city
    import_file(buyer, org, _plan(), "v1.xlsx", 2027)
    preview = preview_import(buyer, org, _plan(amount="20 000 €"), "v2.xlsx", 2027)
    calls = []

    def edit_meanwhile(_lines: int) -> None:
        calls.append(1)
        if len(calls) == 2:  # the comparison is over: someone saves an edit before the write
            update_purchase(buyer, _purchase(), estimated_amount=Decimal(17000))

    done = commit_import(buyer, preview, progress=edit_meanwhile)
    # The plan changed after the comparison: the commit compared again under the lock.
    assert len(calls) == 2
    assert _purchase().estimated_amount == Decimal(17000)
    assert _kept(done.report)["N-1"]["estimated_amount"][1].startswith("20")


def test_terminal_import_lists_kept_values_and_overwrites_on_request(city, tmp_path, capsys):
    from django.core.management import call_command

    org, buyer = city
    path = tmp_path / "plan.xlsx"
    path.write_bytes(_plan())
    call_command("import", "plan", str(path), "--org", org.slug, "--year", "2027")
    update_purchase(buyer, _purchase(), current_holder_name="Net Plus")
    capsys.readouterr()

    call_command("import", "plan", str(path), "--org", org.slug, "--year", "2027")
    out = capsys.readouterr().out
    assert "Valeurs saisies à la main conservées : N-1 (ligne 2)" in out
    assert "Titulaire actuel : Net Plus (fichier : Propreté SA)" in out
    assert _purchase().current_holder_name == "Net Plus"

    call_command("import", "plan", str(path), "--org", org.slug, "--year", "2027", "--overwrite-manual")
    assert "Valeurs saisies à la main remplacées : N-1" in capsys.readouterr().out
    assert _purchase().current_holder_name == "Propreté SA"


@pytest.mark.django_db(transaction=True)
def test_another_connection_sees_the_commit_progress_while_it_runs(city):
    """What the page's polling request sees: on PostgreSQL, another connection reads the saved progress."""
    from django.db import connections

    if connection.vendor != "postgresql":
        pytest.skip("one SQLite file is locked by its writer; the page polls a PostgreSQL server")
    org, buyer = city
    rows = [["Réf.", "Objet", "Montant total HT"]] + [[f"P-{n}", f"Achat {n}", "1 000 €"] for n in range(25)]
    preview = preview_import(buyer, org, xlsx_bytes(rows), "plan.xlsx", 2027)
    saver = ProgressSaver(preview.pk, every=5)
    poller = connections.create_connection("default")
    seen: list[tuple[str, int]] = []

    def poll() -> None:
        with poller.cursor() as cursor:
            cursor.execute("SELECT phase, progress FROM plans_planimport WHERE id = %s", [preview.pk])
            seen.append(cursor.fetchone())

    def progress(lines: int) -> None:
        saver(lines)
        poll()

    def phase(name: str) -> None:
        saver.phase(name)
        poll()

    try:
        commit_import(buyer, preview, progress=progress, phase=phase)
        poll()
    finally:
        poller.close()
    comparing = [done for step, done in seen if step == ImportPhase.COMPARING]
    assert comparing[-1] == 25 and sorted(set(comparing)) == [0, 5, 10, 15, 20, 25]
    assert (ImportPhase.WRITING, 0) in seen and seen[-1] == ("", 25)
