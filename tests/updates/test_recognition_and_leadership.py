"""Recognition (bad input, the email honouring preferences), leadership events, and the new
metric definitions on known data."""

import html
from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse

from accountability import services as core_services
from accountability.models import LeadershipEvent, OutboundEmail, Role
from dashboard.trust import updates_figures
from tests.factories import MembershipFactory, UserFactory
from updates import services
from updates.models import Recognition, UpdateRead


def _thank(client, team, **data):
    return client.post(reverse("recognition_new", args=[team.slug]), data)


def test_thanking_a_teammate_for_a_value_emails_them_and_shows_on_the_team_page(client, team, member, teammate, values):
    client.force_login(member)
    response = _thank(
        client, team, teammates=[teammate.pk], values=[values[0].pk], message="Fixed the build <b>fast</b>"
    )
    assert response.status_code == 302 and response["Location"].endswith("#thanks")
    email = OutboundEmail.objects.get(kind="recognition_received")
    assert email.to_email == teammate.email and "Mia Member thanked you" in email.subject
    page = client.get(reverse("team_detail", args=[team.slug])).content.decode()
    assert "Fixed the build &lt;b&gt;fast&lt;/b&gt;" in page and "no leaderboard" in page


def test_the_email_honours_preferences(client, team, member, teammate, values):
    teammate.email_opt_outs = ["recognition_received"]
    teammate.save()
    client.force_login(member)
    _thank(client, team, teammates=[teammate.pk], values=[values[0].pk], message="Thanks")
    assert Recognition.objects.count() == 1 and not OutboundEmail.objects.exists()


def test_someone_in_another_team_can_be_thanked_by_email(client, team, member, other_manager, values):
    client.force_login(member)
    response = _thank(client, team, others=other_manager.email.upper(), values=[values[1].pk], message="Great pairing")
    assert response.status_code == 302
    assert Recognition.objects.get().recipients.get().user == other_manager


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("self", "you can't thank yourself"),
        ("outsider", "isn't in a team of this organisation"),
        ("unknown", "We couldn't find nobody@nowhere.example in this organisation"),
        ("retired", "is no longer one of the organisation's values"),
        ("nobody", "Choose at least one person to thank."),
        ("no value", "Choose at least one value it showed."),
    ],
)
def test_bad_recognition_gets_a_clear_message_and_keeps_the_text(
    client, team, member, teammate, outsider, values, case, message
):
    data = {"teammates": [teammate.pk], "values": [values[0].pk], "message": "For the careful review"}
    if case == "self":
        data = {**data, "teammates": [], "others": member.email}
    elif case == "outsider":
        data = {**data, "teammates": [], "others": outsider.email}
    elif case == "unknown":
        data = {**data, "others": "nobody@nowhere.example"}
    elif case == "retired":
        services.value_retire(actor=UserFactory(is_staff=True), value=values[0])
    elif case == "nobody":
        data = {**data, "teammates": []}
    elif case == "no value":
        data = {**data, "values": []}
    client.force_login(member)
    response = _thank(client, team, **data)
    assert response.status_code == 422
    page = html.unescape(response.content.decode())
    assert message in page
    assert "For the careful review" in page
    assert not Recognition.objects.exists()


def test_leadership_events_are_kept_when_a_membership_ends(team, manager, member):
    membership = member.memberships.get(team=team)
    core_services.membership_set_role(membership=membership, role=Role.MANAGER, actor=manager)
    core_services.membership_remove(membership=member.memberships.get(team=team), actor=manager)
    events = list(LeadershipEvent.objects.filter(team=team, user=member).order_by("pk"))
    # (The factory made the membership directly, so its joining is not an event here.)
    assert [(e.from_role, e.to_role, e.manager_change) for e in events] == [
        ("member", "manager", True),
        ("manager", "", True),
    ]
    assert events[-1].person_name == "Mia Member"


