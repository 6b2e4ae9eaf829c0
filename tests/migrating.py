"""Moving the test database to a given migration and back, for tests of a data migration."""

import pytest
from django.apps.registry import Apps
from django.db import connection
from django.db.migrations.executor import MigrationExecutor


def migrate(targets: list[tuple[str, str]]) -> Apps:
    """Migrate to ``targets``; the models as they were there."""
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.fixture
def back_to_the_latest():
    """After the test, the database is migrated to the latest state again."""
    yield
    migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
