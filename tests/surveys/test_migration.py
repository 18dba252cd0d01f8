"""Upgrading a database from before surveys had their own app (feedback 0005) loses no row:
the models change app, their tables stay, and their content types follow them."""

import uuid
from datetime import UTC, datetime

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from surveys.models import SurveyAnswer, SurveyInvitation, SurveyQuestion, SurveyResponse, SurveyRound, SurveyTemplate

from ..factories import TeamFactory, UserFactory

BEFORE = [("feedback", "0005_survey_template_versions"), ("surveys", None)]
MODELS = ["surveytemplate", "surveyquestion", "surveyround", "surveyinvitation", "surveyresponse", "surveyanswer"]


def _migrate(targets) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets or executor.loader.graph.leaf_nodes())
    return executor


@pytest.fixture
def before_the_move():
    """The database as the release before the move left it; back at the latest afterwards,
    whatever happens, since every other test needs it."""
    executor = _migrate(BEFORE)
    # The state of every app at its latest, but feedback's at 0005 and no surveys app.
    others = [node for node in executor.loader.graph.leaf_nodes() if node[0] not in ("feedback", "surveys")]
    try:
        yield executor.loader.project_state([*others, BEFORE[0]]).apps
    finally:
        _migrate(None)
        ContentType.objects.clear_cache()


@pytest.mark.django_db(transaction=True)
def test_every_survey_row_and_content_type_survives_the_move(before_the_move):
    old = before_the_move
    team, user, manager = TeamFactory(), UserFactory(), UserFactory()
    opens = datetime(2026, 3, 2, 9, tzinfo=UTC)

    template = old.get_model("feedback", "SurveyTemplate").objects.create(name="Old pulse", created_by_id=manager.pk)
    question = old.get_model("feedback", "SurveyQuestion").objects.create(
        template=template, position=1, text="I can raise a concern.", strategy="open_communication"
    )
    round = old.get_model("feedback", "SurveyRound").objects.create(
        team_id=team.pk, template=template, opens_at=opens, closes_at=opens.replace(day=9), closed=True, invited=True
    )
    invitation = old.get_model("feedback", "SurveyInvitation").objects.create(
        round=round, user_id=user.pk, token_hash="a" * 64, answered=True
    )
    response = old.get_model("feedback", "SurveyResponse").objects.create(id=uuid.uuid4(), round=round)
    answer = old.get_model("feedback", "SurveyAnswer").objects.create(
        id=uuid.uuid4(), response=response, question=question, value=4
    )
    # The content types as the old release had them: the admin's history and a group's
    # permission point at them. The surveys one for rounds exists already too (Django creates
    # it on a database migrated after the move): references must land on it.
    OldContentType = old.get_model("contenttypes", "ContentType")
    old_types = {model: OldContentType.objects.get(app_label="feedback", model=model) for model in MODELS}
    OldContentType.objects.create(app_label="surveys", model="surveyround")
    entry = old.get_model("admin", "LogEntry").objects.create(
        content_type_id=old_types["surveyround"].pk,
        object_id=str(round.pk),
        object_repr="Old pulse",
        action_flag=2,
        user_id=manager.pk,
        action_time=opens,
    )
    group = Group.objects.create(name="Survey readers")
    group.permissions.add(
        old.get_model("auth", "Permission")
        .objects.get(content_type_id=old_types["surveyround"].pk, codename="view_surveyround")
        .pk,
        old.get_model("auth", "Permission")
        .objects.get(content_type_id=old_types["surveyanswer"].pk, codename="view_surveyanswer")
        .pk,
    )

    _migrate(None)
    ContentType.objects.clear_cache()

    assert SurveyTemplate.objects.get(pk=template.pk).created_by == manager
    assert SurveyQuestion.objects.get(pk=question.pk).template_id == template.pk
    assert SurveyRound.objects.get(pk=round.pk).team == team
    assert SurveyInvitation.objects.get(pk=invitation.pk).user == user
    assert SurveyResponse.objects.get(pk=response.pk).round_id == round.pk
    assert SurveyAnswer.objects.get(pk=answer.pk).value == 4
    assert not ContentType.objects.filter(app_label="feedback", model__in=MODELS).exists()
    rounds_type = ContentType.objects.get_for_model(SurveyRound)
    assert rounds_type.app_label == "surveys"
    assert ContentType.objects.get_for_model(SurveyAnswer).pk == old_types["surveyanswer"].pk  # relabelled
    assert LogEntry.objects.get(pk=entry.pk).content_type == rounds_type
    assert set(group.permissions.values_list("content_type__app_label", "codename")) == {
        ("surveys", "view_surveyround"),
        ("surveys", "view_surveyanswer"),
    }
    assert not Permission.objects.filter(content_type__app_label="feedback", codename__contains="survey").exists()
