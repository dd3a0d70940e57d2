"""The benchmark page: what other buyers do for this kind of contract (national DECP)."""

from __future__ import annotations

from django.shortcuts import render

from levier.core.charts import Bar
from levier.core.tenancy import org_view

from .charts import share_bars
from .forms import BenchmarkForm
from .services import default_store, directory_sirets
from .similar import similar_contracts
from .stats import MEASURES, benchmark_stats
from .stats import percent_fr as percent

SIMILAR_LIMIT = 10
# Rows with fewer contracts publishing their considerations are shown in the table, not drawn.
CHART_MIN_KNOWN = 5
CHARTED = ("cpv_group", "nature", "buyer_kind", "region", "amount_band", "year")


def _chart(name: str, table: dict):
    rows = [row for row in table["lignes"] if row["avec_considerations_publiees"] >= CHART_MIN_KNOWN]
    if not rows:
        return None
    return share_bars(
        [Bar(str(row["libelle"]), row["part_social_any"], percent(row["part_social_any"])) for row in rows],
        title=f"Part des marchés avec au moins une considération sociale, par {table['libelle'].lower()}",
        description="Part calculée sur les marchés qui publient leurs considérations sociales "
        f"(au moins {CHART_MIN_KNOWN} par barre, échelle de 0 à 100 %) ; les chiffres sont dans le tableau "
        "qui suit.",
        chart_id=f"graphique-{name}",
    )


def _tables(result: dict) -> list[dict]:
    tables = []
    for name, table in result["dimensions"].items():
        rows = [
            {
                "label": row["libelle"],
                "contracts": row["marches"],
                "known": row["avec_considerations_publiees"],
                "shares": [percent(row[f"part_{column}"]) for column, _ in MEASURES],
            }
            for row in table["lignes"]
        ]
        tables.append(
            {
                "id": name,
                "label": table["libelle"],
                # "Division CPV" reads "par division CPV" in a sentence: lower the first letter only.
                "phrase": table["libelle"][:1].lower() + table["libelle"][1:],
                "rows": rows,
                "chart": _chart(name, table) if name in CHARTED else None,
            }
        )
    return tables


@org_view()
def overview(request):
    store = default_store()
    form = BenchmarkForm(request.GET or None)
    context = {"title": "Benchmark national", "form": form, "loaded": store.loaded, "measures": MEASURES}
    if store.loaded and (form.is_bound is False or form.is_valid()):
        cpv = form.cleaned_data.get("cpv") if form.is_bound else ""
        text = form.cleaned_data.get("objet") if form.is_bound else ""
        result = benchmark_stats(store, cpv or None, directory_sirets())
        context.update(
            result=result,
            total=result["ensemble"],
            total_shares=[
                (label, percent(result["ensemble"][f"part_{column}"])) for column, label in MEASURES
            ],
            tables=_tables(result),
            reserved=[
                {**row, "share": percent(row["part_reserves"])} for row in result["reserves_par_cpv"][:20]
            ],
            inclusive=result.get("titulaires_inclusifs"),
            similar=similar_contracts(store, cpv or None, text, SIMILAR_LIMIT) if (text or cpv) else None,
            sources=store.sources(),
            outdated=store.outdated_sources(),
        )
    return render(request, "benchmark/overview.html", context)
