"""The domain's refusals. Each carries a message written for the person at the screen."""


class DomainError(Exception):
    """A command was refused; nothing is recorded."""

    code = "refused"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(DomainError):
    """The unit, room, bed or stay named does not exist."""

    code = "not_found"


class RuleViolation(DomainError):
    """A domain rule forbids the command in the current state."""

    code = "rule_violation"


class InvalidInput(DomainError):
    """The command is well-formed but its values make no sense."""

    code = "invalid"


class NotAllowed(DomainError):
    """The person may not do this to this thing (a page that is not theirs to acknowledge),
    whatever their role may do elsewhere."""

    code = "forbidden"
