from django.db import migrations

from patients.access_log import triggers


class Migration(migrations.Migration):
    dependencies = [
        ("access_log", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(triggers.install, triggers.remove),
    ]
