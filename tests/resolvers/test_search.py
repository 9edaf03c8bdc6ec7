"""The words the search index and its queries are made of, the same on every database."""

from __future__ import annotations

from resolvers.search import SearchPart, document, matching_ids, words


def test_words_are_casefolded_split_on_non_word_characters_and_lose_diacritics() -> None:
    assert words("siz_test@devr7.ru") == ["siz", "test", "devr7", "ru"]
    assert words("Отчёт за Май!") == ["отчет", "за", "маи"]  # as FTS5's remove_diacritics folds them
    assert words("Straße café") == ["strasse", "cafe"]
    assert words("'\" & | ! :* (") == []
    assert document("Ёлка, ёлка") == "елка елка"


def test_a_query_without_words_matches_everything() -> None:
    assert matching_ids("sqlite", "  %% ** ", SearchPart.ANY, "q") is None
    assert matching_ids("postgresql", "", SearchPart.BODY, "q") is None


def test_prefix_queries_per_engine() -> None:
    sqlite = matching_ids("sqlite", "Отчёт мая", SearchPart.SUBJECT, "q")
    postgres = matching_ids("postgresql", "Отчёт мая", SearchPart.BODY, "q")
    assert sqlite is not None and postgres is not None
    assert sqlite.compile().params["q"] == '{subject} : ("отчет"* AND "мая"*)'
    assert postgres.compile().params["q"] == "'отчет':*B & 'мая':*B"
