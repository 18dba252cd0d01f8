"""Every query the list pages and the navigation run uses an index at organisation scale.

5,000 teams of 10 people (50,000 memberships; one person also in four more teams), a week of check-ins and
commitments for everyone and 10,000 sent emails, written in bulk and ANALYZEd. Then each page
is opened as the people who use it, and `EXPLAIN (FORMAT JSON)` of every SELECT it ran must
show no sequential scan of a large table. With so many rows the planner scans a whole table
only when no index serves the query: this is the plan the pages get in production, not one
forced with `enable_seqscan = off`.
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accountability.models import Commitment, Membership, OutboundEmail, Role, Team, User
from checkins.models import CheckIn
from tests.twofactor import enrol_totp

TEAMS = 5_000
PER_TEAM = 10  # one manager and nine members
PEOPLE = TEAMS * PER_TEAM  # 20 a team in the organisation the app is built for; here 10
LARGE = {
    "accountability_team",
    "accountability_membership",
    "accountability_user",
    "checkins_checkin",
    "accountability_commitment",
    "accountability_outboundemail",
}
WORDS = ["Platform", "Customer", "Payments", "Search", "Mobile", "Data", "Growth", "Support", "Design", "Infra"]


def _build() -> dict:
    now = timezone.now()
    teams = Team.objects.bulk_create(
        [Team(name=f"{WORDS[i % 10]} {i:05d}", slug=f"team-{i:05d}", time_zone="Europe/London") for i in range(TEAMS)],
        batch_size=5_000,
    )
    people = User.objects.bulk_create(
        [User(email=f"person{i}@scale.example", display_name=f"Person {i:05d}") for i in range(PEOPLE)],
        batch_size=5_000,
    )
    memberships, checkins, commitments = [], [], []
    week = teams[0].current_week().start
    for t, team in enumerate(teams):
        for k in range(PER_TEAM):
            person = people[t * PER_TEAM + k]
            role = Role.MANAGER if k == 0 else Role.MEMBER
            memberships.append(Membership(team=team, user=person, role=role, joined_at=now - timedelta(days=90)))
            if role == Role.MEMBER:
                checkins.append(CheckIn(team=team, member=person, week=week, mood=4, submitted_at=now))
                commitments.append(
                    Commitment(team=team, owner=person, week=week, title="Ship it", due_date=week + timedelta(days=4))
                )
    Membership.objects.bulk_create(memberships, batch_size=10_000)
    CheckIn.objects.bulk_create(checkins, batch_size=10_000)
    Commitment.objects.bulk_create(commitments, batch_size=10_000)
    with connection.cursor() as cursor:
        # Sent emails, in SQL: the sealed bodies are never read here.
        cursor.execute(
            """
            INSERT INTO accountability_outboundemail
              (kind, dedupe_key, to_email, subject, body_text, body_html, headers, status, attempts,
               last_error, created_at, next_attempt_at, sent_at)
            SELECT 'checkin-reminder', 'plan:' || n, 'person' || n || '@scale.example', 'Reminder', '', '',
                   '{}', 'sent', 1, '', now(), now(), now()
            FROM generate_series(1, 10000) AS n
            """
        )
        cursor.execute("ANALYZE")
    assert OutboundEmail.objects.count() == 10_000
    return {"teams": teams, "people": people}


def _seq_scans(plan: dict) -> list[str]:
    found = []
    if plan.get("Node Type") == "Seq Scan" and plan.get("Relation Name") in LARGE:
        found.append(plan["Relation Name"])
    for child in plan.get("Plans", []):
        found.extend(_seq_scans(child))
    return found


def _explain(sql: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (FORMAT JSON) " + sql)
        [[plan]] = cursor.fetchall()
    plan = plan if isinstance(plan, list) else json.loads(plan)
    return _seq_scans(plan[0]["Plan"])


@pytest.mark.django_db
def test_the_list_pages_and_the_navigation_use_indexes_at_scale(client):
    data = _build()
    teams, people = data["teams"], data["people"]
    admin = User.objects.create(email="admin@scale.example", display_name="Admin", is_staff=True)
    enrol_totp(admin)
    manager = people[0]  # manages team 0, a member of four more
    member = people[1]
    Membership.objects.bulk_create([Membership(team=teams[t], user=manager, role=Role.MEMBER) for t in range(1, 5)])
    middle = teams[TEAMS // 2]
    visits = [
        (admin, reverse("home")),
        (admin, reverse("team_list")),
        (admin, reverse("team_list") + "?q=payments 0421"),
        (admin, reverse("team_list") + f"?after={middle.pk}"),
        (admin, reverse("team_list") + f"?before={middle.pk}"),
        (admin, reverse("dashboard_overview")),
        (admin, reverse("dashboard_overview") + "?q=search 0330"),
        (admin, reverse("dashboard_overview") + f"?after={middle.pk}&weeks=12"),
        (admin, reverse("survey_list")),
        (admin, reverse("survey_list") + "?q=mobile 0041"),
        (manager, reverse("dashboard_overview")),
        (manager, reverse("survey_list")),
        (manager, reverse("team_list")),
        (admin, reverse("feedback_inbox")),
        (manager, reverse("feedback_inbox")),
        (manager, reverse("team_members", args=[teams[0].slug])),
        (manager, reverse("team_dashboard", args=[teams[0].slug])),
        (member, reverse("this_week", args=[teams[0].slug])),
        (member, reverse("profile")),
    ]
    problems, explained = [], 0
    for person, url in visits:
        client.force_login(person)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200, url
        for query in queries.captured_queries:
            sql = query["sql"]
            if not sql.lstrip().upper().startswith("SELECT"):
                continue
            explained += 1
            scans = _explain(sql)
            if scans:
                problems.append(f"{url} as {person.email}: Seq Scan on {', '.join(scans)}\n  {sql}")
    assert explained > 40
    assert not problems, "\n".join(problems)
    # The search found what it looked for.
    client.force_login(admin)
    found = client.get(reverse("team_list") + "?q=payments 0421").context["page"].teams
    assert [team.name for team in found] == ["Payments 04212"]
    # And the check sees a sequential scan when there is one: no index serves a time zone.
    assert _explain("SELECT id FROM accountability_team WHERE time_zone = 'Asia/Tokyo'") == ["accountability_team"]
