"""Below the threshold, nothing (issue 10). Every page, export, admin page and email that mentions
a survey round is walked twice: once before anyone answered and once after some did. For a round
still open (however many answered: a live count tells when each person answered) and for a
closed round below the team's anonymity minimum, the two walks must be identical, byte for byte
once the CSRF tokens are set aside: no count, no share, no chart, no partial anything. For a
closed round at or above the threshold the count does show, on each of the places that shows
participation, so the walk is known to look where a count would be."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client
from django.urls import reverse

from accountability.models import OutboundEmail
from dashboard import digest
from surveys import emails, services
from surveys.models import SurveyInvitation

from ..factories import MembershipFactory, UserFactory
from ..twofactor import admin_sign_in
from .factories import add_responses, make_round

pytestmark = pytest.mark.django_db

# A Monday morning in London: the weekly digest of last week (in which the closed round
# closed) is due, and the dashboard's default weeks hold that week.
NOW = datetime(2027, 3, 8, 9, 30, tzinfo=UTC)
THRESHOLD = 5
INVITED = 7
CSRF_RE = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')


@pytest.fixture
def frozen(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def people(team, frozen):
    team.anonymity_threshold = THRESHOLD
    team.save()
    return [MembershipFactory(team=team).user for _ in range(INVITED)]


@pytest.fixture
def superuser(db):
    return UserFactory(email="root@example.org", is_staff=True, is_superuser=True)


def the_round(team, people, state: str):
    if state == "open":
        round = make_round(team, opens_at=NOW - timedelta(days=1), closes_at=NOW + timedelta(days=6))
    else:  # closed on Saturday, last week
        round = make_round(team, opens_at=NOW - timedelta(days=9), closes_at=NOW - timedelta(days=2), closed=True)
    for person in people:
        SurveyInvitation.objects.create(round=round, user=person, token_hash=f"hash-{round.pk}-{person.pk}")
    return round


def answer(round, people, count: int) -> None:
    """`count` of them answer: their invitations marked, as many responses written."""
    SurveyInvitation.objects.filter(round=round, user__in=people[:count]).update(answered=True)
    add_responses(round, count, value=4, comment="Fine by me.")


def walk(team, round, *, manager, org_admin, superuser, not_answering) -> dict[str, str]:
    """Every place that mentions the round, as its status and text."""
    seen: dict[str, str] = {}
    as_manager, as_org_admin, as_superuser, as_member, anyone = Client(), Client(), Client(), Client(), Client()
    as_manager.force_login(manager)
    # The admin needs a session that passed a second factor (issue 12).
    admin_sign_in(as_org_admin, org_admin)
    admin_sign_in(as_superuser, superuser)
    as_member.force_login(not_answering)
    pages = {
        "rounds (manager)": (as_manager, reverse("survey_rounds", args=[team.slug])),
        "rounds (org admin)": (as_org_admin, reverse("survey_rounds", args=[team.slug])),
        "results (manager)": (as_manager, reverse("survey_results", args=[round.pk])),
        "results (org admin)": (as_org_admin, reverse("survey_results", args=[round.pk])),
        "results CSV": (as_manager, reverse("survey_results_export", args=[round.pk])),
        "surveys page (manager)": (as_manager, reverse("survey_list")),
        "surveys page (a member yet to answer)": (as_member, reverse("survey_list")),
        "thanks page": (anyone, reverse("survey_thanks", args=[services.survey_thanks_key(round)])),
        "schedule page": (as_manager, reverse("survey_schedule", args=[team.slug])),
        "template page": (as_manager, reverse("survey_template", args=[team.slug, round.template_id])),
        "team page": (as_manager, reverse("team_detail", args=[team.slug])),
        "dashboard (manager)": (as_manager, reverse("team_dashboard", args=[team.slug])),
        "dashboard (org admin)": (as_org_admin, reverse("team_dashboard", args=[team.slug])),
        "dashboard CSV": (as_manager, reverse("team_dashboard_export", args=[team.slug])),
        "overview": (as_manager, reverse("dashboard_overview")),
        "admin rounds": (as_superuser, reverse("admin:surveys_surveyround_changelist")),
        "admin round": (as_superuser, reverse("admin:surveys_surveyround_change", args=[round.pk])),
        "admin responses": (as_superuser, reverse("admin:surveys_surveyresponse_changelist")),
        "admin template": (as_superuser, reverse("admin:surveys_surveytemplate_change", args=[round.template_id])),
    }
    for name, (client, url) in pages.items():
        response = client.get(url)
        body = response.getvalue().decode() if response.status_code == 200 else ""
        seen[name] = f"{response.status_code}\n{CSRF_RE.sub('csrf', body)}"
    # The emails that mention it: the manager's weekly digest, and an invitation and a reminder
    # to someone who hasn't answered.
    OutboundEmail.objects.all().delete()
    digest.manager_digest_dispatch(now=NOW)
    invitation = SurveyInvitation.objects.select_related("user").get(round=round, user=not_answering)
    emails.survey_invitation(round=round, user=not_answering, token="the-same-token")
    emails.survey_reminder(round=round, invitation=invitation, kind="before-closing")
    for row in OutboundEmail.objects.order_by("kind", "to_email"):
        seen[f"email {row.kind} to {row.to_email}"] = f"{row.subject}\n{row.body_text}\n{row.body_html}"
    OutboundEmail.objects.all().delete()
    return seen


CASES = [
    ("open", THRESHOLD - 1),
    ("open", THRESHOLD),
    ("open", THRESHOLD + 1),
    ("closed", THRESHOLD - 1),
    ("closed", THRESHOLD),
    ("closed", THRESHOLD + 1),
]


@pytest.mark.parametrize(("state", "answered"), CASES, ids=[f"{s}-{n}-answered" for s, n in CASES])
def test_no_count_anywhere_until_a_closed_round_reaches_the_threshold(
    team, manager, org_admin, superuser, people, state, answered
):
    round = the_round(team, people, state)
    context = {"manager": manager, "org_admin": org_admin, "superuser": superuser, "not_answering": people[-1]}
    nobody = walk(team, round, **context)
    pages = {name: page for name, page in nobody.items() if not name.startswith("email ")}
    assert {name for name, page in pages.items() if not page.startswith("200")} == {"results CSV"}  # 404
    assert {name.split(" to ")[0] for name in nobody} >= {
        "email manager_digest",
        "email survey_invitation",
        "email survey_reminder",
    }

    answer(round, people, answered)
    some = walk(team, round, **context)

    if state == "open" or answered < THRESHOLD:
        changed = sorted(name for name in nobody if some.get(name) != nobody[name])
        assert changed == [], f"these show something of how many answered: {changed}"
        assert set(some) == set(nobody)
        return
    # At the threshold and above: participation shows where it belongs.
    share = f"{answered / INVITED:.0%}"
    assert f"{answered} of {INVITED} invited answered" in some["rounds (manager)"]
    assert f"{answered} of {INVITED} invited answered" in some["results (manager)"]
    assert f"Participation,,,,{answered},,of {INVITED} invited," in some["results CSV"].replace("\r", "")
    assert re.search(rf"Survey participation</span>\s*<span[^>]*>{share}</span>", some["dashboard (manager)"])
    assert f"{answered} survey responses" in some["admin responses"]
    assert f"{answered} of" not in nobody["rounds (manager)"]
