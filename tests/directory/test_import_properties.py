"""Property-based tests of the EA import through a column mapping: whatever the column order and headers,
the directory gets the same structures; a preview announces exactly what the import then does; a second
import changes nothing."""

import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from levier.directory.importing import preview_import, run_import
from levier.directory.models import ImportRun, Structure, StructureSector, StructureSource
from levier.rules.geography import Geography

from .test_import_sources import siret

pytestmark = pytest.mark.django_db
BARE = Geography()

FIELDS = ["siret", "name", "kind", "naf", "postcode", "city", "website"]
POSTCODES = ["94000", "93200", "25000", "39100", "2A004", "97411", "69003"]
NAFS = ["", "8130Z", "8121Z", "8899B", "7830Z", "4334Z"]

rows = st.lists(
    st.tuples(
        st.integers(min_value=1, max_value=40),  # which fictional SIRET: repeats are EA + EATT merges
        st.text(alphabet="ABCDEFGHIJ ÉÈàçœ'-", min_size=1, max_size=25).filter(str.strip),
        st.sampled_from(["EA", "EATT", "Entreprise adaptée", ""]),
        st.sampled_from(NAFS),
        st.sampled_from(POSTCODES),
        st.sampled_from(["Créteil", "Dole", "Ajaccio", ""]),
        st.sampled_from(["", "https://ea.example"]),
    ),
    min_size=1,
    max_size=12,
)
headers = st.permutations(FIELDS).flatmap(
    lambda order: st.tuples(
        st.just(order),
        st.lists(
            st.text(alphabet="xyzXYZ_", min_size=3, max_size=8),
            min_size=len(order),
            max_size=len(order),
            unique=True,
        ),
    )
)


def write(directory: Path, order, names, data) -> tuple[Path, dict[str, str]]:
    """The rows under made-up headers in the given column order, and the mapping field -> header."""
    header = {field: f"{name}_{index}" for index, (field, name) in enumerate(zip(order, names, strict=True))}
    lines = [";".join(header[field] for field in order)]
    for number, name, kind, naf, postcode, city, website in data:
        values = {
            "siret": siret(f"99999{number:04d}0001"),
            "name": name.strip(),
            "kind": kind,
            "naf": naf,
            "postcode": postcode,
            "city": city,
            "website": website,
        }
        lines.append(";".join(values[field] for field in order))
    path = directory / "ea.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path, header


def directory_state():
    return sorted(
        (s.siret, s.name, s.naf, s.postcode, s.departement, s.website, s.lat, s.lon)
        for s in Structure.objects.all()
    ), sorted(StructureSector.objects.values_list("structure__siret", "sector", "inferred"))


def reset():
    StructureSource.objects.all().delete()
    Structure.objects.all().delete()
    ImportRun.objects.all().delete()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=rows, layout=headers)
def test_any_layout_gives_the_same_directory_and_previews_tell_the_truth(data, layout):
    reset()
    order, names = layout
    with tempfile.TemporaryDirectory() as tmp:
        canonical, canonical_mapping = write(Path(tmp), FIELDS, ["c"] * len(FIELDS), data)
        run_import("ea", canonical, mapping=canonical_mapping, geography=BARE)
        expected = directory_state()
        reset()

        path, mapping = write(Path(tmp), order, names, data)
        preview = preview_import("ea", path, mapping=mapping, geography=BARE)
        assert Structure.objects.count() == 0
        report = run_import("ea", path, mapping=mapping, geography=BARE)
        assert report.ok
        assert (preview.created, preview.rejected) == (report.created, report.rejected)
        assert report.created == Structure.objects.count() == len({row[0] for row in data})
        assert directory_state() == expected

        again = run_import("ea", path, mapping=mapping, geography=BARE)
        assert (again.created, again.updated, again.unchanged) == (0, 0, report.created)
        assert directory_state() == expected
