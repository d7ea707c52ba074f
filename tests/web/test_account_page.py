"""The account page: one's own role, personal API tokens shown once, and the password."""

from __future__ import annotations

import html
import re
from collections.abc import Callable

from fastapi.testclient import TestClient

from sredesk.services import accounts
from sredesk.services.desk import Desk
from sredesk.web.app import create_app
from tests.web.conftest import CSRF, PASSWORD, Browser, sign_in

SECRET = re.compile(r'id="token-secret"[^>]*value="(sdt_[^"]+)"')
NEW_PASSWORD = "a much longer passphrase"


def api_status(desk: Desk, token: str) -> int:
    with TestClient(create_app(desk)) as client:
        response = client.get("/api/v1/inquiries", headers={"Authorization": f"Bearer {token}"})
    return response.status_code


def create(browser: Browser, name: str) -> str:
    page = browser.post("/account/tokens", {"name": name})
    assert page.status_code == 200
    found = SECRET.search(page.text)
    assert found, "the new token is not on the page"
    return found.group(1)


def test_the_page_shows_who_is_signed_in(browser: Callable[[str], Browser]) -> None:
    page = browser("bob").get("/account")
    assert page.status_code == 200
    assert "Signed in as <strong>bob</strong>, role <strong>member</strong>." in page.text
    assert "You have no tokens yet." in page.text
    assert '<label for="current">Current password</label>' in page.text


def test_a_new_token_is_shown_once_and_works_as_a_bearer_token(
    web_desk: Desk, browser: Callable[[str], Browser]
) -> None:
    alice = browser("alice")
    page = alice.post("/account/tokens", {"name": "laptop"})
    assert page.status_code == 200
    assert page.headers["cache-control"] == "no-store"
    assert "Copy it now: it will not be shown again." in page.text
    found = SECRET.search(page.text)
    assert found
    secret = found.group(1)
    assert api_status(web_desk, secret) == 200
    later = alice.get("/account")
    assert secret not in later.text
    assert f"<code>{secret[:10]}…</code>" in later.text
    assert "laptop" in later.text
    assert "<strong>Live</strong>" in later.text
    assert [t["name"] for t in accounts.list_tokens(web_desk, "alice")] == ["laptop"]


def test_revoking_a_token_stops_it(web_desk: Desk, browser: Callable[[str], Browser]) -> None:
    alice = browser("alice")
    secret = create(alice, "script")
    kept = create(alice, "laptop")
    response = alice.post("/account/tokens/revoke", {"prefix": secret[:10]})
    assert response.status_code == 303
    page = alice.get(response.headers["location"])
    assert f"Token {secret[:10]}… revoked; it no longer works." in page.text
    assert "Revoked <time" in page.text
    assert api_status(web_desk, secret) == 401
    assert api_status(web_desk, kept) == 200


def test_a_viewer_manages_their_own_tokens(
    web_desk: Desk, browser: Callable[[str], Browser]
) -> None:
    val = browser("val")
    secret = create(val, "reports")
    assert api_status(web_desk, secret) == 200
    assert val.post("/account/tokens/revoke", {"prefix": secret[:10]}).status_code == 303
    assert api_status(web_desk, secret) == 401


def test_one_cannot_revoke_someone_elses_token(
    web_desk: Desk, browser: Callable[[str], Browser]
) -> None:
    bobs = accounts.issue_token(web_desk, "bob", "ci")
    alice = browser("alice")
    response = alice.post("/account/tokens/revoke", {"prefix": bobs[:10]})
    page = alice.get(response.headers["location"])
    assert html.unescape(f"'alice' has no live token starting '{bobs[:10]}'") in html.unescape(
        page.text
    )
    assert api_status(web_desk, bobs) == 200


def test_a_wrong_current_password_changes_nothing(
    web_desk: Desk, browser: Callable[[str], Browser]
) -> None:
    alice = browser("alice")
    response = alice.post(
        "/account/password",
        {"current": "not my password", "new": NEW_PASSWORD, "repeat": NEW_PASSWORD},
    )
    page = alice.get(response.headers["location"])
    assert "<strong>Not done:</strong> the current password is wrong; nothing was changed" in (
        page.text
    )
    with TestClient(create_app(web_desk)) as client:
        sign_in(client, "alice", PASSWORD)  # the old password still works


