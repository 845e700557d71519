"""Who is making a change, and through which door. Every service takes one."""

from dataclasses import dataclass
from typing import Any

from patients.models import Channel


@dataclass(frozen=True)
class Actor:
    channel: str
    user: Any = None  # a staff User
    api_key: Any = None  # an organizations.ApiKey
    patient: Any = None  # a signed-in Patient acting on their own record

    @property
    def label(self) -> str:
        if self.api_key is not None:
            return f"API key: {self.api_key.name}"
        if self.user is not None:
            return f"{self.user.get_username()} ({Channel(self.channel).label})"
        if self.patient is not None:
            return f"Patient {self.patient.display_name}"
        return Channel(self.channel).label

    @property
    def is_trusted(self) -> bool:
        """Staff and API keys may set fields a self-registering patient may not."""
        return self.user is not None or self.api_key is not None

    @classmethod
    def for_user(cls, user, channel=Channel.INTAKE):
        return cls(channel=channel, user=user)

    @classmethod
    def for_api_key(cls, api_key):
        return cls(channel=Channel.API, api_key=api_key)


SYSTEM = Actor(channel=Channel.ADMIN)
