"""Run a software team's SRE desk: inquiries, their response clock, the rotation."""

from sredesk.core.errors import DeskError, InvalidInput, InvalidTransition, NotFound

__all__ = ["DeskError", "InvalidInput", "InvalidTransition", "NotFound", "__version__"]

__version__ = "0.1.0"
