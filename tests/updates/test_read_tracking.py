"""Read tracking: unread updates wait on the week page until read; receipts are counted once."""

import pytest
from django.urls import reverse

from updates import services
from updates.models import UpdateRead, UpdateResponse


@pytest.fixture
def update(team, manager):
    return services.update_post(author=manager, team=team, title="Rota changes", body="Weekly from May.")


def test_unread_update_waits_on_the_week_page_until_marked_read(client, team, member, update):
    client.force_login(member)
    week_url = reverse("this_week", args=[team.slug])
    assert "Updates you haven't read" in client.get(week_url).content.decode()
    response = client.post(reverse("update_mark_read", args=[update.pk]), {"next": week_url})
    assert response.status_code == 302 and response["Location"] == week_url
    assert "Updates you haven't read" not in client.get(week_url).content.decode()
    assert UpdateRead.objects.filter(update=update, user=member).count() == 1


def test_opening_an_update_reads_it_once(client, member, update):
    client.force_login(member)
    client.get(reverse("update_detail", args=[update.pk]))
    client.get(reverse("update_detail", args=[update.pk]))
    assert UpdateRead.objects.filter(update=update).count() == 1


def test_the_authors_own_reading_is_no_receipt(client, manager, update):
    client.force_login(manager)
    client.get(reverse("update_detail", args=[update.pk]))
    assert not UpdateRead.objects.exists()


def test_a_foreign_next_url_is_not_followed(client, member, update):
    client.force_login(member)
    response = client.post(reverse("update_mark_read", args=[update.pk]), {"next": "https://evil.example/"})
    assert response["Location"] == reverse("update_detail", args=[update.pk])


def test_thanks_and_question_go_back_to_the_author_once_each(client, manager, member, update):
    client.force_login(member)
    url = reverse("update_respond", args=[update.pk])
    client.post(url, {"kind": "thanks"})
    client.post(url, {"kind": "thanks"})
    client.post(url, {"kind": "question"})
    bad = client.post(url, {"kind": "<script>"}, follow=True)
    assert "Choose “thanks” or “I have a question”." in bad.content.decode()
    assert sorted(UpdateResponse.objects.values_list("kind", flat=True)) == ["question", "thanks"]
    assert UpdateRead.objects.filter(update=update, user=member).exists()
    client.force_login(manager)
    page = client.get(reverse("update_detail", args=[update.pk])).content.decode()
    assert "Mia Member" in page and "has a question" in page


def test_other_teams_updates_never_show(client, team, other_team, other_manager, member):
    services.update_post(author=other_manager, team=other_team, title="Support only", body="x")
    client.force_login(member)
    assert "Support only" not in client.get(reverse("this_week", args=[team.slug])).content.decode()
    assert "Support only" not in client.get(reverse("team_updates", args=[team.slug])).content.decode()
