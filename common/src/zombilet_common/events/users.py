"""Events published by auth."""

from typing import ClassVar, Literal

from zombilet_common.events.base import Event, ObjectIdStr, UtcTime, WireModel
from zombilet_common.events.subjects import Subject


class UserSignedUpEvent(Event):
    subject: ClassVar[Subject] = Subject.USER_SIGNED_UP

    id: ObjectIdStr
    email: str
    version: int


class UserSignedInEvent(Event):
    subject: ClassVar[Subject] = Subject.USER_SIGNED_IN
    per_occurrence: ClassVar[bool] = True

    id: ObjectIdStr
    version: int


class ResetToken(WireModel):
    value: str
    type: Literal["forgot-password"]
    expires_at: UtcTime


class UserForgotPasswordEvent(Event):
    subject: ClassVar[Subject] = Subject.USER_FORGOT_PASSWORD
    per_occurrence: ClassVar[bool] = True

    id: ObjectIdStr
    version: int
    token: ResetToken


class UserChangedPasswordEvent(Event):
    subject: ClassVar[Subject] = Subject.USER_CHANGED_PASSWORD

    id: ObjectIdStr
    version: int
