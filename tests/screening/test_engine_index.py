"""The in-memory directory index: sector, area and capacity decide who is a capable candidate."""

from levier.screening import DirectoryIndex, Policy, StructureEntry, structure_capacity

from .builders import GRENOBLE, LYON, VILLEURBANNE, structure


def _ids(candidates):
    return sorted(c.id for c in candidates)


def test_sector_area_and_capacity_filter_candidates():
    index = DirectoryIndex.build(
        [
            structure(1, "ESAT", "restauration-collective", LYON),
            structure(2, "ESAT", "impression", LYON),  # other trade
            structure(3, "EA", "restauration-collective", GRENOBLE),  # 95 km away, 40 km radius
            structure(4, "EA", "restauration-collective", VILLEURBANNE, turnover=100_000),  # too small
        ]
    )
    found = index.candidates(("restauration-collective",), LYON, 200_000, Policy())
    assert _ids(found) == [1]
    # A small yearly amount fits the small structure too.
    assert _ids(index.candidates(("restauration-collective",), LYON, 40_000, Policy())) == [1, 4]


def test_departement_and_national_areas_and_default_radius_by_provision():
    entries = [
        StructureEntry(
            1,
            "EA Isère",
            ("EA",),
            ("impression",),
            area_kind="departements",
            area_departements=("69", "38"),
            lat=GRENOBLE.lat,
            lon=GRENOBLE.lon,
            departement="38",
        ),
        StructureEntry(2, "EA nationale", ("EA",), ("impression",), area_kind="national"),
        # Unknown area: printing is delivered, so the 200 km default radius reaches Lyon from Grenoble.
        StructureEntry(3, "ESAT Grenoble", ("ESAT",), ("impression",), lat=GRENOBLE.lat, lon=GRENOBLE.lon),
        # Unknown area, on-site cleaning: the 50 km default radius does not.
        StructureEntry(4, "EI Grenoble", ("EI",), ("nettoyage-locaux",), lat=GRENOBLE.lat, lon=GRENOBLE.lon),
    ]
    index = DirectoryIndex.build(entries)
    assert _ids(index.candidates(("impression",), LYON, None, Policy())) == [1, 2, 3]
    assert _ids(index.candidates(("nettoyage-locaux",), LYON, None, Policy())) == []
    assert _ids(index.candidates(("nettoyage-locaux",), LYON, None, Policy(radius_on_site_km=120))) == [4]
    # Only the département is known about the place: its chef-lieu stands for it.
    dep_only = type(LYON)(label="Rhône", departement="69")
    assert 1 in _ids(index.candidates(("impression",), dep_only, None, Policy()))


def test_capacity_comes_from_the_best_known_figure():
    policy = Policy(max_turnover_share=0.5, turnover_per_worker=50_000, turnover_per_esat_place=15_000)
    base = dict(id=1, name="x", kinds=("ESAT",), sectors=())
    assert (
        structure_capacity(StructureEntry(**base, max_contract_amount=650_000, turnover=10), policy)
        == 650_000
    )
    assert structure_capacity(StructureEntry(**base, turnover=800_000), policy) == 400_000
    assert structure_capacity(StructureEntry(**base, headcount=10), policy) == 250_000
    assert structure_capacity(StructureEntry(**base, esat_capacity=40), policy) == 300_000
    assert structure_capacity(StructureEntry(**base), policy) is None


def test_unknown_capacity_counts_but_says_so():
    index = DirectoryIndex.build([structure(1, "EA", "impression", LYON, turnover=None)])
    (found,) = index.candidates(("impression",), LYON, 5_000_000, Policy())
    assert found.capacity_known is False


def test_most_specific_sectors_of_a_cpv_only():
    index = DirectoryIndex.build([])
    assert index.sectors_for_cpv("79571000") == ("routage-mise-sous-pli",)


def test_a_place_that_could_not_be_resolved_rules_no_one_out():
    index = DirectoryIndex.build(
        [structure(1, "EA", "impression", GRENOBLE), structure(2, "EA", "impression", LYON)]
    )
    unresolved = type(LYON)(label="Quartier de la Gare")
    assert _ids(index.candidates(("impression",), unresolved, None, Policy())) == [1, 2]
    assert _ids(index.candidates(("impression",), None, None, Policy())) == [1, 2]
