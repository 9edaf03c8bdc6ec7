"""Signed links: what is signed, what a change to it does, when it ends."""

from __future__ import annotations

import time
from urllib.parse import parse_qs, urlsplit

import pytest

from resolvers.links import LinkError, LinkSigner


def parts(url: str) -> tuple[str, str, str, str]:
    split = urlsplit(url)
    _, _files, kind, ident = split.path.split("/")
    query = parse_qs(split.query)
    return kind, ident, query["exp"][0], query["sig"][0]


def status(signer: LinkSigner, kind: str, ident: str, exp: str | None, sig: str | None) -> int:
    try:
        signer.verify(kind, ident, exp, sig)
    except LinkError as error:
        return error.status
    return 200


def test_a_signed_link_verifies_until_it_expires() -> None:
    signer = LinkSigner("secret", "https://mail.example/", ttl=60)
    link = signer.sign("attachment", 42)
    assert link.url.startswith("https://mail.example/files/attachment/42?exp=")
    kind, ident, exp, sig = parts(link.url)
    assert status(signer, kind, ident, exp, sig) == 200
    assert status(signer, kind, 42, exp, sig) == 200  # type: ignore[arg-type]
    assert abs(link.expires_at.timestamp() - (time.time() + 60)) < 5
    old = signer.sign("attachment", 42, now=time.time() - 61)
    assert status(signer, *parts(old.url)) == 410


@pytest.mark.parametrize(
    "change",
    [
        lambda k, i, e, s: ("message", i, e, s),
        lambda k, i, e, s: (k, str(int(i) + 1), e, s),
        lambda k, i, e, s: (k, i, str(int(e) + 1), s),
        lambda k, i, e, s: (k, i, e, s[:-1] + ("A" if s[-1] != "A" else "B")),
        lambda k, i, e, s: (k, i, e, None),
        lambda k, i, e, s: (k, i, None, s),
        lambda k, i, e, s: (k, i, "", s),
        lambda k, i, e, s: (k, i, "-5", s),
        lambda k, i, e, s: (k, i, "١٢٣", s),  # digits, not ASCII ones
        lambda k, i, e, s: (k, i, "9" * 40, s),
        lambda k, i, e, s: (k, i, e, "Ж" * len(s)),
        lambda k, i, e, s: (k, i, e, s + "\udcff"),
    ],
)
def test_any_change_is_forbidden(change: object) -> None:
    signer = LinkSigner("secret", "http://testserver", ttl=60)
    original = parts(signer.sign("attachment", 7).url)
    changed = change(*original)  # type: ignore[operator]
    assert status(signer, *changed) == 403


def test_another_secret_does_not_verify() -> None:
    link = LinkSigner("one", "http://testserver", ttl=60).sign("message", 1)
    assert status(LinkSigner("two", "http://testserver", ttl=60), *parts(link.url)) == 403
