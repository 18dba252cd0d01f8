"""Every page of the permission matrix, for every persona (issue 12):

* answers `Cache-Control: private, no-store`, so moods, blockers, feedback and the pages behind
  secret links stay out of browser and shared caches;
* changes nothing on a GET. The documented exceptions: the week page marks the replies it
  shows as seen (checkins.services.comments_mark_seen), and opening a team update marks it read
  (README, "Updates, values and thanks"). Sessions may be written (the team switcher remembers
  the team last opened, sign-in steps keep their state there).
"""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from .test_permissions import PAGES, PERSONAS, ctx  # noqa: F401 (ctx is a fixture)

GET_PAGES = {name: page for name, page in PAGES.items() if page.method == "get"}
WRITE = re.compile(r'^\s*(INSERT INTO|UPDATE|DELETE FROM)\s+"([^"]+)"', re.IGNORECASE)
# Tables a GET may write, and why.
MAY_WRITE = {
    "django_session": "the session (team last opened, sign-in steps)",
}
MAY_WRITE_ON = {
    ("this_week", "checkins_comment"),  # replies now seen
    ("week", "checkins_comment"),
    ("update_detail", "updates_updateread"),  # the update now read
}


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_page_is_private_and_a_get_writes_nothing(client, ctx, persona):  # noqa: F811
    user = ctx["personas"][persona]
    if user is not None:
        client.force_login(user)
    problems = []
    for name, page in GET_PAGES.items():
        with CaptureQueriesContext(connection) as queries:
            response = client.get(page.url(ctx))
        cache_control = response.get("Cache-Control", "")
        if "no-store" not in cache_control or "private" not in cache_control:
            problems.append(f"{name}: Cache-Control {cache_control!r}")
        for query in queries.captured_queries:
            match = WRITE.match(query["sql"])
            if match and match.group(2) not in MAY_WRITE and (name, match.group(2)) not in MAY_WRITE_ON:
                problems.append(f"{name}: GET wrote {match.group(1)} {match.group(2)}")
    assert not problems, "\n".join(problems)


def test_the_check_can_see_a_write(client, member, manager, team):
    """The harness above notices a GET that writes: the week page's documented one (marking a
    new reply seen; with nothing new it writes nothing)."""
    from checkins.services import comment_add

    from ..factories import CommitmentFactory

    commitment = CommitmentFactory(owner=member, team=team)
    comment_add(author=manager, body="How is it going?", commitment=commitment)
    client.force_login(member)
    with CaptureQueriesContext(connection) as queries:
        client.get(f"/teams/{team.slug}/week/")
    assert any(WRITE.match(q["sql"]) and "checkins_comment" in q["sql"] for q in queries.captured_queries)


def test_static_files_keep_their_own_cache_headers(settings):
    from django.test import Client

    settings.WHITENOISE_USE_FINDERS = True  # read before the first request of a new client
    response = Client().get("/static/css/app.css")
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")
