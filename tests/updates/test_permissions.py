"""Who sees and does what: personas × pages. A 404 for what someone may not see."""

import pytest
from django.urls import reverse

from updates import services
from updates.models import Update


@pytest.fixture
def update(team, manager):
    return services.update_post(author=manager, team=team, title="Plans", body="We *decided* things.")


@pytest.fixture
def org_update(org_admin):
    return services.update_post(author=org_admin, team=None, title="Org news", body="Hello all.")


def _status(client, persona, url, method="get", data=None):
    if persona is not None:
        client.force_login(persona)
    response = getattr(client, method)(url, data or {})
    client.logout()
    return response.status_code


# page -> {persona: expected status}
VIEW_MATRIX = {
    "team_updates": {
        "member": 200,
        "teammate": 200,
        "manager": 200,
        "org_admin": 200,
        "other_manager": 404,
        "outsider": 404,
    },
    "update_new": {
        "member": 404,
        "teammate": 404,
        "manager": 200,
        "org_admin": 200,
        "other_manager": 404,
        "outsider": 404,
    },
    "update_detail": {
        "member": 200,
        "teammate": 200,
        "manager": 200,
        "org_admin": 200,
        "other_manager": 404,
        "outsider": 404,
    },
    "org_update_detail": {"member": 200, "manager": 200, "org_admin": 200, "other_manager": 200, "outsider": 404},
    "update_new_organisation": {"member": 404, "manager": 404, "org_admin": 200, "outsider": 404},
    "value_list": {"member": 200, "manager": 200, "org_admin": 200, "outsider": 404},
    "value_new": {"member": 404, "manager": 404, "org_admin": 200, "outsider": 404},
    "recognition_new": {"member": 200, "manager": 200, "org_admin": 200, "other_manager": 404, "outsider": 404},
    "recognition_mine": {"member": 200, "org_admin": 200, "outsider": 404},
}


def _url(page, team, update, org_update):
    return {
        "team_updates": reverse("team_updates", args=[team.slug]),
        "update_new": reverse("update_new", args=[team.slug]),
        "update_detail": reverse("update_detail", args=[update.pk]),
        "org_update_detail": reverse("update_detail", args=[org_update.pk]),
        "update_new_organisation": reverse("update_new_organisation"),
        "value_list": reverse("value_list"),
        "value_new": reverse("value_new"),
        "recognition_new": reverse("recognition_new", args=[team.slug]),
        "recognition_mine": reverse("recognition_mine"),
    }[page]


@pytest.mark.parametrize("page", list(VIEW_MATRIX))
def test_permission_matrix(client, personas, team, update, org_update, page):
    url = _url(page, team, update, org_update)
    for name, expected in VIEW_MATRIX[page].items():
        assert _status(client, personas[name], url) == expected, (page, name)
    anonymous = client.get(url)
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]


def test_posting_is_refused_to_members_and_other_managers(client, personas, team):
    for name in ("member", "other_manager", "outsider"):
        status = _status(
            client, personas[name], reverse("update_new", args=[team.slug]), "post", {"title": "x", "body": "y"}
        )
        assert status == 404
    assert not Update.objects.exists()


def test_read_count_is_for_the_author_only_and_never_names(client, team, manager, member, teammate, update, org_admin):
    services.update_mark_read(update=update, user=teammate)
    client.force_login(manager)
    page = client.get(reverse("update_detail", args=[update.pk])).content.decode()
    assert "Read by 1 person" in page and teammate.name not in page
    client.force_login(org_admin)
    assert "Read by" not in client.get(reverse("update_detail", args=[update.pk])).content.decode()


def test_only_admins_retire_values(client, personas, values):
    url = reverse("value_retire", args=[values[0].pk])
    for name in ("member", "manager", "outsider"):
        assert _status(client, personas[name], url, "post") == 404
    values[0].refresh_from_db()
    assert not values[0].is_retired
    assert _status(client, personas["org_admin"], url, "post") == 302
    values[0].refresh_from_db()
    assert values[0].is_retired


@pytest.mark.parametrize("endpoint", ["update_mark_read", "update_respond"])
def test_people_outside_the_team_cannot_read_or_answer_its_updates(client, personas, update, endpoint):
    from updates.models import UpdateRead, UpdateResponse

    url = reverse(endpoint, args=[update.pk])
    for name in ("other_manager", "outsider"):
        assert _status(client, personas[name], url, "post", {"kind": "thanks"}) == 404
    assert _status(client, None, url, "post", {"kind": "thanks"}) == 302  # to sign in
    assert not UpdateRead.objects.exists() and not UpdateResponse.objects.exists()


def test_an_organisation_update_reaches_every_team_but_not_outsiders(client, personas, team, other_team):
    from tests.twofactor import admin_sign_in

    admin_sign_in(client, personas["org_admin"])
    response = client.post(reverse("update_new_organisation"), {"title": "Org news", "body": "All hands on Friday."})
    update = Update.objects.get()
    assert response.status_code == 302 and update.team is None
    client.logout()
    for name, slug in (("member", team.slug), ("other_manager", other_team.slug)):
        client.force_login(personas[name])
        assert "Org news" in client.get(reverse("this_week", args=[slug])).content.decode()
    client.force_login(personas["outsider"])
    assert client.get(reverse("update_detail", args=[update.pk])).status_code == 404
