"""What a merge remembers (so that an unmerge restores exactly), and the duplicates worklist.

These models belong to the `patients` app (patients/models.py imports them): one app, one
migration history.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from organizations.scoping import OrganizationOwned


class PatientMerge(OrganizationOwned):
    """One merge of `merged` into `survivor`: who, when, through which door, why, and what it changed.

    `merged_before` and `survivor_before` hold the columns of both records as they were (JSON
    values, see patients/merging/fields.py); `survivor_after` the values the merge gave the survivor,
    so that an unmerge can tell which of them someone changed later. `links`, `health_card` and
    `verifications` say what moved and how to move it back.
    """

    merged = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="merges_as_merged")
    survivor = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="merges_as_survivor")
    reason = models.TextField(blank=True)
    channel = models.CharField(max_length=20, blank=True)
    actor_label = models.CharField(max_length=200, blank=True)
    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    fields_set = models.JSONField(default=list, help_text="The fields (domain names) the merge gave the survivor.")
    merged_before = models.JSONField(default=dict)
    survivor_before = models.JSONField(default=dict)
    survivor_after = models.JSONField(default=dict)
    links = models.JSONField(default=dict)
    health_card = models.JSONField(default=dict)
    verifications = models.JSONField(default=dict)
    revoked_tokens = models.JSONField(default=list)

    undone_at = models.DateTimeField(null=True, blank=True)
    undone_by_label = models.CharField(max_length=200, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    undo_channel = models.CharField(max_length=20, blank=True)
    kept_later_edits = models.JSONField(default=list, help_text="Fields the unmerge left as later edits set them.")

    class Meta:
        constraints = [
            # A record is merged at most once at a time: the last guard against two merges of one lead.
            models.UniqueConstraint(fields=["merged"], condition=Q(undone_at__isnull=True), name="merge_open_once"),
            models.CheckConstraint(condition=~Q(merged=F("survivor")), name="merge_not_into_itself"),
        ]
        indexes = [models.Index(fields=["survivor", "-created_at"], name="merge_survivor_created")]

    def __str__(self):
        return f"{self.merged_id} into {self.survivor_id}"

    @property
    def is_open(self) -> bool:
        return self.undone_at is None


class DuplicatePair(OrganizationOwned):
    """Two records the duplicate rules say are probably one person (the admin's worklist).

    Built set-based by patients/merging/worklist.py. `patient_a` sorts before `patient_b`, so a pair
    has one row whichever way it was found; a dismissed pair keeps its row, and the build never
    offers it again.
    """

    patient_a = models.ForeignKey("patients.Patient", on_delete=models.CASCADE, related_name="+")
    patient_b = models.ForeignKey("patients.Patient", on_delete=models.CASCADE, related_name="+")
    same_phone = models.BooleanField(default=False)
    same_name_and_birth_date = models.BooleanField(default=False)
    same_birth_date = models.BooleanField(default=False)
    found_at = models.DateTimeField()
    dismissed_at = models.DateTimeField(null=True, blank=True)
    dismissed_by_label = models.CharField(max_length=200, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["patient_a", "patient_b"], name="duplicate_pair_once"),
            models.CheckConstraint(condition=Q(patient_a__lt=F("patient_b")), name="duplicate_pair_ordered"),
        ]
        indexes = [
            models.Index(fields=["organization", "-found_at"], name="duplicate_pair_open",
                         condition=Q(dismissed_at__isnull=True)),
            models.Index(fields=["patient_b"], name="duplicate_pair_b"),
        ]

    def __str__(self):
        return f"{self.patient_a_id} / {self.patient_b_id}"

    @property
    def reasons(self) -> list[str]:
        reasons = []
        if self.same_phone:
            reasons.append("same phone")
        if self.same_name_and_birth_date:
            reasons.append("same family name and date of birth")
        elif self.same_birth_date:
            reasons.append("same date of birth")
        return reasons
