"""The organization's registration policy: `requires_email` becomes "email" in `required_fields`."""

from django.db import migrations, models


def email_into_policy(apps, schema_editor):
    Organization = apps.get_model("organizations", "Organization")
    Organization.objects.filter(requires_email=True).update(required_fields=["email"])


def policy_into_email(apps, schema_editor):
    Organization = apps.get_model("organizations", "Organization")
    for organization in Organization.objects.all():
        if "email" in organization.required_fields:
            organization.requires_email = True
            organization.save(update_fields=["requires_email"])


class Migration(migrations.Migration):
    dependencies = [("organizations", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="organization",
            name="required_fields",
            field=models.JSONField(
                blank=True, default=list, verbose_name="required for a full patient",
                help_text="What a full patient needs beyond names, date of birth, gender and phone.",
            ),
        ),
        migrations.AddField(
            model_name="organization",
            name="lead_requires",
            field=models.CharField(
                choices=[("nothing", "Nothing: a lead may come without a phone or an email"), ("phone", "A phone"),
                         ("email", "An email"), ("phone-or-email", "A phone or an email")],
                default="nothing", help_text="How a lead must be reachable.", max_length=16,
                verbose_name="a lead needs",
            ),
        ),
        migrations.RunPython(email_into_policy, policy_into_email),
        migrations.RemoveField(model_name="organization", name="requires_email"),
    ]
