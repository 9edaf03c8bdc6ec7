"""Properties over many inputs: signatures go in once, subjects join whatever their prefixes and
case, and every word of a contact's name is a term autocomplete finds."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from resolvers.contacts import terms_of
from resolvers.conversation_assign import subject_key
from resolvers.identities import SEPARATOR, sign_text
from resolvers.search import fold

# Latin, accented Latin and Cyrillic letters (not Turkish dotless i, whose case does not round-trip).
ALPHABET = (
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZéèêüöçÉÜ" + "".join(map(chr, range(0x410, 0x450))) + "Ёё"
)
LETTERS = st.sampled_from(ALPHABET)
WORDS = st.lists(st.text(LETTERS, min_size=1, max_size=8), min_size=1, max_size=4).map(" ".join)
LINES = st.lists(st.text(st.characters(blacklist_characters="\r\n>", blacklist_categories=("Cs",)), max_size=20))


@given(own=LINES, quoted=LINES, signature=st.lists(WORDS, min_size=1, max_size=3))
def test_a_signature_is_in_once_above_the_quote_however_often_it_is_applied(
    own: list[str], quoted: list[str], signature: list[str]
) -> None:
    sig = "\n".join(signature)
    body = "\n".join(own) + ("\nwrote:\n" + "\n".join("> " + q for q in quoted) if quoted else "")
    once = sign_text(body, sig)
    assert sign_text(once, sig) == once
    unquoted = "\n".join(line for line in once.split("\n") if not line.startswith(">"))
    assert unquoted.count(f"{SEPARATOR}\n{sig}") == 1
    if quoted:
        assert once.index(f"{SEPARATOR}\n{sig}") < once.index("> ")


@given(subject=WORDS, prefixes=st.lists(st.sampled_from(["Re:", "RE: ", "Fwd:", "Ответ: ", "Отв:", "FW: "])))
def test_reply_and_forward_prefixes_and_case_do_not_change_the_subject_key(subject: str, prefixes: list[str]) -> None:
    key = subject_key(subject)
    assert subject_key(" ".join(prefixes) + " " + subject) == key
    assert subject_key(subject.lower()) == subject_key(subject.upper().lower()) == fold(key)


@given(name=WORDS, local=st.from_regex(r"[a-z][a-z0-9._]{0,10}", fullmatch=True))
def test_every_word_of_a_name_and_the_address_are_terms(name: str, local: str) -> None:
    address = f"{local}@example.ru"
    terms = terms_of(name, address)
    assert {address, local} <= terms
    for word in fold(name).split():
        assert any(t.startswith(word) for t in terms)
