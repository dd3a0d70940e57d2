"""The classifier Levier uses for purchase objects: the saved model, else the loaded CPV labels, else sectors.

One builder for `levier classify` and for the imports that propose a CPV when a line has none.
"""

from __future__ import annotations

from pathlib import Path

from levier.ingest.decp_pairs import read_pairs
from levier.rules import cpv as cpv_rules
from levier.rules import refstore
from levier.rules.classify import Classifier, default_model_path


def build_classifier(
    store: refstore.RefStore, cpv_file: str | None, train: list[str]
) -> tuple[Classifier, str]:
    """The classifier and a French line saying where its vocabulary comes from."""
    if cpv_file:
        path = Path(cpv_file)
        if not path.is_file():
            raise FileNotFoundError(f"Fichier CPV introuvable : {path}")
        model, origin = Classifier(cpv_rules.read_labels(path)), f"libellés CPV de {path.name}"
    else:
        catalogue = cpv_rules.CpvCatalogue.load(store)
        saved = default_model_path(store.root)
        if not train and saved.exists():
            try:
                model = Classifier.load(saved)
            except ValueError:
                # An older or damaged model file: classify with a fresh model rather than fail.
                model = None
            if model is not None and len(model.labels) == len(catalogue):
                return model, f"modèle enregistré ({saved})"
        if catalogue.loaded:
            labels = {code: catalogue.label(code) or "" for code in catalogue.codes()}
            model, origin = Classifier(labels), "libellés CPV du référentiel chargé"
        else:
            model, origin = Classifier(), "vocabulaire des secteurs seul (aucun fichier CPV chargé)"
    if train:
        used = model.train_on(read_pairs(train))
        origin += f", appris sur {used} marchés attribués (DECP)"
    return model, origin
