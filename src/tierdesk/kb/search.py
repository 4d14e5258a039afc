"""Full-text search of article versions, on PostgreSQL and on SQLite (SQLI-3).

The visitor's text never becomes SQL. On both databases it is reduced to words first (`words`), and
what reaches the database is a bound parameter:

* PostgreSQL: `websearch_to_tsquery(<the version's language config>, %s)` against
  `to_tsvector(<same config>, title || body)`, ranked with `ts_rank` (title words weigh more);
* SQLite: an FTS5 table `kb_search` (rowid = the version's id) kept in sync by `index_version` /
  `unindex_versions`, queried with `MATCH %s`, where the match expression is built only from
  double-quoted words (so no FTS5 operator can come from the visitor), ranked with `bm25`.

`mode="all"` (the search box) wants every word, the last one as a prefix; `mode="any"` (suggestions
while a subject is typed) wants any of them. Both return version ids, best first; the caller scopes
them (`kb.selectors`), so the database never decides who may read what.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.db import DatabaseError, connection, transaction
from django.db.models import F, QuerySet

from .models import ArticleVersion

MAX_WORDS = 12
_WORD = re.compile(r"\w+", re.UNICODE)


def words(query: str) -> list[str]:
    """The searchable words of a visitor's text: letters and digits only, at most MAX_WORDS."""
    found = [w for w in _WORD.findall(query or "") if w.strip("_")]
    return [w.lower()[:64] for w in found][:MAX_WORDS]


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


# -- SQLite: FTS5 -------------------------------------------------------------------------------

FTS_CREATE = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS kb_search USING fts5("
    "title, body, language UNINDEXED, tokenize = 'unicode61 remove_diacritics 2')"
)
FTS_DROP = "DROP TABLE IF EXISTS kb_search"


def index_version(version: ArticleVersion) -> None:
    """Put (or replace) one version in the SQLite index; PostgreSQL reads the table itself."""
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM kb_search WHERE rowid = %s", [version.pk])
        cursor.execute(
            "INSERT INTO kb_search (rowid, title, body, language) VALUES (%s, %s, %s, %s)",
            [version.pk, version.title, version.body, version.language],
        )


def unindex_versions(ids: Iterable[int]) -> None:
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        for pk in ids:
            cursor.execute("DELETE FROM kb_search WHERE rowid = %s", [pk])


def _fts_expression(terms: list[str], mode: str) -> str:
    # Each word double-quoted (an FTS5 string: no operator inside can act), the last as a prefix.
    quoted = [f'"{t}"' for t in terms[:-1]] + [f'"{terms[-1]}" *']
    return (" OR " if mode == "any" else " ").join(quoted)


def _sqlite_ids(terms: list[str], mode: str, limit: int) -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT rowid FROM kb_search WHERE kb_search MATCH %s "
            "ORDER BY bm25(kb_search, 4.0, 1.0) LIMIT %s",
            [_fts_expression(terms, mode), limit],
        )
        return [row[0] for row in cursor.fetchall()]


# -- PostgreSQL: to_tsvector / websearch_to_tsquery --------------------------------------------------


def _postgres_ids(candidates: QuerySet[ArticleVersion], terms: list[str], mode: str, limit: int) -> list[int]:
    from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
    from django.db.models import Case, CharField, Value, When

    from .models import SEARCH_CONFIGS

    config = Case(
        *(When(language=code, then=Value(name)) for code, name in SEARCH_CONFIGS.items()),
        default=Value("simple"),
        output_field=CharField(),
    )
    text = (" or " if mode == "any" else " ").join(terms)
    vector = SearchVector("title", weight="A", config=config) + SearchVector(
        "body", weight="B", config=config
    )
    query = SearchQuery(text, search_type="websearch", config=config)
    found = (
        candidates.annotate(search=vector, rank=SearchRank(F("search"), query))
        .filter(search=query)
        .order_by("-rank", "-article__updated_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    ids = list(found)
    if mode == "all" and len(ids) < limit:
        # The last word is still being typed: also take it as a prefix (to_tsquery's ":*"), built
        # from the words alone and passed as a bound parameter.
        prefix = " & ".join([*terms[:-1], f"{terms[-1]}:*"])
        more = (
            candidates.annotate(search=vector)
            .filter(search=SearchQuery(prefix, search_type="raw", config=config))
            .exclude(pk__in=ids)
            .values_list("pk", flat=True)[: limit - len(ids)]
        )
        try:
            with transaction.atomic():  # a savepoint: a refused query must not spoil the request's
                ids += list(more)
        except DatabaseError:
            pass
    return ids


def search_version_ids(
    candidates: QuerySet[ArticleVersion], query: str, *, mode: str = "all", limit: int = 50
) -> list[int]:
    """Ids of the versions among `candidates` that match `query`, best first (see the docstring)."""
    terms = words(query)
    if not terms:
        return []
    if is_postgres():
        return _postgres_ids(candidates, terms, mode, limit)
    allowed = set(candidates.values_list("pk", flat=True))
    # FTS5 ranks the whole index; ask for more than needed, then keep the caller's candidates.
    return [pk for pk in _sqlite_ids(terms, mode, limit * 10) if pk in allowed][:limit]
