"""Signing in and out, cookies, CSRF, throttling, and the API's tokens and roles."""

from __future__ import annotations

import base64
import inspect
import json
import re
from collections.abc import Callable
from datetime import timedelta

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from sredesk.adapters.memory import FixedClock
from sredesk.core.accounts import THROTTLE_LIMIT
from sredesk.services import accounts, inquiries, team
from sredesk.services.desk import Desk
from sredesk.web.api import desk as desk_api
from sredesk.web.api import github as github_api
from sredesk.web.api import inquiries as inquiries_api
from sredesk.web.api import rotation as rotation_api
from sredesk.web.app import create_app
from tests.accounts_support import PASSWORD
from tests.web.conftest import CSRF, Browser, sign_in


def login_form(client: TestClient) -> str:
    found = CSRF.search(client.get("/login").text)
    assert found
    return found.group(1)


def test_the_login_page_labels_its_fields(web_desk: Desk) -> None:
    with TestClient(create_app(web_desk)) as client:
        page = client.get("/login").text
    assert '<label for="username">Username</label>' in page
    assert '<label for="password">Password</label>' in page
    assert 'type="password"' in page


def test_the_session_cookie_is_httponly_samesite_and_secure_behind_tls(web_desk: Desk) -> None:
    # Behind a TLS proxy: the browser speaks https, so it sends Secure cookies back.
    app = create_app(web_desk, secure_cookies=True)
    with TestClient(app, base_url="https://desk.example.org") as client:
        token = login_form(client)
        response = client.post(
            "/login",
            data={"csrf_token": token, "username": "alice", "password": PASSWORD},
            follow_redirects=False,
        )
    cookie = next(
        v for k, v in response.headers.multi_items() if k == "set-cookie" and "sredesk_session" in v
    )
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie
    assert "Secure" in cookie
    with TestClient(create_app(web_desk)) as client:
        sign_in(client, "alice")
        plain = client.cookies.jar
    assert not any(c.secure for c in plain if c.name == "sredesk_session")


def test_a_wrong_password_is_refused_without_saying_which_part(web_desk: Desk) -> None:
    with TestClient(create_app(web_desk)) as client:
        for handle in ("alice", "nobody"):
            response = client.post(
                "/login",
                data={
                    "csrf_token": login_form(client),
                    "username": handle,
                    "password": "wrong one!",
                },
            )
            assert response.status_code == 401
            assert "Wrong user name or password." in response.text
        assert client.get("/", follow_redirects=False).status_code == 303


def _log_in_from(desk: Desk, address: str, handle: str, password: str) -> int:
    """Try the login form from one client address; the status it answers."""
    with TestClient(create_app(desk), client=(address, 50000)) as client:
        return client.post(
            "/login",
            data={"csrf_token": login_form(client), "username": handle, "password": password},
            follow_redirects=False,
        ).status_code


def test_logins_are_throttled_per_account(web_desk: Desk) -> None:
    """Many clients guessing one account lock it, though no one address failed twice."""
    for n in range(THROTTLE_LIMIT):
        assert _log_in_from(web_desk, f"192.0.2.{n}", "bob", "guess it") == 401
    assert _log_in_from(web_desk, "198.51.100.1", "bob", PASSWORD) == 429
    # The lock is the account's: another account signs in from that address.
    assert _log_in_from(web_desk, "198.51.100.1", "alice", PASSWORD) == 303
    with TestClient(create_app(web_desk), client=("198.51.100.2", 50000)) as client:
        response = client.post(
            "/login",
            data={"csrf_token": login_form(client), "username": "bob", "password": PASSWORD},
        )
    assert response.status_code == 429
    assert "Too many failed logins; try again in 15 minute(s)." in response.text


