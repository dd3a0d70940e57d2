"""The demo screens every demo plan line, so each shows its badge; loading it twice changes nothing."""

import pytest

from levier.core.demo import load_demo
from levier.plans.models import PlannedPurchase
from levier.recommendations.models import PurchaseScreening

pytestmark = pytest.mark.django_db


def test_every_demo_plan_line_is_screened_once(settings, tmp_path):
    settings.DATA_DIR = tmp_path / "donnees"
    load_demo()
    purchases = PlannedPurchase.objects.count()
    assert purchases > 0
    assert PurchaseScreening.objects.count() == purchases
    assert PurchaseScreening.objects.exclude(option="none").exists()
    load_demo()
    assert PurchaseScreening.objects.count() == PlannedPurchase.objects.count() == purchases
