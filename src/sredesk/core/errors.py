"""Name the ways a desk command can be refused, each with a message that says what to fix."""


class DeskError(Exception):
    """A command was refused; nothing was changed. The message is one line for a person."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class NotFound(DeskError):
    """The command names an inquiry, member, shift or record that does not exist."""


class NotSetUp(NotFound):
    """The desk has no team yet: nothing can be recorded until it is set up."""


class InvalidTransition(DeskError):
    """The command is not allowed in the inquiry's current state."""


class InvalidInput(DeskError):
    """A value given to the command is malformed or out of range."""


def first_line(error: BaseException) -> str:
    """An unexpected error told in one line: its type and the first line of its message."""
    said = str(error).strip()
    return f"{type(error).__name__}: {said.splitlines()[0]}" if said else type(error).__name__


def no_inquiry(number: int) -> NotFound:
    """The refusal for an inquiry that is not there, or that is classified from the reader.

    Both read the same, so that a reader cannot tell which numbers are classified.
    """
    return NotFound(f"no inquiry #{number}; list them with 'sredesk inquiry list'")
