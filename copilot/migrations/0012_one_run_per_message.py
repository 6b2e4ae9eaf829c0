from django.db import migrations, models
from django.db.models import Exists, OuterRef


def classify_existing_runs(apps, schema_editor):
    CopilotRun = apps.get_model("copilot", "CopilotRun")
    # A status update drafted on request never recorded a threshold; every pipeline run did.
    CopilotRun.objects.filter(kind="status_update", threshold__isnull=True).update(
        trigger="request"
    )
    # A message decided more than once (its task ran again): the first decision stands, the
    # others are kept as repeats, outside the one-per-message constraint.
    earlier = CopilotRun.objects.filter(
        message=OuterRef("message"), trigger="message", pk__lt=OuterRef("pk")
    )
    CopilotRun.objects.filter(Exists(earlier), trigger="message").update(trigger="repeat")


class Migration(migrations.Migration):

    dependencies = [
        ('copilot', '0011_threshold_is_a_probability'),
    ]

    operations = [
        migrations.AddField(
            model_name='copilotrun',
            name='trigger',
            field=models.CharField(choices=[('message', 'A customer message'), ('request', 'Asked for: by an analyst, or for a customer waiting long'), ('repeat', 'A repeat, recorded before a message was decided only once')], default='message', max_length=8),
        ),
        migrations.RunPython(classify_existing_runs, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name='copilotrun',
            constraint=models.UniqueConstraint(condition=models.Q(('trigger', 'message')), fields=('message',), name='copilot_run_one_per_message'),
        ),
    ]
