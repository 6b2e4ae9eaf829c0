from pathlib import Path

import pytest

from tests.async_executor import close_executor_connections
from tests.factories import CustomerFactory, TeamFactory, TicketFactory, UserFactory
from tickets import services
from tickets.models import Message


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_teardown(item, nextitem):
    """After the last test, before the test database is dropped: nothing may still hold it."""
    if nextitem is None:
        close_executor_connections()


@pytest.fixture(autouse=True)
def _forget_team_models():
    """Teams' fitted models and knowledge indexes are cached per process by team id; each test
    starts afresh."""
    from copilot import fitted
    from knowledge import example_index

    fitted.forget()
    example_index.forget()
    yield
    fitted.forget()
    example_index.forget()


@pytest.fixture
def team(db):
    return TeamFactory(name="Compute", slug="compute")


@pytest.fixture
def other_team(db):
    return TeamFactory(name="Billing", slug="billing")


@pytest.fixture
def analyst(team):
    return UserFactory(username="sam", roles=["analyst"], teams=[team])


@pytest.fixture
def other_analyst(other_team):
    return UserFactory(username="olga", roles=["analyst"], teams=[other_team])


@pytest.fixture
def curator(team):
    return UserFactory(username="cora", roles=["curator"], teams=[team])


@pytest.fixture
def manager(db):
    return UserFactory(username="max", roles=["manager"])


@pytest.fixture
def nobody(db):
    """Logged in, but holds no Vigil role."""
    return UserFactory(username="nobody")


@pytest.fixture
def customer(db):
    return CustomerFactory(name="Priya Raman", email="priya@example.com")


@pytest.fixture
def ticket(team, customer):
    return services.ticket_create(
        team=team, customer=customer, subject="VM will not boot", body="My VM is stuck."
    )


@pytest.fixture
def other_ticket(other_team):
    return TicketFactory(team=other_team, subject="Charged twice")


@pytest.fixture
def make_ticket(team, customer):
    def make(**kwargs):
        return services.ticket_create(
            team=kwargs.pop("team", team),
            customer=kwargs.pop("customer", customer),
            subject=kwargs.pop("subject", "A problem"),
            body=kwargs.pop("body", "Something broke."),
            **kwargs,
        )

    return make


@pytest.fixture
def reply(analyst):
    def send(ticket, body="Try a restart.", **kwargs):
        message, _ = services.message_create(
            ticket=ticket, kind=Message.Kind.ANALYST, body=body, author=analyst, **kwargs
        )
        return message

    return send


FIXTURE = Path(__file__).resolve().parent / "fixtures" / "knowledge_small.jsonl"


@pytest.fixture
def small_kb(db):
    """The project's small knowledge base, imported and approved (scope: all teams)."""
    from knowledge import importing
    from knowledge.models import KnowledgeEntry

    result = importing.ImportResult()
    rows = importing.read_rows(FIXTURE, result.errors)
    importing.import_rows(rows, approve=True, team=None, actor=None, result=result)
    assert not result.errors
    return {entry.external_id: entry for entry in KnowledgeEntry.objects.all()}


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server (aiosmtpd) on a free port, and Django's SMTP backend pointed at it."""
    from tests.mailservers.smtp import SmtpServer

    server = SmtpServer()
    server.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", server.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 5
    yield server
    server.stop()


@pytest.fixture
def media_root(settings, tmp_path):
    """Files saved through Django's storage land in a folder of this test's own."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def imap_server():
    """Dovecot, a real IMAP server, with a throwaway configuration in a temporary folder (not
    pytest's own, which only its owner may enter: Dovecot's processes run as its users)."""
    import shutil
    import tempfile

    from tests.mailservers.imap import ImapServer, available

    reason = available()
    if reason:
        pytest.skip(reason)
    root = Path(tempfile.mkdtemp(prefix="vigil-dovecot-"))
    server = ImapServer(root)
    try:
        server.start()
        yield server
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)
