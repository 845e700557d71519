from django.db import models


class AccessAction(models.TextChoices):
    """What was done with a patient's record."""

    VIEW = "view", "Viewed"
    SEARCH = "search", "Listed in search results"
    EXPORT = "export", "Exported"
    CHANGE = "change", "Changed"
    REVEAL = "reveal", "Health card number shown"
    MERGE = "merge", "Merged"
    UNMERGE = "unmerge", "Unmerged"
    ARCHIVE = "archive", "Archived"
    RESTORE = "restore", "Restored"
