
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('billing', '0009_employer_billing'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    # Every webhook's INSERT maintained nine indexes; it now maintains five. The constraint
    # comes first, so the event id is never without its unique index.
    operations = [
        migrations.AddConstraint(
            model_name='stripeevent',
            constraint=models.UniqueConstraint(fields=('stripe_id',), name='stripeevent_stripe_id_unique'),
        ),
        migrations.AlterField(
            model_name='stripeevent',
            name='state',
            field=models.CharField(choices=[('received', 'Received'), ('processing', 'Processing'), ('processed', 'Processed'), ('ignored', 'Ignored'), ('flagged', 'Flagged for staff'), ('failed', 'Failed, will be retried')], default='received', max_length=16),
        ),
        migrations.AlterField(
            model_name='stripeevent',
            name='stripe_id',
            field=models.CharField(max_length=255),
        ),
        migrations.AlterField(
            model_name='stripeevent',
            name='type',
            field=models.CharField(max_length=100),
        ),
        migrations.AddIndex(
            model_name='stripeevent',
            index=models.Index(condition=models.Q(('state__in', ['received', 'processing', 'failed', 'flagged'])), fields=['state', 'id'], name='stripeevent_open_state'),
        ),
    ]
