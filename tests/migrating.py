"""Moving the test database to a given migration and back, for tests of a data migration."""

from typing import Any

import pytest
from django.apps.registry import Apps
from django.db import connection
from django.db.migrations.executor import MigrationExecutor


def historical_ticket(apps: Apps, at: object) -> Any:
    """A ticket of a new team and customer, created ``at``, with the models ``apps`` has."""
    Team = apps.get_model("tickets", "Team")
    Customer = apps.get_model("tickets", "Customer")
    return apps.get_model("tickets", "Ticket").objects.create(
        team=Team.objects.create(name="Compute", slug="compute"),
        customer=Customer.objects.create(name="Priya", email="priya@example.com"),
        subject="VM will not boot",
        created_at=at,
        updated_at=at,
        last_message_at=at,
    )


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
