# ReplayRun moved here from the copilot app; its table stays (copilot_replayrun): state only.

import django.db.models.deletion
import replay.models
import uuid
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('copilot', '0008_dashboard_indexes'),
        ('tickets', '0002_roles_and_schedules'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name='ReplayRun',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('key', models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('conversations', models.FileField(max_length=300, upload_to=replay.models.replay_upload_to)),
                        ('knowledge', models.FileField(blank=True, max_length=300, upload_to=replay.models.replay_upload_to)),
                        ('engine', models.CharField(choices=[('local', 'Local (no LLM)'), ('llm', 'LLM')], default='local', max_length=8)),
                        ('learn', models.BooleanField(default=True)),
                        ('auto_approve', models.BooleanField(default=True)),
                        ('limit', models.PositiveIntegerField(blank=True, null=True)),
                        ('target_precision', models.FloatField(blank=True, null=True)),
                        ('status', models.CharField(choices=[('queued', 'Queued'), ('running', 'Running'), ('done', 'Done'), ('warnings', 'Done with warnings'), ('failed', 'Failed'), ('cancelled', 'Cancelled')], default='queued', max_length=12)),
                        ('conversations_done', models.PositiveIntegerField(default=0)),
                        ('conversations_total', models.PositiveIntegerField(default=0)),
                        ('messages_done', models.PositiveIntegerField(default=0)),
                        ('rate', models.FloatField(default=0.0, help_text='Customer messages per second.')),
                        ('report', models.JSONField(blank=True, null=True)),
                        ('warnings', models.JSONField(blank=True, default=list)),
                        ('error', models.TextField(blank=True)),
                        ('started_at', models.DateTimeField(blank=True, null=True)),
                        ('finished_at', models.DateTimeField(blank=True, null=True)),
                        ('host', models.CharField(blank=True, max_length=255)),
                        ('worker_pid', models.PositiveIntegerField(blank=True, null=True)),
                        ('pid', models.PositiveIntegerField(blank=True, null=True)),
                        ('cancel_requested', models.BooleanField(default=False)),
                        ('threshold_applied_at', models.DateTimeField(blank=True, null=True)),
                        ('created_by', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('team', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='replay_runs', to='tickets.team')),
                        ('threshold_applied_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'copilot_replayrun',
                        'ordering': ['-created_at', '-id'],
                        'constraints': [models.CheckConstraint(condition=models.Q(('target_precision__isnull', True), models.Q(('target_precision__gt', 0), ('target_precision__lte', 1)), _connector='OR'), name='replay_run_target_precision_range'), models.CheckConstraint(condition=models.Q(('limit__isnull', True), ('limit__gte', 1), _connector='OR'), name='replay_run_limit_positive')],
                    },
                ),
            ],
        ),
    ]
