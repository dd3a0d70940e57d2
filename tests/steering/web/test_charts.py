"""The chart kinds the steering added to levier.core.charts: horizontal bars, progress to targets, lines
over time. Each is an image with a title and a description, prints its figures as text and escapes labels."""

import re

from levier.core.charts import Bar, Gauge, Series, hbar_chart, line_chart, progress_chart


def test_horizontal_bars_print_each_value_and_scale_to_the_largest():
    svg = hbar_chart(
        [Bar("Parcs et jardins", 30, "30 k€"), Bar("Informatique <DSI>", 60, "60 k€")],
        title="Par service",
        description="Montants",
        chart_id="g1",
    )
    assert 'role="img"' in svg and 'aria-labelledby="g1-title g1-desc"' in svg
    assert '<title id="g1-title">Par service</title>' in svg
    widths = [float(w) for w in re.findall(r'<rect x="\d+" y="[\d.]+" width="([\d.]+)"', svg)]
    assert widths[1] == 2 * widths[0]
    assert "30 k€" in svg and "60 k€" in svg
    assert "Informatique &lt;DSI&gt;" in svg and "<DSI>" not in svg


def test_progress_marks_the_target_and_the_expected_value_in_words_too():
    svg = progress_chart(
        [
            Gauge("Montant ESAT/EA", 0.5, 0.75, "30 000 € sur 60 000 € (50 %), en retard"),
            Gauge("Heures", 1.5, None, "1 500 sur 1 000 (150 %), cible atteinte"),
            Gauge("Part sociale", None, 1.0, "— sur 20 %, non mesuré"),
        ],
        title="Avancement",
        description="Barres",
        chart_id="g2",
    )
    assert svg.count("<title>cible</title>") == 3 and svg.count("<title>attendu</title>") == 2
    assert "en retard" in svg and "cible atteinte" in svg and "non mesuré" in svg
    bars = [
        float(w)
        for w in re.findall(r'<rect x="\d+" y="[\d.]+" width="([\d.]+)" height="18" fill="#000091"', svg)
    ]
    # The scale runs to 150 %: the first bar is a third of the longest, the unmeasured one is empty.
    assert abs(bars[0] * 3 - bars[1]) < 0.5 and bars[2] == 0


def test_lines_differ_by_dash_and_marker_and_break_on_missing_values():
    svg = line_chart(
        ["2025", "2026", "2027"],
        [Series("Cible", [None, 3, 5], ["—", "3", "5"]), Series("Réalisé", [1, 0, None])],
        title="Trajectoire",
        description="Cible et réalisé",
        chart_id="g3",
        integer=True,
    )
    assert svg.count("<polyline") == 2
    assert 'stroke-dasharray=""' in svg and 'stroke-dasharray="6 4"' in svg
    assert "<circle" in svg and "<rect x=" in svg  # round markers for one series, square for the other
    assert "Cible, 2026 : 3" in svg and "Réalisé, 2025 : 1" in svg
    assert "Cible, 2025" not in svg and "Réalisé, 2027" not in svg
    assert ">Cible</text>" in svg and ">Réalisé</text>" in svg  # the legend