def test_the_new_metrics_on_known_data(team, manager, member, teammate, values):
    """Two team updates in a two-week period; two members; reads within and after a week; one
    manager arriving; three thanks (two with Candour)."""
    start = datetime(2026, 3, 2, tzinfo=UTC)  # Monday, London is on UTC in March before the 29th
    for person in (member, teammate):
        person.memberships.update(joined_at=start - timedelta(days=60))
    LeadershipEvent.objects.all().delete()
    first = services.update_post(author=manager, team=team, title="One", body="x", now=start + timedelta(days=1))
    second = services.update_post(author=manager, team=team, title="Two", body="y", now=start + timedelta(days=8))
    services.update_post(author=manager, team=team, title="Before", body="z", now=start - timedelta(days=3))
    UpdateRead.objects.create(update=first, user=member, read_at=first.created_at + timedelta(days=2))
    UpdateRead.objects.create(update=first, user=teammate, read_at=first.created_at + timedelta(days=9))
    UpdateRead.objects.create(update=second, user=member, read_at=second.created_at + timedelta(hours=1))
    newcomer = UserFactory()
    MembershipFactory(team=team, user=newcomer, role=Role.MEMBER)  # joined after both: not counted
    arriving = UserFactory()
    core_services.membership_add(team=team, user=arriving, role=Role.MANAGER)
    LeadershipEvent.objects.filter(user=arriving).update(at=start + timedelta(days=3))
    for i, tags in enumerate([[values[0]], [values[0], values[1]], [values[1]]]):
        services.recognition_give(
            giver=teammate, recipients=[member], values=tags, message=f"t{i}", now=start + timedelta(days=i)
        )
    outside = services.recognition_give(
        giver=member, recipients=[teammate], values=[values[0]], message="old", now=start
    )
    outside.created_at = start - timedelta(days=1)
    outside.save()
    from accountability.weeks import Week

    weeks = [Week.containing(start.date()), Week.containing(start.date()).next()]
    figures = updates_figures(team, weeks, now=start + timedelta(days=30))
    assert figures["updates_posted"][0] == 2
    # 2 updates × 2 members who had joined = 4 pairs; read within 7 days: member×2 = 2.
    assert figures["updates_read"][0] == pytest.approx(0.5)
    assert figures["manager_changes"][0] == 1
    assert figures["recognition_by_value"][0] == [("Candour", 2), ("Ownership", 2)]


def test_a_recognition_message_with_markup_is_inert_in_the_email(team, member, teammate, values):
    services.recognition_give(
        giver=member, recipients=[teammate], values=values[:1], message="<script>alert(1)</script><img src=x onerror=y>"
    )
    email = OutboundEmail.objects.get(kind="recognition_received")
    assert "<script>" not in email.body_html and "<img" not in email.body_html
    assert "&lt;script&gt;" in email.body_html
    assert "<script>alert(1)</script>" in email.body_text  # plain text: shown as written, runs nowhere


def test_thanks_received_show_on_the_recipients_week_page_and_retired_values_stay(
    client, team, member, teammate, values
):
    services.recognition_give(giver=member, recipients=[teammate], values=values, message="For the pairing")
    services.value_retire(actor=UserFactory(is_staff=True), value=values[0])
    client.force_login(teammate)
    page = client.get(reverse("this_week", args=[team.slug])).content.decode()
    assert "Thanks you received this week" in page and "For the pairing" in page
    assert "Candour" in page  # retired since, still on the thanks it was given with
    client.force_login(member)
    assert "Thanks you received this week" not in client.get(reverse("this_week", args=[team.slug])).content.decode()


def test_value_names_are_unique_whatever_the_case(client, org_admin, values):
    from tests.twofactor import admin_sign_in

    admin_sign_in(client, org_admin)
    response = client.post(reverse("value_new"), {"name": "candour", "meaning": "Again", "order": ""})
    assert response.status_code == 422
    assert "There is already a value with this name." in response.content.decode()
    response = client.post(reverse("value_new"), {"name": "Curiosity", "meaning": "We ask first.", "order": ""})
    assert response.status_code == 302
