from django.db import migrations


def schedule(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    Schedule.objects.get_or_create(
        func="copilot.tasks.queue_missed_runs",
        defaults={"name": "Queue again customer messages whose copilot task was lost",
                  "schedule_type": "I", "minutes": 1},
    )


def unschedule(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(
        func="copilot.tasks.queue_missed_runs"
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("copilot", "0012_one_run_per_message"), ("django_q", "0001_initial")]

    operations = [migrations.RunPython(schedule, unschedule)]
