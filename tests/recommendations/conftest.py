import pytest

from .world import world  # noqa: F401  (the shared fixture)


@pytest.fixture(autouse=True)
def own_data_dir(settings, tmp_path):
    # No benchmark store unless a test loads one: the national rate factor then stays out of the answer.
    settings.DATA_DIR = tmp_path
