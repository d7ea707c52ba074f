"""The [mail] table: read, checked key by key, secrets from the environment and never shown."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from sredesk.bootstrap import build_desk
from sredesk.core.errors import InvalidInput
from sredesk.services.mail import arrival_for, is_desk_recipient
from sredesk.settings import Settings

SECRET = "a-very-secret-signing-key"
CONFIG = """
[mail]
address = "SRE-Desk@visit.example.org"
from_name = "VisIt SRE desk"
smtp_host = "smtp.example.org"
smtp_port = 587
smtp_starttls = true
imap_host = "imap.example.org"
imap_user = "desk"
attachment_limit_mb = 5
rate_limit = 10
rate_window_minutes = 5
sensitive_mail = true

[mail.lists.visit-users]
address = "visit-users@elist.example.org"
mailbox = "visit-users"

[mail.lists.visit-help-asc]
address = "visit-help-asc@llnl.example.gov"
"""


def settings_from(tmp_path: Path, text: str, **env: str) -> Settings:
    path = tmp_path / "sredesk.toml"
    path.write_text(text)
    environment = {
        "SREDESK_DATABASE_URL": f"sqlite:///{tmp_path}/d.db",
        "SREDESK_CONFIG": str(path),
        "SREDESK_MAIL_SECRET": SECRET,
        **env,
    }
    return Settings.from_env(environment)


def test_the_mail_table_is_read_with_secrets_from_the_environment(tmp_path: Path) -> None:
    settings = settings_from(
        tmp_path, CONFIG, SREDESK_IMAP_PASSWORD="imap-pw", SREDESK_SMTP_PASSWORD="smtp-pw"
    )
    mail = settings.mail
    assert mail is not None
    assert (mail.address, mail.domain, mail.smtp_port, mail.smtp_starttls) == (
        "sre-desk@visit.example.org",
        "visit.example.org",
        587,
        True,
    )
    assert (mail.attachment_limit, mail.rate_limit, mail.rate_window) == (
        5 * 2**20,
        10,
        timedelta(minutes=5),
    )
    assert [entry.name for entry in mail.lists] == ["visit-users", "visit-help-asc"]
    assert mail.lists[0].list_id == "visit-users.elist.example.org"
    assert mail.imap_password == "imap-pw"
    shown = repr(settings)
    for secret in (SECRET, "imap-pw", "smtp-pw"):
        assert secret not in shown
    assert arrival_for(mail, ["VISIT-USERS@elist.example.org"]).list_name == "visit-users"
    assert arrival_for(mail, [mail.address]).list_name is None
    assert is_desk_recipient(mail, mail.signer.reply_address(3))
    assert not is_desk_recipient(mail, "someone@elsewhere.org")


def test_a_desk_with_mail_publishes_public_comments_by_mail(tmp_path: Path) -> None:
    desk, database = build_desk(settings_from(tmp_path, CONFIG))
    try:
        assert len(desk.publishers) == 2  # mail, and GitHub's (always there)
    finally:
        database.dispose()
    plain, database = build_desk(
        Settings.from_env({"SREDESK_DATABASE_URL": f"sqlite:///{tmp_path}/e.db"})
    )
    database.dispose()
    assert len(plain.publishers) == 1


@pytest.mark.parametrize(
    ("text", "env", "complaint"),
    [
        ('[mail]\naddress = "not an address"\n', {}, "mail.address must be an e-mail address"),
        ('[mail]\naddress = "a@b.org"\nsmtp_port = 0\n', {}, "mail.smtp_port must be"),
        ('[mail]\naddress = "a@b.org"\nrate_limit = true\n', {}, "mail.rate_limit must be"),
        ('[mail]\naddress = "a@b.org"\nsmtp_starttls = "yes"\n', {}, "true or false"),
        ('[mail]\naddress = "a@b.org"\n[mail.lists.x]\nmailbox = "x"\n', {}, "mail.address"),
        ('[mail]\naddress = "a@b.org"\n', {"SREDESK_MAIL_SECRET": "short"}, "at least 16"),
        ("mail = 3\n", {}, "[mail] must be a table"),
        (
            '[mail]\naddress = "a@b.org"\nrate_limt = 5\n',
            {},
            "unknown setting mail.rate_limt; known: address, domain,",
        ),
        (
            '[mail]\naddress = "a@b.org"\nsmtp_password = "hunter22"\n',
            {},
            "mail.smtp_password does not belong in the file; set $SREDESK_SMTP_PASSWORD instead",
        ),
        (
            '[mail]\naddress = "a@b.org"\n[mail.lists.x]\naddress = "x@b.org"\nmailbx = "X"\n',
            {},
            "unknown setting mail.lists.x.mailbx; known: address, mailbox, list_id",
        ),
        (
            '[mail]\naddress = "a@b.org"\nimap_done_mailbox = "inbox"\n'
            '[mail.lists.x]\naddress = "x@b.org"\nmailbox = "INBOX"\n',
            {},
            "mail.imap_done_mailbox must be a folder the desk does not poll (list x is)",
        ),
    ],
)
def test_a_bad_mail_table_names_the_key(
    tmp_path: Path, text: str, env: dict[str, str], complaint: str
) -> None:
    with pytest.raises(InvalidInput) as error:
        settings_from(tmp_path, text, **env)
    assert complaint in str(error.value)
