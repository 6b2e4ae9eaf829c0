from django.db import migrations

ROLES = ["analyst", "curator", "manager", "admin"]


def create_roles_and_schedules(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for name in ROLES:
        Group.objects.get_or_create(name=name)
    Schedule = apps.get_model("django_q", "Schedule")
    Schedule.objects.get_or_create(
        func="tickets.tasks.auto_close_resolved",
        defaults={"name": "Close tickets resolved long ago", "schedule_type": "H"},
    )


def remove(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(
        func="tickets.tasks.auto_close_resolved"
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]

    operations = [migrations.RunPython(create_roles_and_schedules, remove)]
