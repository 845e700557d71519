import uuid

from django.db import models


class Registration(models.Model):
    """One row per request: the fields of a patient, without any rule."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    email = models.EmailField()
    first_name = models.CharField(max_length=150)
    last_name = models.CharField(max_length=150)
    gender = models.CharField(max_length=10)
    phone = models.CharField(max_length=32)
    date_of_birth = models.DateField()
    province = models.CharField(max_length=2, blank=True)
    health_card_number = models.CharField(max_length=20, blank=True)
    health_card_province = models.CharField(max_length=2, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return self.email
