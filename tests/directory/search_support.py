"""Shared by the search, page, API and CLI tests of the directory: a small geography and a structure maker.

The geography is built from the rules tests' communes fixture (Île-de-France and Corsica), so that the
results never depend on the communes file a developer may have loaded on their machine.
"""

import math
from pathlib import Path

from levier.directory.models import KIND_FAMILY, Source, Structure, StructureKind, StructureSector
from levier.rules.geography import Geography, read_communes_file
from levier.rules.sectors import load_taxonomy

COMMUNES = Path(__file__).resolve().parents[1] / "rules" / "fixtures" / "communes_datagouv_idf_corse.csv"
CRETEIL = (48.7904, 2.4556)


def great_circle_km(lat1, lon1, lat2, lon2):
    """Spherical law of cosines: an independent check of the haversine the selectors use."""
    p1, p2, dl = math.radians(lat1), math.radians(lat2), math.radians(lon2 - lon1)
    cosine = math.sin(p1) * math.sin(p2) + math.cos(p1) * math.cos(p2) * math.cos(dl)
    return 6371.0088 * math.acos(max(-1.0, min(1.0, cosine)))


def use_idf_geography(monkeypatch):
    geography = Geography(read_communes_file(COMMUNES).communes)
    monkeypatch.setattr("levier.directory.selectors.get_geography", lambda: geography)
    return geography


def make_structure(name, lat=None, lon=None, departement="", kinds=(), sectors=(), **fields):
    """`sectors` holds codes (declared) or (code, True) pairs for sectors Levier inferred."""
    structure = Structure.objects.create(
        name=name, lat=lat, lon=lon, departement=departement, **{"provenance": {}, **fields}
    )
    taxonomy = load_taxonomy()
    for kind in kinds:
        StructureKind.objects.create(
            structure=structure, kind=kind, family=KIND_FAMILY[kind], source=Source.MANUAL
        )
    for entry in sectors:
        code, inferred = entry if isinstance(entry, tuple) else (entry, False)
        StructureSector.objects.create(
            structure=structure,
            sector=code,
            group=taxonomy.get(code).group,
            inferred=inferred,
            source=Source.INFERRED if inferred else Source.MANUAL,
        )
    structure.refresh_search_text()
    structure.save(update_fields=["search_text", "siren"])
    return structure
