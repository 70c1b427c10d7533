"""Why a message is not applied, as the ACK says it: `Unsupported` (AR) for a message
unitboard does not take, `Refused` (AE) for one it takes but cannot apply as it stands;
each with its code from HL7 table 0357 for ERR-3."""

from __future__ import annotations

from unitboard.domain.errors import DomainError

# HL7 table 0357 (message error condition codes) as the ACK's ERR-3 carries them.
REQUIRED_FIELD_MISSING = "101"
DATA_TYPE_ERROR = "102"
TABLE_VALUE_NOT_FOUND = "103"
UNSUPPORTED_MESSAGE_TYPE = "200"
UNSUPPORTED_EVENT = "201"
UNSUPPORTED_VERSION = "203"
UNKNOWN_KEY = "204"
DUPLICATE_KEY = "205"
APPLICATION_ERROR = "207"


class Unsupported(DomainError):
    """A message unitboard does not take (not ADT, an event it has no use for, a version
    outside 2.3-2.8): the ACK is `AR`. A refusal like the domain's, so the command service
    treats it as one (a resent message's first answer still stands)."""

    code = "unsupported"

    def __init__(self, text: str, error_code: str = UNSUPPORTED_EVENT) -> None:
        super().__init__(text)
        self.text = text
        self.error_code = error_code


class Refused(DomainError):
    """A message unitboard takes but cannot apply as it stands (a required field missing,
    a place not in the layout, out of order): the ACK is `AE` with `text` and
    `error_code` (HL7 table 0357). A refusal like the domain's: the command service
    decides again on the log as it is before it refuses, and answers a resent message
    with its first answer."""

    code = "refused"

    def __init__(self, text: str, error_code: str = APPLICATION_ERROR) -> None:
        super().__init__(text)
        self.text = text
        self.error_code = error_code
