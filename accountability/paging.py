"""A page of teams: searched by name and paged by keyset, so no page reads every team.

Pages that list teams (the organisation admin's home and team directory, the overview of
dashboards, the surveys page) show `PAGE_SIZE` teams at a time, in name order. The next page
starts after the last team shown (`?after=<id>`), the previous one ends before the first
(`?before=<id>`): each page is one index range scan on (name, id) (`team_name_id_idx`), however
far in, and nothing counts the whole table. A search (`?q=`) matches any part of the name,
case-insensitively, through a trigram index on PostgreSQL (`team_name_trgm_idx`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.db.models import Q, QuerySet, Subquery

from .models import Team

PAGE_SIZE = 24
MAX_QUERY_LENGTH = 100


def _cursor(value: str | None) -> int | None:
    try:
        number = int(value or "")
    except ValueError:
        return None
    return number if number > 0 else None


@dataclass
class TeamPage:
    teams: list[Team]
    query: str
    next_after: int | None = None  # the id to continue after, when there is a next page
    previous_before: int | None = None  # the id to go back before, when there is a previous page
    keep: dict[str, str] = field(default_factory=dict)  # other parameters the links keep

    def _link(self, **cursor: int) -> str:
        params = {**self.keep, **({"q": self.query} if self.query else {}), **cursor}
        return "?" + urlencode(params)

    @property
    def next_link(self) -> str | None:
        return self._link(after=self.next_after) if self.next_after else None

    @property
    def previous_link(self) -> str | None:
        return self._link(before=self.previous_before) if self.previous_before else None

    @property
    def paged(self) -> bool:
        return bool(self.next_after or self.previous_before)


def team_page(
    teams: QuerySet[Team], params: Mapping[str, str], *, size: int = PAGE_SIZE, keep: Mapping[str, str] | None = None
) -> TeamPage:
    """One page of `teams` (already scoped to what the viewer may see) for the request's `q`,
    `after` and `before`: one query, for `size` teams and one more to know whether there are more."""
    # PostgreSQL refuses NUL in a string: a typed (or pasted) one is dropped, not a 500.
    query = " ".join((params.get("q") or "").replace("\x00", "").split())[:MAX_QUERY_LENGTH]
    if query:
        teams = teams.filter(name__icontains=query)
    after, before = _cursor(params.get("after")), _cursor(params.get("before"))
    keep = {key: value for key, value in (keep or {}).items() if value}
    if before:
        name = Subquery(Team.objects.filter(pk=before).values("name")[:1])
        rows = list(
            teams.filter(Q(name__lte=name), Q(name__lt=name) | Q(pk__lt=before)).order_by("-name", "-pk")[: size + 1]
        )
        more = len(rows) > size
        rows = rows[:size][::-1]
        return TeamPage(
            rows,
            query,
            next_after=rows[-1].pk if rows else None,
            previous_before=rows[0].pk if more else None,
            keep=keep,
        )
    if after:
        name = Subquery(Team.objects.filter(pk=after).values("name")[:1])
        teams = teams.filter(Q(name__gte=name), Q(name__gt=name) | Q(pk__gt=after))
    rows = list(teams.order_by("name", "pk")[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    return TeamPage(
        rows,
        query,
        next_after=rows[-1].pk if more else None,
        previous_before=rows[0].pk if after and rows else None,
        keep=keep,
    )
