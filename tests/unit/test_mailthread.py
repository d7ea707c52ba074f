"""Threading rules: Message-ID links, the union of threads, tokens, tags and signed ids."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sredesk.core.mailthread import (
    Signer,
    clean_subject,
    honours_tag,
    links,
    normalise_id,
    parse_ids,
    place,
    resolve_alias,
    subject_tag,
)
from tests.mailfactory import ancestry, mid, threads

SIGNER = Signer(secret=b"k" * 32, address="sre-desk@visit.example.org")


def test_ids_are_read_in_order_once_with_or_without_brackets() -> None:
    assert parse_ids("<a@x> \n\t<b@y> <a@x>") == ["<a@x>", "<b@y>"]
    assert parse_ids("bare@host.example") == ["<bare@host.example>"]
    assert parse_ids("<a@x> (comment) junk") == ["<a@x>"]
    assert parse_ids("") == parse_ids(None) == parse_ids("no id here") == []
    assert normalise_id("  <x@y>  ") == "<x@y>"
    assert normalise_id("<" + "a" * 1000 + "@x>") is None
    # 998 octets is the limit, not 998 characters: 500 CJK characters are 1,500 octets.
    wide = "<" + "\u4e00" * 500 + "@x>"
    assert parse_ids(wide) == []
    assert normalise_id(wide) is None
    assert parse_ids("<" + "\u4e00" * 330 + "@x>") == ["<" + "\u4e00" * 330 + "@x>"]


def test_links_are_references_then_in_reply_to_without_the_message_itself() -> None:
    assert links("<c@x>", ["<b@x>"], ["<a@x>", "<b@x>", "<c@x>"]) == ["<a@x>", "<b@x>"]


@pytest.mark.parametrize(
    ("subject", "number", "title"),
    [
        ("[visit-users] Re: Fwd: [sredesk #123] Crash on launch", 123, "Crash on launch"),
        ("RE: AW: Crash on launch [SREDESK #7]", 7, "Crash on launch"),
        ("Re[2]: [Numpy-discussion] RE: Numeric2", None, "Numeric2"),
        ("'Re: Draft EVS-8a'", None, "Draft EVS-8a"),
        ("   ", None, "(no subject)"),
        ("Re: #123 is not a tag", None, "#123 is not a tag"),
    ],
)
def test_subject_tags_survive_list_prefixes(subject: str, number: int | None, title: str) -> None:
    assert subject_tag(subject) == number
    assert clean_subject(subject) == title


def test_signed_ids_and_addresses_verify_and_forgeries_do_not() -> None:
    reference = SIGNER.pseudo_reference(42)
    assert reference == SIGNER.pseudo_reference(42)  # stable, as RT's is
    assert SIGNER.verify_message_id(reference) == 42
    assert SIGNER.verify_message_id(SIGNER.message_id(42, "c7")) == 42
    forged = reference.replace("sredesk.42.", "sredesk.43.")
    assert SIGNER.verify_message_id(forged) is None
    other = Signer(secret=b"other" * 8, address=SIGNER.address)
    assert SIGNER.verify_message_id(other.message_id(42, "c7")) is None
    address = SIGNER.reply_address(42)
    assert address.startswith("sre-desk+42.")
    assert address.endswith("@visit.example.org")
    assert SIGNER.verify_address(address.upper()) == 42
    assert SIGNER.verify_address(address.replace("+42.", "+41.")) is None
    assert SIGNER.verify_address(address.replace("sre-desk+", "someone+")) is None
    assert SIGNER.verify_address("sre-desk@visit.example.org") is None
    assert "k" * 8 not in repr(SIGNER)


def test_ids_link_first_then_the_token_then_an_honoured_tag() -> None:
    assert place([5, 3, 9], addressed=1, tagged=2).target == 3
    assert place([5, 3, 9]).merge == (5, 9)
    assert place([], addressed=1, tagged=2).via == "token"
    assert place([], tagged=2).target == 2
    assert place([]).target is None


def test_a_tag_is_honoured_only_from_people_on_the_inquiry_members_or_its_list() -> None:
    on = ["u@uni.edu"]
    members = ["alice@example.org"]
    assert honours_tag("U@uni.edu", on_inquiry=on, members=members, via_list=False)
    assert honours_tag("alice@example.org", on_inquiry=on, members=members, via_list=False)
    assert honours_tag("stranger@x.org", on_inquiry=on, members=members, via_list=True)
    assert not honours_tag("stranger@x.org", on_inquiry=on, members=members, via_list=False)


def test_aliases_are_followed_to_the_end_and_cycles_stop() -> None:
    assert resolve_alias(3, {3: 2, 2: 1}) == 1
    assert resolve_alias(3, {3: 2, 2: 3}) in {2, 3}


def simulate(arrivals: list[tuple[int, int | None, bool]]) -> dict[str, int]:
    """The union the gateway runs, on a dictionary: which inquiry holds each id."""
    parents = {i: p for i, p, _ in arrivals}
    holders: dict[str, int] = {}
    aliases: dict[int, int] = {}
    created = 0
    for i, parent, full in arrivals:
        references = [mid(a) for a in ancestry(i, parents)] if full else []
        ids = [mid(i), *links(mid(i), [mid(parent)] if parent is not None else [], references)]
        linked = {resolve_alias(holders[x], aliases) for x in ids if x in holders}
        placement = place(linked)
        if placement.target is None:
            created += 1
            target = created
        else:
            target = placement.target
        for merged in placement.merge:
            aliases[merged] = target
            holders = {k: target if v == merged else v for k, v in holders.items()}
        for x in ids:
            holders.setdefault(x, target)
    return holders


@given(threads())
def test_any_arrival_order_of_a_thread_ends_in_one_inquiry(
    arrivals: list[tuple[int, int | None, bool]],
) -> None:
    holders = simulate(arrivals)
    assert len({holders[mid(i)] for i, _, _ in arrivals}) == 1


@given(st.lists(st.sampled_from(["Crash", "Re: Crash", "crash", "[visit-users] Re: Crash"])))
def test_subjects_alone_never_join(subjects: list[str]) -> None:
    # Unlinked messages: one thread each, whatever their subjects.
    arrivals = [(i, None, False) for i in range(len(subjects))]
    holders = simulate(arrivals)
    assert len(set(holders.values())) == len(subjects)
    assert all(subject_tag(s) is None for s in subjects)
