import csv
import io

import pytest
from django.urls import reverse

from tests.factories import UserFactory

HX = {"HX-Request": "true"}


def page(name):
    return reverse("dashboards:page", args=[name])


def rows_of(response):
    return list(csv.reader(io.StringIO(response.content.decode())))


@pytest.fixture
def admin(db):
    return UserFactory(username="ada", roles=["admin"])


@pytest.mark.parametrize("name", ["support", "copilot", "knowledge"])
def test_it_shows_a_manager_every_panel_with_charts(client, dataset, manager, name):
    client.force_login(manager)
    response = client.get(page(name))
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('class="panel dash-panel') >= 4
    assert html.count('hx-trigger="every 60s"') >= 4
    assert '<svg class="chart"' in html
    assert "Billing" in html


def test_it_shows_the_support_figures(client, dataset, manager):
    client.force_login(manager)
    html = client.get(page("support"), {"team": "compute"}).content.decode()
    assert "24.6 h" in html  # first response p90
    assert "50.0%" in html  # SLA breached
    # Customer text is escaped, and links lead to the tickets.
    assert "=HYPERLINK(&quot;http://evil&quot;)" in html
    assert f'href="/tickets/{dataset.tickets[3].pk}/"' in html


def test_it_shows_customer_satisfaction_per_team(client, dataset, analyst, manager):
    client.force_login(analyst)
    html = client.get(page("support")).content.decode()
    assert "Customer satisfaction" in html
    assert "67%" in html  # two good of three, Compute's only
    assert "Took two days" in html
    assert "Billing never answered" not in html
    client.force_login(manager)
    html = client.get(page("support")).content.decode()
    assert "Billing never answered" in html
    response = client.get(reverse("dashboards:table", args=["support", "comments"]))
    assert [row[3] for row in rows_of(response)[1:]] == [
        "Took two days",
        "Billing never answered",  # rated on the same day as the next, later
        "Quick and clear, thanks",
    ]


def test_it_limits_an_analyst_to_their_teams(client, dataset, analyst):
    client.force_login(analyst)
    response = client.get(page("copilot"))
    assert response.status_code == 200
    html = response.content.decode()
    assert '<option value="compute"' in html
    assert '<option value="billing"' not in html
    assert "All my teams" in html


def test_it_refuses_an_analyst_another_teams_figures(client, dataset, analyst):
    client.force_login(analyst)
    response = client.get(page("support"), {"team": "billing"})
    assert response.status_code == 400
    assert "There is no team “billing” among yours." in response.content.decode()
    csv_response = client.get(
        reverse("dashboards:table", args=["support", "waiting"]), {"team": "billing"}
    )
    assert csv_response.status_code == 400
    assert "billing" in csv_response.content.decode()


def test_it_lets_a_curator_open_the_knowledge_dashboard_only(client, dataset, curator):
    client.force_login(curator)
    assert client.get(page("knowledge")).status_code == 200
    assert client.get(page("support")).status_code == 403
    panel = reverse("dashboards:panel", args=["copilot", "cost"])
    assert client.get(panel).status_code == 403
    assert client.get(reverse("dashboards:index")).url == page("knowledge")


def test_it_refuses_users_without_a_role_and_sends_strangers_to_log_in(client, dataset, nobody):
    response = client.get(page("support"))
    assert response.status_code == 302
    assert response.url.startswith("/login/")
    client.force_login(nobody)
    assert client.get(page("support")).status_code == 403


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"start": "yesterday"}, "The start date must look like 2026-11-30."),
        ({"end": "2026-13-45"}, "The end date must look like 2026-11-30."),
        ({"start": "2026-11-20", "end": "2026-11-01"}, "The start date is after the end date."),
        ({"start": "2020-01-01", "end": "2026-01-01"}, "Choose at most 731 days."),
    ],
)
def test_it_answers_bad_filters_with_400_and_the_reason(client, dataset, manager, params, message):
    client.force_login(manager)
    response = client.get(page("support"), params)
    assert response.status_code == 400
    assert message in response.content.decode()
    panel = client.get(reverse("dashboards:panel", args=["support", "sla"]), params)
    assert panel.status_code == 400
    assert message in panel.content.decode()