def test_logins_are_throttled_per_address(web_desk: Desk) -> None:
    """One client guessing many accounts is locked out, though no account failed twice."""
    for n in range(THROTTLE_LIMIT):
        assert _log_in_from(web_desk, "192.0.2.7", f"nobody{n}", "guess it") == 401
    assert _log_in_from(web_desk, "192.0.2.7", "alice", PASSWORD) == 429
    assert _log_in_from(web_desk, "192.0.2.8", "alice", PASSWORD) == 303


def test_the_login_form_needs_its_csrf_token(web_desk: Desk) -> None:
    with TestClient(create_app(web_desk)) as client:
        login_form(client)
        response = client.post("/login", data={"username": "alice", "password": PASSWORD})
        assert response.status_code == 403
        assert client.get("/", follow_redirects=False).status_code == 303


def test_login_sends_only_to_this_site(web_desk: Desk) -> None:
    with TestClient(create_app(web_desk)) as client:
        for target, expected in (("/?view=mine", "/?view=mine"), ("//evil.example", "/")):
            response = client.post(
                "/login",
                data={
                    "csrf_token": login_form(client),
                    "username": "alice",
                    "password": PASSWORD,
                    "next": target,
                },
                follow_redirects=False,
            )
            assert response.headers["location"] == expected


def test_a_form_posted_after_the_session_ended_signs_in_back_to_its_page(
    web_desk: Desk,
) -> None:
    """Not to the form's own address, which is no page: after signing in that was a 405."""
    number = inquiries.open_inquiry(web_desk, title="Crash", channel="email", source="s")
    page = f"http://testserver/inquiries/{number}?tab=records"
    with TestClient(create_app(web_desk), headers={"accept": "text/html"}) as client:
        posted = client.post(
            f"/inquiries/{number}/reply",
            data={"body": "Try 3.4.1."},
            headers={"referer": page},
            follow_redirects=False,
        )
        assert posted.status_code == 303
        target = posted.headers["location"]
        assert target == f"/login?next=%2Finquiries%2F{number}%3Ftab%3Drecords"
        login = client.get(target)
        assert f'name="next" value="/inquiries/{number}?tab=records"' in login.text
        signed_in = client.post(
            "/login",
            data={
                "csrf_token": login_form(client),
                "username": "alice",
                "password": PASSWORD,
                "next": f"/inquiries/{number}?tab=records",
            },
        )
        assert signed_in.status_code == 200
        assert signed_in.url.path == f"/inquiries/{number}"
        # From elsewhere, or with no Referer, the queue is the page to come back to.
        client.cookies.clear()
        for referer in ({"referer": f"https://elsewhere.example/inquiries/{number}"}, {}):
            posted = client.post(
                f"/inquiries/{number}/note", headers=referer, follow_redirects=False
            )
            assert posted.headers["location"] == "/login?next=%2F"
    assert inquiries.get_inquiry(web_desk, number)["comments"] == []


def test_an_htmx_refresh_after_the_session_ended_sends_the_page_to_sign_in(
    web_desk: Desk,
) -> None:
    """htmx would swap a followed redirect's login page into the queue's table."""
    with TestClient(create_app(web_desk), headers={"accept": "text/html"}) as client:
        answer = client.get(
            "/queue/rows?view=mine",
            headers={"hx-request": "true", "hx-current-url": "http://testserver/?view=mine"},
            follow_redirects=False,
        )
    assert answer.status_code == 401
    assert answer.headers["hx-redirect"] == "/login?next=%2F%3Fview%3Dmine"
    assert answer.text == ""