def test_a_mistyped_repeat_changes_nothing(
    web_desk: Desk, browser: Callable[[str], Browser]
) -> None:
    alice = browser("alice")
    response = alice.post(
        "/account/password", {"current": PASSWORD, "new": NEW_PASSWORD, "repeat": "typo"}
    )
    page = alice.get(response.headers["location"])
    assert "the new password and its repeat differ; nothing was changed" in page.text
    with TestClient(create_app(web_desk)) as client:
        sign_in(client, "alice", PASSWORD)


def test_changing_the_password_signs_out_every_other_session(
    web_desk: Desk, browser: Callable[[str], Browser]
) -> None:
    here, elsewhere = browser("val"), browser("val")
    response = here.post(
        "/account/password", {"current": PASSWORD, "new": NEW_PASSWORD, "repeat": NEW_PASSWORD}
    )
    assert response.status_code == 303
    page = here.get(response.headers["location"])
    assert page.status_code == 200
    assert "Password changed; every other session is signed out." in page.text
    assert CSRF.search(page.text)  # this browser is still signed in, with a fresh session
    assert elsewhere.get("/account", follow_redirects=False).status_code == 303
    with TestClient(create_app(web_desk)) as client:
        sign_in(client, "val", NEW_PASSWORD)


def test_a_forged_post_without_the_csrf_token_is_refused(
    web_desk: Desk, browser: Callable[[str], Browser]
) -> None:
    alice = browser("alice")
    for url, data in [
        ("/account/tokens", {"name": "forged"}),
        ("/account/password", {"current": PASSWORD, "new": NEW_PASSWORD, "repeat": NEW_PASSWORD}),
    ]:
        forged = alice.client.post(url, data=data, follow_redirects=False)
        assert forged.status_code == 403
        assert "the form lacks this session&#39;s CSRF token" in forged.text
    assert accounts.list_tokens(web_desk, "alice") == []
    with TestClient(create_app(web_desk)) as client:
        sign_in(client, "alice", PASSWORD)


def test_a_notice_set_by_one_server_process_shows_in_another(web_desk: Desk) -> None:
    """Workers (or a restart) sharing the desk's secret read each other's notices."""
    secret = b"the desk's mail secret, 32 bytes"
    first = TestClient(create_app(web_desk, secret=secret), headers={"accept": "text/html"})
    csrf = sign_in(first, "alice")
    refused = first.post("/account/tokens/revoke", data={"csrf_token": csrf, "prefix": "sdt_nope"})
    assert refused.status_code == 200  # followed to /account, by the same process
    told = "&#39;alice&#39; has no live token starting &#39;sdt_nope&#39;"
    assert told in refused.text
    flash = refused.history[0].cookies["sredesk_flash"]
    for other, shown in [(secret, True), (b"another desk's secret, 32 bytes!", False)]:
        with TestClient(create_app(web_desk, secret=other)) as second:
            second.cookies.update(first.cookies)
            second.cookies.set("sredesk_flash", flash)
            assert (told in second.get("/account").text) is shown


def test_a_notice_cookie_the_desk_did_not_sign_is_ignored(
    browser: Callable[[str], Browser],
) -> None:
    alice = browser("alice")
    session = alice.client.cookies["sredesk_session"]
    for flash in ["bm90aWNl.0000", "bm90aWNl.été", "été"]:
        cookie = f"sredesk_session={session}; sredesk_flash={flash}".encode()
        page = alice.client.get("/account", headers={"cookie": cookie})
        assert page.status_code == 200
        assert 'role="status"' not in page.text


def test_a_new_password_says_which_api_tokens_still_work(
    web_desk: Desk, browser: Callable[[str], Browser]
) -> None:
    alice = browser("alice")
    token = create(alice, "laptop")
    response = alice.post(
        "/account/password", {"current": PASSWORD, "new": NEW_PASSWORD, "repeat": NEW_PASSWORD}
    )
    page = alice.get(response.headers["location"])
    assert (
        "Password changed; every other session is signed out. Your 1 API token still works: "
        "revoke it below if it may have leaked."
    ) in page.text
    assert api_status(web_desk, token) == 200
