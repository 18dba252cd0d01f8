"""Post/redirect/get on the core pages: a POST that creates or changes something is answered with
a redirect, never with a page, so reloading or going back cannot send it again; and where sending
the same form twice could make a second row, it does not.

Every core page is listed here, as an action or as a page that changes nothing: a new page
without a line fails `test_every_core_page_is_an_action_or_changes_nothing`.
"""

import contextlib
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.contrib.auth import SESSION_KEY
from django.db import connection
from django.urls import URLPattern, URLResolver, reverse

from accountability import services
from accountability import urls as core_urls
from accountability.models import (
    Absence,
    AuditEvent,
    Commitment,
    DataExport,
    Invitation,
    Membership,
    OutboundEmail,
    Role,
    Team,
    User,
)
from accountability.outbox import unsubscribe_token
from checkins import urls as checkins_urls
from dashboard import urls as dashboard_urls

from ..factories import TEST_PASSWORD, UserFactory

NEW_PASSWORD = "a-long-and-unusual-passphrase"


@dataclass
class Action:
    persona: str
    url: Callable[[dict], str]
    data: Callable[[dict], dict]
    goes_to: Callable[[dict], str]
    done: Callable[[dict], bool]
    # Rows a second copy of the same POST must not add to. None where the second copy is meant
    # to do something again (see the note on it).
    rows: Callable[[dict], int] | None = None


def _reset_link(c) -> str:
    """allauth swaps the emailed key for a session value and redirects to a set-password URL."""
    c["client"].post(reverse("account_reset_password"), {"email": c["member"].email})
    row = OutboundEmail.objects.get(kind="password_reset", recipient=c["member"])
    OutboundEmail.objects.all().delete()  # the action counts the rows its own POST adds
    link = re.search(r"http://testserver(/accounts/password/reset/key/[^/\s]+/)", row.body_text)[1]
    response = c["client"].get(link)
    assert response.status_code == 302
    return response.url


def _absence_data(c, **extra) -> dict:
    today = c["team"].today()
    return {
        "away-starts_on": str(today + timedelta(days=7)),
        "away-ends_on": str(today + timedelta(days=9)),
        "away-note": "Holiday",
        "away-submit": "",
        **extra,
    }


def _absence(c) -> Absence:
    today = c["team"].today()
    return Absence.objects.create(
        user=c["member"], starts_on=today + timedelta(days=7), ends_on=today + timedelta(days=9)
    )


def _refreshed(user: User) -> User:
    user.refresh_from_db()
    return user


