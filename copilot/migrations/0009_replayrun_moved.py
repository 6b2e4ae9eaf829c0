# ReplayRun moved to the replay app, which took over its table: state only, no data touched.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('copilot', '0008_dashboard_indexes'),
        ('replay', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[migrations.DeleteModel(name='ReplayRun')],
        ),
    ]
