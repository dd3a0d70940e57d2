"""The past-to-future protocol of `bench/eval_classify.py`: a buyer's latest contracts are tested, whole
notification dates at a time, after learning everything else; nothing is on both sides."""

from __future__ import annotations

import importlib.util
import sys
from collections import Counter

import pytest

from levier.ingest.decp_pairs import read_pairs
from levier.rules import cpv as cpv_rules
from tests.paths import REPO_ROOT, SHARED_DATA


@pytest.fixture(scope="module")
def protocol():
    spec = importlib.util.spec_from_file_location("eval_classify", REPO_ROOT / "bench" / "eval_classify.py")
    module = importlib.util.module_from_spec(spec)
    # Its dataclasses look their module up while being built.
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_each_buyer_s_latest_dates_are_tested_whole(protocol):
    Case = protocol.Case
    cases = [
        *[Case(f"a{i}", "45000000", "A", f"2019-01-{i + 1:02d}") for i in range(8)],
        Case("a-late-1", "45000000", "A", "2019-02-01"),
        Case("a-late-2", "45000000", "A", "2019-02-01"),
        Case("b1", "90910000", "B", "2019-01-01"),
        Case("b2", "90910000", "B", "2019-01-01"),
        Case("c1", "90910000", "C", ""),
        Case("c2", "90910000", "C", "2019-03-01"),
        Case("d1", "79820000", "D", "2019-01-01"),
        Case("d2", "79820000", "D", "2019-05-01"),
    ]
    learnt, tested = protocol.latest_of_each_buyer(cases)
    assert {c.objet for c in tested} == {"a-late-1", "a-late-2", "d2"}
    # One date only (B), one dated object (C): only learnt; nothing on both sides, nothing lost.
    assert not {c.objet for c in learnt} & {c.objet for c in tested}
    assert len(learnt) + len(tested) == len(cases)


def test_the_real_samples_carry_their_notification_dates(protocol):
    files = sorted((SHARED_DATA / "decp" / "samples").glob("decp20*.json"))
    pairs = list(read_pairs(files))
    dated = [pair for pair in pairs if pair.notified]
    assert len(dated) > 0.9 * len(pairs)
    assert all(len(pair.notified) == 10 and pair.notified[4] == "-" for pair in dated)
    labels = cpv_rules.read_labels(SHARED_DATA / "cpv" / "eforms_code_fr.xml")
    cases, _counts = protocol.build_cases(pairs, labels)
    _learnt, tested = protocol.latest_of_each_buyer(cases)
    per_buyer = Counter(case.buyer for case in tested)
    owned = Counter(case.buyer for case in cases)
    assert tested and all(per_buyer[buyer] < owned[buyer] for buyer in per_buyer)
    assert 0.1 < len(tested) / len(cases) < 0.3