def test_a_link_cannot_put_words_on_the_desks_pages(
    web_desk: Desk, browser: Callable[[str], Browser]
) -> None:
    """Notices travel in a cookie the desk signs, not in the URL anyone can write."""
    lure = "This desk has moved: sign in at https://evil.example"
    with TestClient(create_app(web_desk)) as client:
        assert "evil.example" not in client.get("/login", params={"error": lure}).text
    alice = browser("alice")
    for page in ("/", "/account", "/team"):
        assert "evil.example" not in alice.get(page, params={"error": lure, "notice": lure}).text
    unsigned = base64.urlsafe_b64encode(json.dumps({"error": lure}).encode()).decode()
    alice.client.cookies.set("sredesk_flash", f"{unsigned}.{'0' * 64}")
    assert "evil.example" not in alice.get("/").text
    # The desk's own notice shows once, on the page the post leads to.
    number = inquiries.open_inquiry(web_desk, title="Crash", channel="email", source="s")
    posted = alice.post(f"/inquiries/{number}/acknowledge")
    assert posted.headers["location"] == f"/inquiries/{number}"
    assert "Acknowledgement sent" in alice.get(posted.headers["location"]).text
    assert "Acknowledgement sent" not in alice.get(f"/inquiries/{number}").text


def test_sign_out_ends_the_session(browser: Callable[[str], Browser]) -> None:
    alice = browser("alice")
    cookie = alice.client.cookies["sredesk_session"]
    assert alice.post("/logout").headers["location"] == "/login"
    alice.client.cookies.set("sredesk_session", cookie)
    assert alice.get("/", follow_redirects=False).status_code == 303


def test_sign_out_ends_the_session_whatever_token_the_form_holds(
    browser: Callable[[str], Browser],
) -> None:
    """A form from before a password change, or a forged one, still ends the session."""
    alice = browser("alice")
    cookie = alice.client.cookies["sredesk_session"]
    for token in ("out-of-date", None):
        form = {} if token is None else {"csrf_token": token}
        answer = alice.client.post("/logout", data=form, follow_redirects=False)
        assert answer.headers["location"] == "/login"
        alice.client.cookies.set("sredesk_session", cookie)
        assert alice.get("/", follow_redirects=False).status_code == 303


def test_signing_in_ends_the_session_the_browser_had(web_desk: Desk) -> None:
    """Someone else signing in on a shared browser does not leave the first session live."""
    with TestClient(create_app(web_desk)) as client:
        sign_in(client, "alice")
        alices = client.cookies["sredesk_session"]
        sign_in(client, "bob")
        assert client.cookies["sredesk_session"] != alices
        client.cookies.clear()
        client.cookies.set("sredesk_session", alices)
        assert client.get("/", follow_redirects=False).status_code == 303
    assert accounts.session_principal(web_desk, alices) is None


def test_pages_forbid_framing_and_outside_scripts(browser: Callable[[str], Browser]) -> None:
    headers = browser("alice").get("/").headers
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert "default-src 'self'" in headers["content-security-policy"]
    assert headers["x-content-type-options"] == "nosniff"


def test_the_api_needs_a_token(web_desk: Desk) -> None:
    with TestClient(create_app(web_desk)) as client:
        response = client.get("/api/v1/inquiries")
        assert response.status_code == 401
        assert response.headers["www-authenticate"] == "Bearer"
        assert "sredesk user token" in response.json()["detail"]
        assert client.get("/api/v1/health").status_code == 200
        bad = client.get("/api/v1/inquiries", headers={"Authorization": "Bearer sdt_nope"})
        assert bad.status_code == 401


def test_every_operation_that_names_a_sign_in_refuses_a_request_without_one(
    web_desk: Desk,
) -> None:
    app = create_app(web_desk)
    spec = app.openapi()
    guarded = [
        (method, path)
        for path, operations in spec["paths"].items()
        for method, operation in operations.items()
        if operation.get("security")
    ]
    assert len(guarded) > 40
    with TestClient(app) as client:
        for method, path in guarded:
            url = re.sub(r"\{[^}]+\}", "1", path)
            response = client.request(method, url, json={})
            assert response.status_code == 401, (method, path, response.text)
            assert response.headers["www-authenticate"] == "Bearer"


