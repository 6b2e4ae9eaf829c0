from django.db import migrations


def schedule(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    Schedule.objects.get_or_create(
        func="copilot.tasks.draft_overdue_updates",
        defaults={"name": "Draft status updates for customers waiting too long",
                  "schedule_type": "I", "minutes": 15},
    )


def unschedule(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(
        func="copilot.tasks.draft_overdue_updates"
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("copilot", "0004_update_interval")]

    operations = [migrations.RunPython(schedule, unschedule)]
