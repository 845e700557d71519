"""Fill each history row's actor and channel from the actor the service attached to the instance,
and let the instance know the row its save wrote."""

from django.dispatch import receiver
from simple_history.signals import post_create_historical_record, pre_create_historical_record


@receiver(pre_create_historical_record)
def record_actor(sender, instance, history_instance, **kwargs):
    actor = getattr(instance, "_history_actor", None)
    if actor is None:
        return
    history_instance.history_actor = actor.label[:200]
    history_instance.history_channel = actor.channel
    if actor.user is not None and getattr(actor.user, "pk", None):
        history_instance.history_user = actor.user


@receiver(post_create_historical_record)
def remember_history_row(sender, instance, history_instance, **kwargs):
    """The saved instance knows its new history row (the FHIR door's version id), without a query."""
    instance.written_history = history_instance