def test_a_viewer_token_reads_but_changes_nothing(web_desk: Desk) -> None:
    token = accounts.issue_token(web_desk, "val", "script")
    with TestClient(create_app(web_desk), headers={"Authorization": f"Bearer {token}"}) as client:
        assert client.get("/api/v1/inquiries").status_code == 200
        response = client.post(
            "/api/v1/inquiries",
            json={"title": "Crash", "channel": "email", "source": "visit-users", "by": "val"},
        )
    assert response.status_code == 403
    assert response.json()["detail"].startswith("viewers cannot change anything")
    assert inquiries.list_inquiries(web_desk) == []


def test_only_an_admin_adds_a_member_through_the_api(web_desk: Desk) -> None:
    person = {"handle": "gail", "name": "Gail", "email": "gail@example.org"}
    bob = accounts.issue_token(web_desk, "bob", "script")
    carol = accounts.issue_token(web_desk, "carol", "script")
    with TestClient(create_app(web_desk)) as client:
        refused = client.post(
            "/api/v1/members", json=person, headers={"Authorization": f"Bearer {bob}"}
        )
        assert refused.status_code == 403
        assert (
            refused.json()["detail"]
            == "only an admin may change the team or its rotation; ask an admin"
        )
        assert "gail" not in {m["handle"] for m in team.list_members(web_desk)}
        added = client.post(
            "/api/v1/members", json=person, headers={"Authorization": f"Bearer {carol}"}
        )
        assert added.status_code == 201
    assert "gail" in {m["handle"] for m in team.list_members(web_desk)}


def test_only_an_admin_publishes_a_plan_or_sets_a_shift(web_desk: Desk) -> None:
    bob = {"Authorization": f"Bearer {accounts.issue_token(web_desk, 'bob', 'script')}"}
    carol = {"Authorization": f"Bearer {accounts.issue_token(web_desk, 'carol', 'script')}"}
    week = "2027-01-04"
    with TestClient(create_app(web_desk)) as client:
        # Anyone on the desk may draft a plan and look at it; it changes no shift.
        drafted = client.post("/api/v1/plans", json={"start": week, "weeks": 2}, headers=bob)
        assert drafted.status_code == 201, drafted.text
        plan = drafted.json()["id"]
        before = client.get("/api/v1/shifts", headers=bob).json()
        pair = {"primary": "alice", "backup": "bob"}
        for method, url, body in [
            ("POST", f"/api/v1/plans/{plan}/publish", None),
            ("PUT", f"/api/v1/shifts/{week}", pair),
        ]:
            refused = client.request(method, url, json=body, headers=bob)
            assert refused.status_code == 403
            assert (
                refused.json()["detail"]
                == "only an admin may change the team or its rotation; ask an admin"
            )
        assert client.get("/api/v1/shifts", headers=bob).json() == before
        published = client.post(f"/api/v1/plans/{plan}/publish", headers=carol)
        assert published.status_code == 200, published.text
        assert client.put(f"/api/v1/shifts/{week}", json=pair, headers=carol).status_code == 200


