from django.core.management import call_command

from knowledge import macro_knowledge
from knowledge.models import KnowledgeEntry

Status, Source = KnowledgeEntry.Status, KnowledgeEntry.Source


def test_it_seeds_the_handbook_and_what_the_demo_tickets_taught_once(db, capsys):
    call_command("seed_demo")
    call_command("seed_knowledge_demo")
    assert "17 handbook entries" in capsys.readouterr().out
    handbook = KnowledgeEntry.objects.filter(source=Source.IMPORTED)
    assert handbook.count() == 17
    assert not handbook.exclude(status=Status.APPROVED).exists()
    assert KnowledgeEntry.objects.filter(source=Source.LEARNED, status=Status.PROPOSED).exists()
    count = KnowledgeEntry.objects.count()
    call_command("seed_knowledge_demo")
    assert "nothing seeded" in capsys.readouterr().out
    assert KnowledgeEntry.objects.count() == count


def test_it_seeds_after_seed_demo_made_the_macros_entries(db, capsys):
    call_command("seed_demo")
    macro_knowledge.macros_sync_all()  # each macro's entry, made once the macro is committed
    assert KnowledgeEntry.objects.filter(source=Source.MACRO).exists()
    call_command("seed_knowledge_demo")
    assert "17 handbook entries" in capsys.readouterr().out
    assert KnowledgeEntry.objects.filter(source=Source.IMPORTED).count() == 17
