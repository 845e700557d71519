from django.db import models
from django.utils.translation import gettext_lazy as _


class AccessAction(models.TextChoices):
    """What was done with a patient's record."""

    VIEW = "view", _("Viewed")
    SEARCH = "search", _("Listed in search results")
    EXPORT = "export", _("Exported")
    CHANGE = "change", _("Changed")
    REVEAL = "reveal", _("Health card number shown")
    MERGE = "merge", _("Merged")
    UNMERGE = "unmerge", _("Unmerged")
    ARCHIVE = "archive", _("Archived")
    RESTORE = "restore", _("Restored")