def test_only_an_admin_records_a_swap_directly_through_the_api(web_desk: Desk) -> None:
    """A member cannot put another into a week: the holder asks, the replacement accepts."""
    week = "2026-12-07"  # dave is Primary, alice Backup

    def token(handle: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {accounts.issue_token(web_desk, handle, 'script')}"}

    with TestClient(create_app(web_desk)) as client:
        before = client.get("/api/v1/shifts", headers=token("bob")).json()
        for by, holder in [("bob", "dave"), ("dave", "dave")]:
            body = {"by": by, "week": week, "role": "primary", "member": holder, "to": "carol"}
            refused = client.post("/api/v1/swaps", json=body, headers=token(by))
            assert refused.status_code == 403, refused.text
            assert refused.json()["detail"] == (
                "only an admin records a swap directly; ask for a swap request on /rotation or"
                " with POST /api/v1/swap-requests, and the member who takes the week accepts it"
            )
        assert client.get("/api/v1/shifts", headers=token("bob")).json() == before
        agreed = {"by": "carol", "week": week, "role": "primary", "member": "dave", "to": "bob"}
        recorded = client.post("/api/v1/swaps", json=agreed, headers=token("carol"))
        assert recorded.status_code == 201, recorded.text
        assert [(s["primary"], s["backup"]) for s in recorded.json()] == [("bob", "alice")]


def test_an_admin_edits_a_member_through_the_api(web_desk: Desk) -> None:
    bob = {"Authorization": f"Bearer {accounts.issue_token(web_desk, 'bob', 'script')}"}
    carol = {"Authorization": f"Bearer {accounts.issue_token(web_desk, 'carol', 'script')}"}

    def alice() -> dict[str, object]:
        return next(m for m in team.list_members(web_desk) if m["handle"] == "alice")

    before = alice()
    with TestClient(create_app(web_desk)) as client:
        change = {"percent_time": 25, "github": "alice-gh"}
        assert client.patch("/api/v1/members/alice", json=change, headers=bob).status_code == 403
        for body, status in [({}, 422), ({"percent_time": 0}, 422), ({"colour": "red"}, 422)]:
            refused = client.patch("/api/v1/members/alice", json=body, headers=carol)
            assert refused.status_code == status, refused.text
        missing = client.patch("/api/v1/members/nobody", json=change, headers=carol)
        assert missing.status_code == 404
        assert alice() == before
        edited = client.patch("/api/v1/members/alice", json=change, headers=carol)
        assert edited.status_code == 200, edited.text
        assert (edited.json()["percent_time"], edited.json()["github"]) == (25, "alice-gh")
        # null clears the login and the join date; a field left out stays.
        cleared = client.patch(
            "/api/v1/members/alice", json={"github": None, "joined": None}, headers=carol
        ).json()
        assert (cleared["github"], cleared["joined"], cleared["percent_time"]) == (None, None, 25)


def test_members_act_as_themselves_and_admins_for_others(web_desk: Desk) -> None:
    number = inquiries.open_inquiry(web_desk, title="Crash", channel="email", source="visit-users")
    bob = accounts.issue_token(web_desk, "bob", "script")
    carol = accounts.issue_token(web_desk, "carol", "script")
    with TestClient(create_app(web_desk)) as client:
        as_bob = {"Authorization": f"Bearer {bob}"}
        forged = client.post(
            f"/api/v1/inquiries/{number}/notes",
            json={"body": "hi", "by": "alice"},
            headers=as_bob,
        )
        assert forged.status_code == 403
        assert forged.json()["detail"] == "you are signed in as 'bob'; 'by' must be your own handle"
        own = client.post(
            f"/api/v1/inquiries/{number}/notes", json={"body": "mine", "by": "bob"}, headers=as_bob
        )
        assert own.status_code == 200
        for_alice = client.post(
            f"/api/v1/inquiries/{number}/notes",
            json={"body": "for alice", "by": "alice"},
            headers={"Authorization": f"Bearer {carol}"},
        )
        assert for_alice.status_code == 200
    authors = [c["author"] for c in inquiries.get_inquiry(web_desk, number)["comments"]]
    assert authors == ["bob", "alice"]


# Content types that FastAPI parses as JSON although they are not spelled `application/json`.
ODD_JSON_TYPES = ["APPLICATION/JSON", "application/x+json", "Application/Json; charset=utf-8"]


@pytest.mark.parametrize("content_type", ODD_JSON_TYPES)
def test_a_member_cannot_act_as_another_whatever_the_body_is_labelled(
    web_desk: Desk, content_type: str
) -> None:
    number = inquiries.open_inquiry(web_desk, title="Crash", channel="email", source="visit-users")
    before = inquiries.get_inquiry(web_desk, number)
    dave = {
        "Authorization": f"Bearer {accounts.issue_token(web_desk, 'dave', 'script')}",
        "Content-Type": content_type,
    }
    forged = [
        (f"/api/v1/inquiries/{number}/notes", {"body": "forged", "by": "carol"}),
        (f"/api/v1/inquiries/{number}/acknowledge", {"by": "carol"}),
        (f"/api/v1/inquiries/{number}/assign", {"by": "@carol", "to": "dave"}),
        ("/api/v1/effort", {"by": "carol", "minutes": 5}),
        ("/api/v1/inquiries", {"title": "T", "channel": "email", "source": "s", "by": "carol"}),
    ]
    with TestClient(create_app(web_desk)) as client:
        for url, body in forged:
            refused = client.post(url, content=json.dumps(body), headers=dave)
            assert refused.status_code == 403, (url, refused.text)
            assert refused.json() == {
                "detail": "you are signed in as 'dave'; 'by' must be your own handle"
            }
        own = client.post(
            f"/api/v1/inquiries/{number}/notes",
            content=json.dumps({"body": "mine", "by": "dave"}),
            headers=dave,
        )
        assert own.status_code == 200, own.text
        assert client.get("/api/v1/effort", headers=dave).json() == []
        assert [i["number"] for i in client.get("/api/v1/inquiries", headers=dave).json()] == [
            number
        ]
    after = inquiries.get_inquiry(web_desk, number)
    assert [c["author"] for c in after["comments"]] == ["dave"]
    assert (after["state"], after["assignee"]) == (before["state"], before["assignee"])


@pytest.mark.parametrize("content_type", ["Multipart/Form-Data", "MULTIPART/FORM-DATA"])
def test_a_member_cannot_attach_a_file_as_another(web_desk: Desk, content_type: str) -> None:
    number = inquiries.open_inquiry(web_desk, title="Crash", channel="email", source="visit-users")
    token = accounts.issue_token(web_desk, "dave", "script")
    boundary = "sredesk-test-boundary"
    body = (
        f"--{boundary}\r\n"
        'Content-Disposition: form-data; name="by"\r\n\r\n'
        f"carol\r\n--{boundary}\r\n"
        'Content-Disposition: form-data; name="file"; filename="log.txt"\r\n'
        "Content-Type: text/plain\r\n\r\n"
        f"trace\r\n--{boundary}--\r\n"
    ).encode()
    headers = {
        "Authorization": f"Bearer {token}",
        "Content-Type": f"{content_type}; boundary={boundary}",
    }
    with TestClient(create_app(web_desk)) as client:
        url = f"/api/v1/inquiries/{number}/attachments"
        refused = client.post(url, content=body, headers=headers)
        assert refused.status_code == 403, refused.text
        assert inquiries.get_inquiry(web_desk, number)["attachments"] == []
        own = client.post(url, content=body.replace(b"carol", b"dave"), headers=headers)
        assert own.status_code == 201, own.text
        audit = client.get("/api/v1/audit", params={"inquiry": number}, headers=headers).json()
    assert len(inquiries.get_inquiry(web_desk, number)["attachments"]) == 1
    assert [(e["action"], e["actor"]) for e in audit][1:] == [("inquiry.attached", "dave")]


def test_every_api_write_with_a_by_checks_it_against_the_signed_in_user() -> None:
    """A route that takes `by` must hand it, with the signed-in user, to acting_as."""
    routes = [
        route
        for module in (desk_api, github_api, inquiries_api, rotation_api)
        for route in module.router.routes
        if isinstance(route, APIRoute)
    ]
    takes_by = [
        route
        for route in routes
        if any(
            param.name == "by" or "by" in getattr(param.field_info.annotation, "model_fields", {})
            for param in route.dependant.body_params
        )
    ]
    assert len(takes_by) > 30
    unchecked = [
        r.path for r in takes_by if "acting_as(user, " not in inspect.getsource(r.endpoint)
    ]
    assert unchecked == []


def test_only_the_weeks_primary_or_an_admin_applies_the_handoff_through_the_api(
    web_desk: Desk, clock: FixedClock
) -> None:
    """As on the /handoff page; the audit log names whoever ran it."""
    number = inquiries.open_inquiry(web_desk, title="Crash", channel="email", source="visit-users")
    clock.advance(timedelta(days=2, hours=6))  # Friday 16:00: the week's handoff is due

    def token(handle: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {accounts.issue_token(web_desk, handle, 'script')}"}

    def runs(client: TestClient) -> list[str]:
        events = client.get("/api/v1/audit", headers=token("dave")).json()
        return [e["actor"] for e in events if e["action"] == "shift.handoff"]

    with TestClient(create_app(web_desk)) as client:
        # dave is no Primary this week (alice is) and no admin.
        for body in ({}, {"by": "dave"}, {"note": "mine now"}):
            refused = client.post("/api/v1/handoff", json=body, headers=token("dave"))
            assert refused.status_code == 403, refused.text
            assert refused.json()["detail"] == (
                "only alice, the week's Primary, or an admin may apply the handoff;"
                " a dry run shows what it would do"
            )
        forged = client.post("/api/v1/handoff", json={"by": "alice"}, headers=token("dave"))
        assert forged.status_code == 403
        assert inquiries.get_inquiry(web_desk, number)["assignee"] == "alice"
        assert runs(client) == []
        dry = client.post("/api/v1/handoff", json={"dry_run": True}, headers=token("dave"))
        assert (dry.status_code, dry.json()["handed"]) == (200, [number])
        assert inquiries.get_inquiry(web_desk, number)["assignee"] == "alice"
        applied = client.post("/api/v1/handoff", json={}, headers=token("carol"))
        assert (applied.status_code, applied.json()["handed"]) == (200, [number])
        again = client.post("/api/v1/handoff", json={}, headers=token("alice"))
        assert again.status_code == 200, again.text
        assert runs(client) == ["carol", "alice"]
        opened = client.post(
            "/api/v1/inquiries",
            json={"title": "Slow", "channel": "hotline", "source": "desk"},
            headers=token("dave"),
        )
        assert opened.status_code == 201, opened.text
        created = client.get(
            "/api/v1/audit", params={"inquiry": opened.json()["number"]}, headers=token("dave")
        ).json()
        assert [(e["action"], e["actor"]) for e in created] == [("inquiry.created", "dave")]
    assert inquiries.get_inquiry(web_desk, number)["assignee"] == "carol"


def test_a_session_writes_to_the_api_only_with_its_csrf_header(
    web_desk: Desk, browser: Callable[[str], Browser]
) -> None:
    number = inquiries.open_inquiry(web_desk, title="Crash", channel="email", source="visit-users")
    alice = browser("alice")
    url = f"/api/v1/inquiries/{number}/notes"
    refused = alice.client.post(url, json={"body": "x", "by": "alice"})
    assert refused.status_code == 403
    accepted = alice.client.post(
        url, json={"body": "x", "by": "alice"}, headers={"X-CSRF-Token": alice.csrf}
    )
    assert accepted.status_code == 200
    assert len(inquiries.get_inquiry(web_desk, number)["comments"]) == 1


def test_a_csrf_token_beyond_ascii_is_refused_not_an_error(
    web_desk: Desk, browser: Callable[[str], Browser]
) -> None:
    """hmac.compare_digest takes no text beyond ASCII: a forged token is a 403, never a 500."""
    number = inquiries.open_inquiry(web_desk, title="Crash", channel="email", source="visit-users")
    alice = browser("alice")
    note = alice.client.post(
        f"/api/v1/inquiries/{number}/notes",
        json={"body": "x", "by": "alice"},
        headers={"X-CSRF-Token": "été".encode()},
    )
    assert note.status_code == 403
    form = alice.client.post("/account/tokens", data={"csrf_token": "été", "name": "x"})
    assert form.status_code == 403
    assert accounts.list_tokens(web_desk, "alice") == []
    assert inquiries.get_inquiry(web_desk, number)["comments"] == []
    with TestClient(create_app(web_desk)) as client:
        login_form(client)
        login = client.post(
            "/login", data={"csrf_token": "été", "username": "alice", "password": PASSWORD}
        )
        assert login.status_code == 403
