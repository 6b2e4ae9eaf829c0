"""Each page, panel and download issues a fixed number of queries whatever the data size."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dashboards.panels import PAGES
from tests.dashboards.conftest import build, days_ago
from tests.factories import TeamFactory

# Session, user, and the user's roles come first on every page: 3 queries; a whole page also
# counts the top bar's unread notifications: 1.
BELL = 1
PAGE_QUERIES = {
    "support": 3 + BELL + 1 + 12,
    "copilot": 3 + BELL + 1 + 7,
    "knowledge": 3 + BELL + 1 + 8,
}
PANEL_QUERIES = {
    ("support", "volume"): 2,
    ("support", "backlog"): 1,
    ("support", "times"): 3,
    ("support", "sla"): 3,
    ("support", "satisfaction"): 2,
    ("support", "waiting"): 1,
    ("copilot", "activity"): 2,
    ("copilot", "acceptance"): 1,
    ("copilot", "precision"): 2,
    ("copilot", "silence"): 1,
    ("copilot", "cost"): 1,
    ("knowledge", "growth"): 2,
    ("knowledge", "mix"): 1,
    ("knowledge", "curation"): 2,
    ("knowledge", "usage"): 2,
    ("knowledge", "macros"): 1,
}


def count(client, url, params=None):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params or {})
        if response.streaming:
            b"".join(response.streaming_content)
    assert response.status_code == 200
    return len(queries)


@pytest.fixture
def more_data(dataset, day0):
    """The same again, twice, in three more teams: many more rows of every kind."""

    def add():
        for n in range(3):
            build(days_ago(n + 1), TeamFactory(), TeamFactory())

    return add


def test_every_panel_is_pinned():
    assert {(page, name) for page, p in PAGES.items() for name in p.panels} == set(PANEL_QUERIES)


@pytest.mark.parametrize("page", list(PAGE_QUERIES))
def test_a_page_issues_a_fixed_number_of_queries(client, manager, more_data, page, analyst):
    url = reverse("dashboards:page", args=[page])
    for user in (manager, analyst):
        client.force_login(user)
        small = count(client, url)
        more_data()
        assert count(client, url) == small
    client.force_login(manager)
    assert count(client, url) == PAGE_QUERIES[page]


@pytest.mark.parametrize(("page", "name"), list(PANEL_QUERIES))
def test_a_panel_issues_a_fixed_number_of_queries(
    client, manager, dataset, page, name, django_assert_num_queries
):
    client.force_login(manager)
    url = reverse("dashboards:panel", args=[page, name])
    client.get(url)
    with django_assert_num_queries(3 + 1 + PANEL_QUERIES[(page, name)]):
        client.get(url, {"team": "compute"})


@pytest.mark.parametrize(
    ("url", "params", "queries"),
    [
        # The page: a count and the rows of one page.
        (reverse("dashboards:audit_runs"), {}, 3 + BELL + 1 + 2),
        (reverse("dashboards:audit_curation"), {}, 3 + BELL + 1 + 2),
        # The export: every row, read in chunks through one server-side cursor.
        (reverse("dashboards:audit_runs"), {"format": "csv"}, 3 + 1 + 1),
        (reverse("dashboards:audit_curation"), {"format": "csv"}, 3 + 1 + 1),
        (reverse("dashboards:table", args=["support", "waiting"]), {}, 3 + 1 + 1),
        (reverse("dashboards:table", args=["copilot", "daily"]), {}, 3 + 1 + 4),
    ],
)
def test_audit_pages_and_downloads_issue_a_fixed_number_of_queries(
    client, manager, more_data, url, params, queries
):
    client.force_login(manager)
    assert count(client, url, params) == queries
    more_data()
    assert count(client, url, params) == queries
