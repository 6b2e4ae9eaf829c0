from django.db import migrations


def schedule(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    Schedule.objects.get_or_create(
        func="copilot.tasks.calibrate_thresholds",
        defaults={"name": "Tune copilot thresholds to each team's precision target",
                  "schedule_type": "D"},
    )


def unschedule(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(
        func="copilot.tasks.calibrate_thresholds"
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("copilot", "0002_calibration"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]

    operations = [migrations.RunPython(schedule, unschedule)]
