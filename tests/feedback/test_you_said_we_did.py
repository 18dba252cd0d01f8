"""“You said, we did”: with the writer's consent, a manager shares the gist and the answer with
the whole team, on the team's page."""

import pytest
from django.urls import reverse

from feedback import services

from .factories import FeedbackThreadFactory
from .helpers import release_next_morning


@pytest.fixture
def shared(team, manager, crowd):
    thread = FeedbackThreadFactory(team=team, body="The exact words of the writer")
    services.writer_set_consent(thread=thread, consent=True)
    release_next_morning(team)
    return services.thread_publish(
        thread=thread, actor=manager, gist="Handovers get lost", answer="A shared handover doc, from Monday"
    )


@pytest.mark.parametrize("persona", ["member", "teammate", "manager", "org_admin"])
def test_the_team_page_shows_it_to_everyone_who_sees_the_team(client, personas, team, shared, persona):
    client.force_login(personas[persona])

    body = client.get(reverse("team_detail", args=[team.slug])).content.decode()

    assert "You said, we did" in body
    assert "Handovers get lost" in body
    assert "A shared handover doc, from Monday" in body
    assert "The exact words of the writer" not in body


def test_not_on_another_team_s_page(client, other_team, other_manager, shared):
    client.force_login(other_manager)

    body = client.get(reverse("team_detail", args=[other_team.slug])).content.decode()

    assert "Handovers get lost" not in body
    assert "You said, we did" not in body


def test_taken_down_when_the_writer_takes_consent_back(client, member, team, shared):
    services.writer_set_consent(thread=shared, consent=False)
    client.force_login(member)
    assert "Handovers get lost" in client.get(reverse("team_detail", args=[team.slug])).content.decode()
    release_next_morning(team)  # the writer's choice takes effect with the daily release

    assert "Handovers get lost" not in client.get(reverse("team_detail", args=[team.slug])).content.decode()


def test_unpublished_threads_stay_off_the_page(client, member, team, manager, crowd):
    thread = FeedbackThreadFactory(team=team, publish_consent=True)
    services.manager_reply(thread=thread, manager=manager, body="Answered, not shared")
    client.force_login(member)

    body = client.get(reverse("team_detail", args=[team.slug])).content.decode()

    assert "You said, we did" not in body
    assert "Answered, not shared" not in body