ACTIONS: dict[str, Action] = {
    "login": Action(
        "anonymous",
        lambda c: reverse("login"),
        lambda c: {"login": c["member"].email, "password": TEST_PASSWORD},
        lambda c: reverse("home"),
        lambda c: c["client"].session.get(SESSION_KEY) == str(c["member"].pk),
    ),
    "logout": Action(
        "member",
        lambda c: reverse("logout"),
        lambda c: {},
        lambda c: reverse("login"),
        lambda c: SESSION_KEY not in c["client"].session,
    ),
    # django-allauth's pages (allauth.urls, under /accounts/): checked, not counted as ours.
    "allauth:password_reset": Action(
        "anonymous",
        lambda c: reverse("account_reset_password"),
        lambda c: {"email": c["member"].email},
        lambda c: reverse("account_reset_password_done"),
        lambda c: OutboundEmail.objects.filter(kind="password_reset", recipient=c["member"]).exists(),
        rows=lambda c: OutboundEmail.objects.count(),
    ),
    "allauth:password_reset_from_key": Action(
        "anonymous",
        _reset_link,
        lambda c: {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
        lambda c: reverse("account_reset_password_from_key_done"),
        lambda c: _refreshed(c["member"]).check_password(NEW_PASSWORD),
    ),
    "allauth:change_password": Action(
        "member",
        lambda c: reverse("account_change_password"),
        lambda c: {"oldpassword": TEST_PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
        lambda c: reverse("account_change_password"),
        lambda c: _refreshed(c["member"]).check_password(NEW_PASSWORD),
    ),
    "profile": Action(
        "member",
        lambda c: reverse("profile"),
        lambda c: {"display_name": "Mia M.", "time_zone": "Europe/Paris"},
        lambda c: reverse("profile"),
        lambda c: _refreshed(c["member"]).display_name == "Mia M.",
    ),
    "email_preferences": Action(
        "member",
        lambda c: reverse("email_preferences"),
        lambda c: {"prefs-submit": "", "prefs-checkin_reminder": "on"},
        lambda c: reverse("email_preferences"),
        lambda c: "checkin_nudge" in _refreshed(c["member"]).email_opt_outs,
    ),
    "email_preferences:away": Action(
        "member",
        lambda c: reverse("email_preferences"),
        _absence_data,
        lambda c: reverse("email_preferences"),
        lambda c: Absence.objects.filter(user=c["member"], note="Holiday").exists(),
        rows=lambda c: Absence.objects.count(),
    ),
    "email_preferences:away-remove": Action(
        "member",
        lambda c: reverse("email_preferences"),
        lambda c: {"away-remove": str(_absence(c).pk)},
        lambda c: reverse("email_preferences"),
        lambda c: not Absence.objects.exists(),
        rows=lambda c: Absence.objects.count(),
    ),
    "unsubscribe": Action(
        "anonymous",  # the button on the page the emailed link opens
        lambda c: reverse("unsubscribe", args=[unsubscribe_token(user=c["member"], kind="checkin_reminder")]),
        lambda c: {},
        lambda c: reverse("unsubscribe", args=[unsubscribe_token(user=c["member"], kind="checkin_reminder")]),
        lambda c: _refreshed(c["member"]).email_opt_outs == ["checkin_reminder"],
        rows=lambda c: len(_refreshed(c["member"]).email_opt_outs),
    ),
    "invitation_accept": Action(
        "anonymous",
        lambda c: reverse(
            "invitation_accept", args=[services.invitation_token(Invitation.objects.get(email="nina@example.org"))]
        ),
        lambda c: {"display_name": "Nina New", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
        lambda c: reverse("team_detail", args=[c["team"].slug]),
        lambda c: Membership.objects.filter(team=c["team"], user__email="nina@example.org").exists(),
        rows=lambda c: User.objects.count() + Membership.objects.count(),
    ),
    "invitation_accept:signed-in": Action(
        "outsider",  # an existing account, invited, joins with one button
        lambda c: reverse(
            "invitation_accept", args=[services.invitation_token(Invitation.objects.get(email=c["outsider"].email))]
        ),
        lambda c: {},
        lambda c: reverse("team_detail", args=[c["team"].slug]),
        lambda c: Membership.objects.filter(team=c["team"], user=c["outsider"]).exists(),
        rows=lambda c: Membership.objects.count(),
    ),
    # Two teams may share a name (each gets its own slug), so a second copy of the form makes a
    # second team: only the redirect keeps a reload from doing it.
    "team_create": Action(
        "org_admin",
        lambda c: reverse("team_create"),
        lambda c: {"name": "Data Science", "time_zone": "UTC"},
        lambda c: reverse("team_detail", args=["data-science"]),
        lambda c: Team.objects.filter(slug="data-science").exists(),
    ),
    "team_settings": Action(
        "manager",
        lambda c: reverse("team_settings", args=[c["team"].slug]),
        lambda c: {
            **{"name": "Platform Engineering", "time_zone": "Asia/Tokyo", "checkin_weekday": "1"},
            **{"checkin_time": "09:30", "nudge_hours_before_close": "12", "anonymity_threshold": "7"},
        },
        lambda c: reverse("team_settings", args=[c["team"].slug]),
        lambda c: Team.objects.get(pk=c["team"].pk).name == "Platform Engineering",
    ),
    "team_invite": Action(
        "manager",
        lambda c: reverse("team_invite", args=[c["team"].slug]),
        lambda c: {"email": "omar@example.org", "role": Role.MEMBER},
        lambda c: reverse("team_members", args=[c["team"].slug]),
        lambda c: Invitation.objects.filter(email="omar@example.org").exists(),
        rows=lambda c: Invitation.objects.count() + OutboundEmail.objects.count(),
    ),
    "membership_role": Action(
        "manager",
        lambda c: reverse("membership_role", args=[c["team"].slug, c["membership"].pk]),
        lambda c: {"role": Role.MANAGER},
        lambda c: reverse("team_members", args=[c["team"].slug]),
        lambda c: Membership.objects.get(pk=c["membership"].pk).role == Role.MANAGER,
        rows=lambda c: Membership.objects.count(),
    ),
    "membership_remove": Action(
        "manager",
        lambda c: reverse("membership_remove", args=[c["team"].slug, c["membership"].pk]),
        lambda c: {},
        lambda c: reverse("team_members", args=[c["team"].slug]),
        lambda c: not Membership.objects.filter(pk=c["membership"].pk).exists(),
        rows=lambda c: Membership.objects.count(),
    ),
    "invitation_revoke": Action(
        "manager",
        lambda c: reverse(
            "invitation_revoke", args=[c["team"].slug, Invitation.objects.get(email="nina@example.org").pk]
        ),
        lambda c: {},
        lambda c: reverse("team_members", args=[c["team"].slug]),
        lambda c: not Invitation.objects.filter(email="nina@example.org").exists(),
        rows=lambda c: Invitation.objects.count(),
    ),
    "commitment_propose": Action(
        "manager",
        lambda c: reverse("commitment_propose", args=[c["team"].slug]),
        lambda c: {"owner": str(c["member"].pk), "title": "Write the runbook", "details": "", "due_date": ""},
        lambda c: reverse("team_detail", args=[c["team"].slug]),
        lambda c: Commitment.objects.filter(owner=c["member"], title="Write the runbook").exists(),
        rows=lambda c: Commitment.objects.count(),
    ),
    # People's data (issue 19). A second copy asks for no second export, and records nothing again.
    "data_export_request": Action(
        "member",
        lambda c: reverse("data_export_request"),
        lambda c: {},
        lambda c: reverse("profile"),
        lambda c: DataExport.objects.filter(user=c["member"]).exists(),
        rows=lambda c: DataExport.objects.count() + AuditEvent.objects.count(),
    ),
    "person_deactivate": Action(
        "org_admin",
        lambda c: reverse("person_deactivate", args=[c["membership"].user_id]),
        lambda c: {},
        lambda c: reverse("person_detail", args=[c["membership"].user_id]),
        lambda c: not User.objects.get(pk=c["membership"].user_id).is_active,
        rows=lambda c: AuditEvent.objects.count(),
    ),
    "person_reactivate": Action(
        "org_admin",
        lambda c: reverse("person_reactivate", args=[c["inactive"].pk]),
        lambda c: {},
        lambda c: reverse("person_detail", args=[c["inactive"].pk]),
        lambda c: User.objects.get(pk=c["inactive"].pk).is_active,
        rows=lambda c: AuditEvent.objects.count(),
    ),
    "person_delete": Action(
        "org_admin",
        lambda c: reverse("person_delete", args=[c["membership"].user_id]),
        lambda c: {"confirm": "on"},
        lambda c: reverse("person_detail", args=[c["membership"].user_id]),
        lambda c: services.is_former_member(User.objects.get(pk=c["membership"].user_id)),
        rows=lambda c: AuditEvent.objects.count(),
    ),
    "data_settings": Action(
        "org_admin",
        lambda c: reverse("data_settings"),
        lambda c: {"checkin_text_months": "24", "former_member_months": "12"},
        lambda c: reverse("data_settings"),
        lambda c: services.organisation_settings().checkin_text_months == 24,
        rows=lambda c: AuditEvent.objects.count(),
    ),
}

# Pages that change nothing, whatever the method.
CHANGE_NOTHING = {
    "home",
    "team_list",
    "healthz",
    "team_detail",
    "team_members",
    "commitment_detail",
    "dashboard_overview",
    "team_dashboard",
    "team_dashboard_export",
    "team_dashboard_member",
    "person_detail",
    "audit_list",
    "data_export_download",
}


def _core_page_names(patterns) -> set[str]:
    """The named URLs of accountability/urls.py, not those of the apps it includes."""
    names = set()
    for pattern in patterns:
        if isinstance(pattern, URLPattern) and pattern.name:
            names.add(pattern.name)
        elif isinstance(pattern, URLResolver) and pattern.urlconf_name is core_urls.auth_patterns:
            names |= _core_page_names(pattern.url_patterns)
    return names


# Listed here since before they moved to checkins/urls.py, next to the review and history pages.
COMMITMENT_PAGES = {"commitment_propose", "commitment_detail"}


def test_every_core_page_is_an_action_or_changes_nothing():
    actions = {name.split(":")[0] for name in ACTIONS if not name.startswith("allauth:")}
    assert not actions & CHANGE_NOTHING
    # The core's pages and the dashboard's (the team page and the dashboards moved there).
    pages = _core_page_names(core_urls.urlpatterns) | _core_page_names(dashboard_urls.urlpatterns)
    assert pages == (actions | CHANGE_NOTHING) - COMMITMENT_PAGES
    assert COMMITMENT_PAGES <= _core_page_names(checkins_urls.urlpatterns)


@pytest.fixture
def ctx(client, team, member, manager, outsider, org_admin):
    services.invitation_send(team=team, email="nina@example.org", invited_by=manager)
    Invitation.objects.create(team=team, email=outsider.email, role=Role.MEMBER, invited_by=manager)
    teammate = UserFactory(email="theo@example.org")
    return {
        "client": client,
        "team": team,
        "member": member,
        "manager": manager,
        "outsider": outsider,
        "org_admin": org_admin,
        "membership": Membership.objects.create(team=team, user=teammate, role=Role.MEMBER),
        "inactive": UserFactory(email="ines@example.org", is_active=False),
    }


@pytest.mark.parametrize("name", ACTIONS)
def test_an_action_is_answered_with_a_redirect_and_a_second_copy_adds_nothing(ctx, name):
    action, client = ACTIONS[name], ctx["client"]
    if action.persona != "anonymous":
        client.force_login(ctx[action.persona])
    url = action.url(ctx)
    data = action.data(ctx)

    response = client.post(url, data)

    assert response.status_code == 302, response.content.decode()[:2000]
    assert response.url == action.goes_to(ctx)
    assert action.done(ctx)
    # Where it lands is a page, not another action.
    assert client.get(response.url).status_code in (200, 302)

    if action.rows is not None:
        rows = action.rows(ctx)
        again = client.post(url, data)
        assert again.status_code < 500
        assert action.rows(ctx) == rows
        assert action.done(ctx)


def test_the_mail_client_s_one_click_post_gets_the_page_itself(client, member):
    """RFC 8058: nobody sees the answer to the one-click POST, so it is not redirected; the page
    the link opens afterwards says it is done."""
    url = reverse("unsubscribe", args=[unsubscribe_token(user=member, kind="checkin_nudge")])

    response = client.post(url, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded")

    assert response.status_code == 200
    assert "You won't receive" in response.content.decode()
    assert _refreshed(member).email_opt_outs == ["checkin_nudge"]
    assert "You won't receive" in client.get(url).content.decode()


def test_the_unsubscribe_link_asks_until_it_is_done(client, member):
    url = reverse("unsubscribe", args=[unsubscribe_token(user=member, kind="checkin_reminder")])
    assert "Stop these emails?" in client.get(url).content.decode()

    client.post(url)

    page = client.get(url).content.decode()
    assert "Stop these emails?" not in page
    assert "You won't receive check-in reminders any more" in page


def test_an_unsubscribe_link_for_an_account_that_is_gone_says_it_does_not_work(client, member):
    url = reverse("unsubscribe", args=[unsubscribe_token(user=member, kind="checkin_reminder")])
    member.delete()

    response = client.get(url)

    assert response.status_code == 404
    assert "This link doesn't work" in response.content.decode()


def test_the_same_days_away_twice_are_one_absence_but_other_days_are_another(team, member):
    today = team.today()
    first = services.absence_add(user=member, starts_on=today, ends_on=today + timedelta(days=2), note="Off")
    again = services.absence_add(user=member, starts_on=today, ends_on=today + timedelta(days=2))
    longer = services.absence_add(user=member, starts_on=today, ends_on=today + timedelta(days=3))

    assert again == first
    assert longer != first
    assert Absence.objects.count() == 2


def test_a_proposal_again_after_it_was_declined_is_a_new_one(team, manager, member):
    first = services.commitment_create(team=team, owner=member, actor=manager, title="Write the runbook")
    again = services.commitment_create(team=team, owner=member, actor=manager, title="Write  the runbook ")
    assert again == first

    services.commitment_respond_to_proposal(commitment=first, actor=member, accept=False)
    after_no = services.commitment_create(team=team, owner=member, actor=manager, title="Write the runbook")

    assert after_no != first
    assert Commitment.objects.filter(owner=member).count() == 2


def _at_once(function, *, held_after_reading: str):
    """Two copies of `function` at once, each on its own connection, each held after its first
    read of the table `held_after_reading` until the other has read it too (for at most a
    second: a copy kept waiting by a lock never gets there). Without a lock both copies read
    "nothing there yet" before either writes; with one, the second reads after the first wrote."""
    start, read = threading.Barrier(2), threading.Barrier(2)
    results, errors = [None, None], []

    def hold(execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        if sql.startswith("SELECT") and f'FROM "{held_after_reading}"' in sql:
            with contextlib.suppress(threading.BrokenBarrierError):
                read.wait(timeout=1)
        return result

    def run(index):
        try:
            start.wait(timeout=10)
            with connection.execute_wrapper(hold):
                results[index] = function()
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads), "a copy hung"
    assert errors == []
    return results


@pytest.mark.django_db(transaction=True)
def test_two_copies_of_a_proposal_sent_at_once_make_one(team, manager, member):
    def propose():
        return services.commitment_create(team=team, owner=member, actor=manager, title="Write the runbook")

    first, second = _at_once(propose, held_after_reading="accountability_commitment")

    assert first == second
    assert Commitment.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_copies_of_the_same_days_away_sent_at_once_make_one_absence(team, member):
    def away():
        today = team.today()
        return services.absence_add(user=member, starts_on=today, ends_on=today + timedelta(days=2))

    first, second = _at_once(away, held_after_reading="accountability_absence")

    assert first == second
    assert Absence.objects.count() == 1
