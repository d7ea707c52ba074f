"""Send the outbox's e-mail over SMTP: the outbox `Sender` for the "email" channel."""

from __future__ import annotations

import contextlib
import smtplib
import ssl
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, parseaddr
from typing import Any

from sredesk.core.model import OutboundMessage
from sredesk.services.outbox import (
    ChannelUnavailable,
    DeliveryError,
    PartlyDelivered,
    PermanentDeliveryError,
)

# How long the e-mail channel waits when no session could be opened: the server is down or
# busy (a night's maintenance must not give up the mail queued meanwhile), or it refused the
# desk's login, which the operator has to fix.
UNREACHABLE_PAUSE = timedelta(minutes=1)
LOGIN_PAUSE = timedelta(minutes=5)
# What stands for the server's answer to an address it cannot be given at all.
NEEDS_SMTPUTF8 = (553, b"5.6.7 the address needs SMTPUTF8, which the server does not offer")


def build_message(payload: dict[str, Any], created_at: datetime) -> EmailMessage:
    """The e-mail a queued payload describes; the same payload always gives the same headers."""
    message = EmailMessage(policy=SMTP)
    message["From"] = payload["from"]
    if payload.get("to"):
        message["To"] = ", ".join(payload["to"])
    if payload.get("cc"):
        message["Cc"] = ", ".join(payload["cc"])
    if payload.get("reply_to"):
        message["Reply-To"] = payload["reply_to"]
    message["Subject"] = payload["subject"]
    # The queue time, not the send time: a retry must be the same message.
    message["Date"] = format_datetime(created_at)
    message["Message-ID"] = payload["message_id"]
    if payload.get("in_reply_to"):
        message["In-Reply-To"] = payload["in_reply_to"]
    if payload.get("references"):
        message["References"] = " ".join(payload["references"])
    if payload.get("auto_submitted"):
        message["Auto-Submitted"] = payload["auto_submitted"]
    message.set_content(payload["body"])
    return message


class SmtpSender:
    """Deliver one message per connection; a 5xx answer to it is permanent, anything else
    retried. A session that cannot be opened pauses the channel and fails no message."""

    def __init__(
        self,
        host: str,
        port: int,
        *,
        starttls: bool = False,
        user: str = "",
        password: str = "",
        timeout: float = 30.0,
    ) -> None:
        self.host, self.port, self.starttls = host, port, starttls
        self.user, self._password, self.timeout = user, password, timeout

    def send(self, message: OutboundMessage) -> None:
        email = build_message(message.payload, message.created_at)
        # A retry for the recipients refused for now names them; the headers stay the same.
        to = message.payload.get("envelope_to") or [
            *message.payload.get("to", []),
            *message.payload.get("cc", []),
        ]
        envelope_from = parseaddr(message.payload["from"])[1]
        try:
            refused = self._deliver(email, envelope_from, to)
        except smtplib.SMTPRecipientsRefused as error:
            codes = [code for code, _text in error.recipients.values()]
            failure = f"every recipient refused: {_describe(error.recipients)}"
            if all(code >= 500 for code in codes):
                raise PermanentDeliveryError(failure) from None
            raise DeliveryError(failure) from None
        except smtplib.SMTPResponseException as error:
            failure = _answer(error)
            if error.smtp_code >= 500:
                raise PermanentDeliveryError(failure) from None
            raise DeliveryError(failure) from None
        except (OSError, smtplib.SMTPException) as error:
            raise DeliveryError(f"{type(error).__name__}: {error}") from None
        if refused:
            # The others took it: sending it again to all would repeat it for them. Those
            # refused for now (4xx) get the same message later; the rest never will.
            later = [address for address, (code, _text) in refused.items() if code < 500]
            retry = {**message.payload, "envelope_to": later} if later else None
            raise PartlyDelivered(_describe(refused), retry)

    def _deliver(
        self, email: EmailMessage, envelope_from: str, to: list[str]
    ) -> dict[str, tuple[int, bytes]]:
        """Hand the message to the server; return the recipients it refused."""
        smtp = self._session()
        try:
            unsendable = _needing_smtputf8(smtp, to)
            to = [address for address in to if address not in unsendable]
            if not to:
                raise smtplib.SMTPRecipientsRefused(unsendable)
            refused = smtp.send_message(email, from_addr=envelope_from, to_addrs=to)
        except BaseException:
            smtp.close()
            raise
        # The server took the message at DATA: it is sent, whatever QUIT answers. An error
        # here must not make the outbox send it again.
        with contextlib.suppress(smtplib.SMTPException, OSError):
            smtp.quit()
        smtp.close()
        return {**unsendable, **refused}

    def _session(self) -> smtplib.SMTP:
        """A session ready for a message. What fails before a message is named is the
        server's or the settings' failure, the same for every message: ChannelUnavailable."""
        where = f"{self.host}:{self.port}"
        smtp = smtplib.SMTP(timeout=self.timeout)
        try:
            code, text = smtp.connect(self.host, self.port)
            if code != 220:
                raise smtplib.SMTPConnectError(code, text)
            if self.starttls:
                smtp.starttls(context=ssl.create_default_context())
            if self.user:
                smtp.login(self.user, self._password)
        except smtplib.SMTPAuthenticationError as error:
            smtp.close()
            raise ChannelUnavailable(
                f"the SMTP server at {where} refused the desk's login ({_answer(error)}); "
                "check mail.smtp_user and SREDESK_SMTP_PASSWORD",
                LOGIN_PAUSE,
            ) from None
        except (OSError, smtplib.SMTPException) as error:
            smtp.close()
            reason = (
                _answer(error)
                if isinstance(error, smtplib.SMTPResponseException)
                else f"{type(error).__name__}: {error}"
            )
            raise ChannelUnavailable(
                f"cannot reach the SMTP server at {where}: {reason}", UNREACHABLE_PAUSE
            ) from None
        return smtp


def _needing_smtputf8(smtp: smtplib.SMTP, to: list[str]) -> dict[str, tuple[int, bytes]]:
    """The recipients a server without SMTPUTF8 cannot take (a non-ASCII address), each
    with the refusal it stands for. smtplib would refuse the whole message for one of them:
    the list and the other customers must still get it."""
    smtp.ehlo_or_helo_if_needed()
    if smtp.has_extn("smtputf8"):
        return {}
    return {address: NEEDS_SMTPUTF8 for address in to if not address.isascii()}


def _answer(error: smtplib.SMTPResponseException) -> str:
    text = (
        error.smtp_error.decode("utf-8", "replace")
        if isinstance(error.smtp_error, bytes)
        else str(error.smtp_error)
    )
    return f"{error.smtp_code} {text}"


def _describe(recipients: dict[str, tuple[int, bytes]]) -> str:
    return "; ".join(
        f"{address}: {code} {text.decode('utf-8', 'replace')}"
        for address, (code, text) in recipients.items()
    )
