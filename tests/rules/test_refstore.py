import gzip
import hashlib
import json

import pytest

from levier.rules import cpv, refstore
from levier.rules.cpv import CpvCatalogue
from levier.rules.refstore import RefStore
from tests.paths import SHARED_DATA

EFORMS_FR = SHARED_DATA / "cpv" / "eforms_code_fr.xml"


def test_default_dir_from_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("LEVIER_DATA_DIR", str(tmp_path / "data"))
    assert RefStore().root == tmp_path / "data"
    monkeypatch.delenv("LEVIER_DATA_DIR")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert RefStore().root == tmp_path / "xdg" / "levier"


def test_nothing_loaded(tmp_path):
    store = RefStore(tmp_path)
    assert store.load("cpv") is None
    assert [s.loaded for s in store.status()] == [False, False]
    assert "non chargé" in store.status()[0].line_fr()
    assert not CpvCatalogue.load(store).loaded
    with pytest.raises(KeyError):
        store.path_for("unknown")


def test_cpv_import_keeps_provenance(tmp_path):
    store = RefStore(tmp_path)
    dataset = cpv.import_file(EFORMS_FR, store)
    assert dataset.records == 9454
    expected_sha = hashlib.sha256(EFORMS_FR.read_bytes()).hexdigest()
    assert dataset.provenance["sha256"] == expected_sha
    assert dataset.provenance["source_file"] == "eforms_code_fr.xml"
    assert dataset.provenance["format"] == "eforms"
    with gzip.open(store.path_for("cpv")) as handle:
        document = json.load(handle)
    assert document["format_version"] == refstore.FORMAT_VERSION
    assert document["payload"]["labels"]["45000000"] == "Travaux de construction"
    # the compact copy is much smaller than the 9 MB source
    assert store.path_for("cpv").stat().st_size < EFORMS_FR.stat().st_size / 5

    catalogue = CpvCatalogue.load(store)
    assert len(catalogue) == 9454
    assert catalogue.label("90911200-8") == "Services de nettoyage de bâtiments"
    assert catalogue.source["sha256"] == expected_sha
    assert "45210000" in catalogue.children("45200000")
    status = {s.kind: s for s in store.status()}
    assert status["cpv"].loaded and "9454" in status["cpv"].line_fr()


def test_reload_replaces_and_remove(tmp_path):
    store = RefStore(tmp_path)
    cpv.import_file(EFORMS_FR, store)
    english = SHARED_DATA / "cpv" / "eforms_code_en.xml"
    cpv.import_file(english, store, lang="en")
    assert CpvCatalogue.load(store).label("45000000") == "Construction work"
    assert store.remove("cpv")
    assert store.load("cpv") is None
    assert not store.remove("cpv")


def test_file_without_labels_is_refused(tmp_path):
    empty = tmp_path / "code_fr.xml"
    empty.write_text('<?xml version="1.0"?><properties><entry key="code|name|x.y">z</entry></properties>')
    with pytest.raises(cpv.CpvError):
        cpv.import_file(empty, RefStore(tmp_path / "store"))
    assert not (tmp_path / "store" / "refdata" / "cpv.json.gz").exists()


def test_foreign_format_is_refused(tmp_path):
    store = RefStore(tmp_path)
    target = store.path_for("cpv")
    target.parent.mkdir(parents=True)
    with gzip.open(target, "wt") as handle:
        json.dump({"kind": "cpv", "format_version": 999, "payload": {}}, handle)
    with pytest.raises(ValueError, match="rechargez"):
        store.load("cpv")
