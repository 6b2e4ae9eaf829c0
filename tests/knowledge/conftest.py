from tests.conftest import FIXTURE  # noqa: F401  (tests import it from here)
