# A new, empty table: its unique index and check constraint are built with it, so the
# concurrent-index and NOT VALID rules of docs/operations/migrations.md do not apply.

import django.db.models.functions.text
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('experts', '0003_staff_edit_vocabularies'),
    ]

    operations = [
        migrations.CreateModel(
            name='StoredFile',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(max_length=200, unique=True, verbose_name='name')),
                ('content', models.BinaryField(verbose_name='content')),
                ('size', models.PositiveIntegerField(verbose_name='size in bytes')),
                ('content_type', models.CharField(max_length=100, verbose_name='content type')),
                ('created_at', models.DateTimeField(auto_now_add=True)),
            ],
            options={
                'verbose_name': 'stored file',
                'constraints': [models.CheckConstraint(condition=models.Q(('size', django.db.models.functions.text.Length('content'))), name='stored_file_size_matches_content')],
            },
        ),
    ]
