"""An action item becomes the owner's commitment: on their week page, marked as from the
one-to-one, reviewed like any other, and counted in "meeting action items closed"."""

from datetime import timedelta

import pytest
from django.urls import reverse

from accountability import services as core_services
from accountability.models import Commitment, CommitmentSource, CommitmentStatus
from meetings import selectors, services
from meetings.models import ActionItem

from .conftest import next_meeting

pytestmark = pytest.mark.django_db


def test_an_action_item_becomes_the_owners_open_commitment_and_is_reviewed(
    client, frozen, one_to_one, manager, member, team
):
    meeting = next_meeting(one_to_one)
    client.force_login(manager)
    due = team.today() + timedelta(days=5)
    response = client.post(
        reverse("meeting_action_item", args=[meeting.pk]),
        {"title": "Draft the on-call handbook", "owner": member.pk, "due_date": due.isoformat()},
    )
    assert response.status_code == 302
    commitment = Commitment.objects.get()
    assert (commitment.owner, commitment.status, commitment.source) == (
        member,
        CommitmentStatus.OPEN,
        CommitmentSource.ONE_TO_ONE,
    )
    assert commitment.due_date == due and commitment.meeting_action.meeting == meeting

    client.force_login(member)
    week = client.get(reverse("this_week", args=[team.slug])).content.decode()
    assert "Draft the on-call handbook" in week and "from a one-to-one" in week

    frozen.move_to(frozen_at(team, due))
    core_services.commitment_review(commitment=commitment, actor=member, status=CommitmentStatus.DONE)
    weeks = [team.current_week()]
    figures = selectors.trust_figures(team=team, weeks=weeks)
    assert figures["action_items_closed"] == {"numerator": 1, "denominator": 1}


def frozen_at(team, day):
    from datetime import time

    from accountability.weeks import local_instant

    return local_instant(day, time(18, 0), team.tz)


def test_an_open_action_item_past_its_date_counts_as_not_closed(frozen, one_to_one, manager, member, team):
    meeting = next_meeting(one_to_one)
    due = team.today() + timedelta(days=1)
    services.action_item_add(meeting=meeting, actor=manager, owner=member, title="Send the notes", due_date=due)
    frozen.move_to(frozen_at(team, due + timedelta(days=1)))
    figures = selectors.trust_figures(team=team, weeks=[team.current_week()])
    assert figures["action_items_closed"] == {"numerator": 0, "denominator": 1}


def test_a_past_due_date_is_refused_with_a_clear_message_and_the_input_kept(
    client, frozen, one_to_one, manager, member, team
):
    meeting = next_meeting(one_to_one)
    client.force_login(manager)
    response = client.post(
        reverse("meeting_action_item", args=[meeting.pk]),
        {"title": "Fix the flaky test", "owner": member.pk, "due_date": (team.today() - timedelta(days=1)).isoformat()},
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert "Pick today or a later date." in page and 'value="Fix the flaky test"' in page
    assert not Commitment.objects.exists() and not ActionItem.objects.exists()


def test_an_action_item_belongs_to_one_of_the_two(frozen, one_to_one, manager, teammate, team):
    meeting = next_meeting(one_to_one)
    with pytest.raises(Exception, match="one of the two"):
        services.action_item_add(
            meeting=meeting, actor=manager, owner=teammate, title="x", due_date=team.today() + timedelta(days=2)
        )
    assert not Commitment.objects.exists()