def test_it_swaps_all_panels_when_the_filters_change(client, dataset, manager):
    client.force_login(manager)
    response = client.get(
        page("copilot"), {"team": "billing"}, headers={**HX, "HX-Target": "dashboard-panels"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert '<div id="dashboard-panels"' in html
    assert "<header" not in html
    assert "team=billing" in html
    # The tabs come along out of band, their links carrying the new filters.
    assert 'id="dash-tabs" class="dash-tabs" aria-label="Dashboards" hx-swap-oob="true"' in html
    assert 'href="/dashboards/support/?team=billing&amp;start=' in html


def test_it_renders_one_panel_for_its_refresh(client, dataset, manager):
    client.force_login(manager)
    url = reverse("dashboards:panel", args=["copilot", "silence"])
    response = client.get(url, {"team": "compute"}, headers=HX)
    assert response.status_code == 200
    html = response.content.decode().strip()
    assert html.startswith('<section class="panel dash-panel"')
    assert 'id="panel-silence"' in html
    assert "no knowledge above threshold" in html
    assert f'hx-get="{url}?team=compute&amp;start=' in html


def test_it_answers_404_for_an_unknown_page_panel_or_table(client, manager):
    client.force_login(manager)
    assert client.get(page("finance")).status_code == 404
    assert client.get(reverse("dashboards:panel", args=["support", "nope"])).status_code == 404
    assert client.get(reverse("dashboards:table", args=["support", "nope"])).status_code == 404


def test_it_refuses_post(client, manager):
    client.force_login(manager)
    assert client.post(page("support")).status_code == 405


def test_it_downloads_a_table_as_csv_with_the_filters(client, dataset, manager):
    client.force_login(manager)
    url = reverse("dashboards:table", args=["support", "sla"])
    response = client.get(url, {"team": "billing", "start": "2026-01-01", "end": "2026-12-31"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert (
        'filename="vigil-support-sla-billing-2026-01-01-2026-12-31.csv"'
        in (response["Content-Disposition"])
    )
    rows = rows_of(response)
    assert rows[0] == [
        "Priority",
        "First response within (h)",
        "Tickets",
        "Breached",
        "Still waiting",
    ]
    assert ["Normal", "24", "1", "1", "0"] in rows


def test_it_keeps_customer_text_from_running_as_a_formula(client, dataset, manager):
    client.force_login(manager)
    rows = rows_of(client.get(reverse("dashboards:table", args=["support", "waiting"])))
    assert '\'=HYPERLINK("http://evil")' in [row[1] for row in rows]


@pytest.mark.parametrize(
    ("page_name", "table"),
    [
        ("support", "daily"),
        ("support", "waiting"),
        ("copilot", "daily"),
        ("copilot", "acceptance"),
        ("copilot", "precision"),
        ("copilot", "silence"),
        ("knowledge", "daily"),
        ("knowledge", "cited"),
        ("knowledge", "dismissed"),
    ],
)
def test_every_table_downloads(client, dataset, admin, page_name, table):
    client.force_login(admin)
    response = client.get(reverse("dashboards:table", args=[page_name, table]))
    assert response.status_code == 200
    rows = rows_of(response)
    assert len(rows) >= 2
    assert len({len(row) for row in rows}) == 1


def test_the_daily_csv_has_one_row_per_day(client, dataset, manager):
    client.force_login(manager)
    response = client.get(
        reverse("dashboards:table", args=["copilot", "daily"]),
        {"start": "2026-11-01", "end": "2026-11-07"},
    )
    rows = rows_of(response)
    assert rows[0][:4] == ["day", "spoke", "silent", "silence rate"]
    assert [row[0] for row in rows[1:]] == [f"2026-11-0{n}" for n in range(1, 8)]


def test_the_top_bar_links_to_the_dashboards(client, analyst, nobody):
    client.force_login(analyst)
    assert 'href="/dashboards/">Dashboards</a>' in client.get("/tickets/").content.decode()


def test_it_shows_bad_filters_in_place_of_the_panels_for_htmx(client, dataset, manager):
    client.force_login(manager)
    response = client.get(
        page("support"),
        {"start": "2026-11-20", "end": "2026-11-01"},
        headers={**HX, "HX-Target": "dashboard-panels"},
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert html.startswith('<div id="dashboard-panels"><div class="form-error"')
    assert "The start date is after the end date." in html
