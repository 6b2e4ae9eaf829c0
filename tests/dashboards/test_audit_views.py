import csv
import io

import pytest
from django.urls import reverse

from tests.factories import UserFactory

RUNS = reverse("dashboards:audit_runs")
CURATION = reverse("dashboards:audit_curation")


def rows_of(response):
    text = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(text)))


@pytest.fixture
def admin(db):
    return UserFactory(username="ada", roles=["admin"])


def test_it_lists_every_copilot_decision_for_a_manager(client, dataset, manager):
    client.force_login(manager)
    response = client.get(RUNS)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('<tr class="run-') == 8
    assert "no knowledge above threshold (0.41 &lt; 0.6)" in html
    assert f'href="/knowledge/{dataset.old.pk}/">#{dataset.old.pk}</a>' in html  # cited
    assert "openai/gpt-4o-mini" in html


@pytest.mark.parametrize(
    ("params", "count"),
    [
        ({"decision": "silent"}, 3),
        ({"decision": "speak", "team": "billing"}, 1),
        ({"reason": "ABOVE THRESHOLD"}, 2),
        ({"start": "2020-01-01", "end": "2020-01-31"}, 0),
    ],
)
def test_it_filters_copilot_decisions(client, dataset, manager, params, count):
    client.force_login(manager)
    html = client.get(RUNS, params).content.decode()
    assert html.count('<tr class="run-') == count


def test_it_paginates(client, dataset, admin, settings, monkeypatch):
    from dashboards import views

    monkeypatch.setattr(views, "AUDIT_PAGE_SIZE", 3)
    client.force_login(admin)
    html = client.get(RUNS, {"decision": "speak", "page": "2"}).content.decode()
    assert html.count('<tr class="run-') == 2
    assert "4\N{EN DASH}5 of 5" in html
    assert 'href="?decision=speak&amp;page=1"' in html
    # A page number past the end shows the last page, not an error.
    assert client.get(RUNS, {"page": "99"}).status_code == 200


def test_it_exports_the_filtered_decisions_as_csv(client, dataset, manager):
    client.force_login(manager)
    response = client.get(RUNS, {"decision": "speak", "team": "compute", "format": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "vigil-copilot-runs-compute-" in response["Content-Disposition"]
    rows = rows_of(response)
    assert rows[0][:6] == ["Run", "When", "Ticket", "Team", "Decision", "Reason"]
    assert len(rows) == 1 + 4
    first_run = next(row for row in rows if row[13] == "openai/gpt-4o-mini")
    assert first_run[11] == f"#{dataset.old.pk}"  # cited
    assert first_run[15] == "1000"


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"decision": "shout"}, "The decision is “speak” or “silent”."),
        ({"start": "soon"}, "The start date must look like 2026-11-30."),
        ({"team": "nope"}, "There is no team “nope” among yours."),
    ],
)
def test_it_answers_bad_audit_filters_with_400(client, dataset, manager, params, message):
    client.force_login(manager)
    response = client.get(RUNS, params)
    assert response.status_code == 400
    assert message in response.content.decode()
    exported = client.get(RUNS, {**params, "format": "csv"})
    assert exported.status_code == 400
    assert message in exported.content.decode()


def test_it_lists_curation_decisions_with_who_and_when(client, dataset, manager):
    client.force_login(manager)
    html = client.get(CURATION).content.decode()
    for text in ("Approved", "Cora", "Rejected", "too vague"):
        assert text in html
    filtered = client.get(CURATION, {"kind": "rejected"}).content.decode()
    assert "too vague" in filtered
    assert "Cora" not in filtered
    by_actor = client.get(CURATION, {"actor": "cor"}).content.decode()
    assert "Cora" in by_actor
    assert "too vague" not in by_actor


def test_it_exports_curation_decisions_as_csv(client, dataset, admin):
    client.force_login(admin)
    response = client.get(CURATION, {"format": "csv"})
    rows = rows_of(response)
    assert rows[0] == [
        "When",
        "Entry",
        "Question",
        "Scope",
        "Change",
        "State",
        "By",
        "Note",
        "Ticket",
    ]
    assert [row[4] for row in rows[1:]] == ["Rejected", "Approved"]


def test_it_refuses_a_bad_kind_of_change(client, dataset, manager):
    client.force_login(manager)
    response = client.get(CURATION, {"kind": "deleted"})
    assert response.status_code == 400
    assert "There is no change of kind “deleted”." in response.content.decode()


@pytest.mark.parametrize("url", [RUNS, CURATION])
def test_only_managers_and_admins_read_the_audit(client, dataset, analyst, curator, url):
    for user in (analyst, curator):
        client.force_login(user)
        assert client.get(url).status_code == 403
        assert client.get(url, {"format": "csv"}).status_code == 403
    client.logout()
    assert client.get(url).status_code == 302


def test_it_swaps_only_the_results_for_htmx(client, dataset, manager):
    client.force_login(manager)
    response = client.get(
        RUNS, {"decision": "silent"}, headers={"HX-Request": "true", "HX-Target": "audit-results"}
    )
    html = response.content.decode()
    assert '<div id="audit-results">' in html
    assert "<header" not in html
    assert html.count('<tr class="run-') == 3
    # The download link sits with the results, so it follows the filters.
    assert 'href="?decision=silent&amp;format=csv" download>Download CSV</a>' in html
    assert 'hx-swap-oob="true"' in html
