"""Pulse surveys: templates, rounds, invitations, anonymous responses and their answers.

Who was invited and whether they answered (SurveyInvitation) is kept apart from what was
answered (SurveyResponse, SurveyAnswer): no key, no time and no order links the two. Responses
have random ids and no time at all: the round is the finest time they know.

The tables keep the names they had when surveys lived in the feedback app (`db_table`), so
moving the models here moved no row (migrations/0001_initial.py).
"""

import uuid

from django.conf import settings
from django.db import models

from accountability.models import Team


class Strategy(models.TextChoices):
    OPEN_COMMUNICATION = "open_communication", "Open communication"
    TRANSPARENCY = "transparency", "Transparency"
    ACCOUNTABILITY = "accountability", "Accountability"
    EMPOWERMENT = "empowerment", "Empowerment"
    CONSISTENCY = "consistency", "Consistency"
    PSYCHOLOGICAL_SAFETY = "psychological_safety", "Psychological safety"


class QuestionKind(models.TextChoices):
    AGREEMENT = "agreement", "Agreement, 1 (strongly disagree) to 5 (strongly agree)"
    SCALE_10 = "scale_10", "Scale from 0 to 10"
    CHOICE = "choice", "Single choice"
    TEXT = "text", "Free text"


AGREEMENT_MAX = 5  # agreement answers run from 1 (strongly disagree) to this (strongly agree)
FAVOURABLE_MIN = 4  # an agreement score (reverse scoring applied) this high or higher is favourable


def agreement_score(value: int, *, reverse_scored: bool) -> int:
    """An agreement answer as a score, 1 (least) to 5 (most favourable): agreeing with a
    reverse-scored statement ("people look for someone to blame") is a low score."""
    return AGREEMENT_MAX + 1 - value if reverse_scored else value


def favourable_answer(prefix: str = "") -> models.Q:
    """The same rule in SQL, for answers (`prefix` reaches them from another model): favourable
    once reverse scoring is applied."""
    return models.Q(**{f"{prefix}question__reverse_scored": False, f"{prefix}value__gte": FAVOURABLE_MIN}) | models.Q(
        **{
            f"{prefix}question__reverse_scored": True,
            f"{prefix}value__lte": agreement_score(FAVOURABLE_MIN, reverse_scored=True),
        }
    )


class SurveyTemplate(models.Model):
    """A survey's questions. Edited in place until a round using it opens; after that an edit
    is a new row, the next `version`, linked to the one it replaces (`previous`), so past rounds
    keep the exact questions they asked and their results (services.template_update)."""

    name = models.CharField(max_length=120)
    description = models.TextField(blank=True, max_length=2000)
    built_in = models.BooleanField(default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveSmallIntegerField(default=1)
    previous = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="next_version", editable=False
    )

    class Meta:
        db_table = "feedback_surveytemplate"
        ordering = ["-built_in", "name"]

    def __str__(self) -> str:
        return self.name if self.version == 1 else f"{self.name} (version {self.version})"


class SurveyQuestion(models.Model):
    template = models.ForeignKey(SurveyTemplate, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField()
    text = models.CharField(max_length=300)
    kind = models.CharField(max_length=20, choices=QuestionKind.choices, default=QuestionKind.AGREEMENT)
    # For single choice: the options, in order.
    choices = models.JSONField(default=list, blank=True)
    strategy = models.CharField(max_length=30, choices=Strategy.choices, blank=True)
    # Agreement with a reverse-scored statement is a low score (agreement_score).
    reverse_scored = models.BooleanField(default=False)
    required = models.BooleanField(default=True)

    class Meta:
        db_table = "feedback_surveyquestion"
        ordering = ["template", "position"]
        constraints = [
            models.UniqueConstraint(fields=["template", "position"], name="survey_question_position_unique"),
        ]

    def __str__(self) -> str:
        return self.text


class SurveyRound(models.Model):
    """One run of a template for a team, between two instants. Once closed, closed for good:
    reopening would let readers compare results and spot a late answer."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="survey_rounds")
    template = models.ForeignKey(SurveyTemplate, on_delete=models.PROTECT, related_name="rounds")
    opens_at = models.DateTimeField()
    closes_at = models.DateTimeField()
    repeat_every_weeks = models.PositiveSmallIntegerField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    invited = models.BooleanField(default=False)  # invitations written (the round has opened)
    closed = models.BooleanField(default=False)
    # The round a repeating round was scheduled from.
    previous = models.OneToOneField("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="next")

    class Meta:
        db_table = "feedback_surveyround"
        ordering = ["-opens_at"]
        constraints = [
            models.CheckConstraint(condition=models.Q(closes_at__gt=models.F("opens_at")), name="survey_round_order"),
        ]
        indexes = [models.Index(fields=["closed", "opens_at"], name="survey_round_due_idx")]

    def __str__(self) -> str:
        return f"{self.template} for {self.team} ({self.opens_at:%Y-%m-%d})"


class SurveyInvitation(models.Model):
    """Who was asked and whether they answered; never which answer is theirs."""

    round = models.ForeignKey(SurveyRound, on_delete=models.CASCADE, related_name="invitations")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    token_hash = models.CharField(max_length=64, unique=True)
    answered = models.BooleanField(default=False)

    class Meta:
        db_table = "feedback_surveyinvitation"
        constraints = [
            models.UniqueConstraint(fields=["round", "user"], name="survey_invitation_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} for {self.round}"


class SurveyResponse(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    round = models.ForeignKey(SurveyRound, on_delete=models.CASCADE, related_name="responses")

    class Meta:
        db_table = "feedback_surveyresponse"
        ordering = ["id"]

    def __str__(self) -> str:
        return f"Response to {self.round}"


class SurveyAnswer(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    response = models.ForeignKey(SurveyResponse, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(SurveyQuestion, on_delete=models.PROTECT, related_name="answers")
    value = models.SmallIntegerField(null=True, blank=True)  # agreement 1-5, scale 0-10, choice index
    text = models.TextField(blank=True, max_length=2000)

    class Meta:
        db_table = "feedback_surveyanswer"
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["response", "question"], name="survey_answer_unique"),
        ]

    def __str__(self) -> str:
        return f"Answer to {self.question_id}"
