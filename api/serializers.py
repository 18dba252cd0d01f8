"""What the API shows and accepts. Read serializers show what the UI shows the same person
(the views decide which rows and which level of detail); input serializers only parse, and the
apps' services decide."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accountability.models import CommitmentStatus, Team
from accountability.services import OUTCOMES, TITLE_MAX
from accountability.weeks import Week


class ErrorSerializer(serializers.Serializer):
    """Every refusal: a sentence, and for bad input the fields it is about."""

    detail = serializers.CharField()
    errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()), required=False)


class PersonSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class MeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    email = serializers.EmailField()
    name = serializers.CharField()
    time_zone = serializers.CharField(allow_blank=True)
    is_org_admin = serializers.BooleanField(source="is_staff")


class TeamSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    time_zone = serializers.CharField()
    checkin_weekday = serializers.IntegerField(help_text="0 is Monday.")
    checkin_time = serializers.SerializerMethodField(help_text="HH:MM in the team's time zone.")
    role = serializers.SerializerMethodField(help_text="Your role in the team; null when you are not in it.")
    current_week = serializers.SerializerMethodField()
    checkin_due_at = serializers.SerializerMethodField()

    def get_role(self, team: Team) -> str | None:
        return team.viewer_role

    def get_checkin_time(self, team: Team) -> str:
        return team.checkin_time.strftime("%H:%M")

    def get_current_week(self, team: Team) -> str:
        return team.current_week().label

    def get_checkin_due_at(self, team: Team) -> str:
        return serializers.DateTimeField().to_representation(team.checkin_due_at(team.current_week()))


@extend_schema_field({"type": "string", "pattern": r"^\d{4}-W\d{2}$", "example": "2026-W48"})
class WeekField(serializers.Field):
    """An ISO week as '2026-W48'."""

    default_error_messages = {
        "invalid": "Give a week like 2026-W48.",
        "too_early": "Give a week from the year 2000 on.",
    }

    def to_representation(self, value) -> str:
        year, number, _ = value.isocalendar()
        return f"{year:04d}-W{number:02d}"

    def to_internal_value(self, data) -> Week:
        if not isinstance(data, str):
            self.fail("invalid")
        try:
            week = Week.from_label(data.strip())
        except (ValueError, OverflowError):
            self.fail("invalid")
        if week.start.year < 2000:
            self.fail("too_early")
        return week


class CommitmentSerializer(serializers.Serializer):
    """A commitment. `access` is "full" for its owner and the team's managers; teammates of a
    team with open commitments see a "summary", whose reflection fields are null."""

    id = serializers.IntegerField()
    access = serializers.SerializerMethodField()
    team = serializers.CharField(source="team.slug")
    owner = PersonSerializer()
    week = WeekField()
    title = serializers.CharField()
    due_date = serializers.DateField()
    status = serializers.ChoiceField(choices=CommitmentStatus.choices)
    details = serializers.SerializerMethodField()
    source = serializers.SerializerMethodField()
    obstacle = serializers.SerializerMethodField()
    help_wanted = serializers.SerializerMethodField()
    lesson = serializers.SerializerMethodField()
    renegotiated_from = serializers.SerializerMethodField()
    created_at = serializers.SerializerMethodField()
    resolved_on = serializers.SerializerMethodField()

    def _full(self, commitment) -> bool:
        return self.context.get("access", {}).get(commitment.pk, "full") == "full"

    def get_access(self, commitment) -> str:
        return "full" if self._full(commitment) else "summary"

    def _private(self, commitment, value):
        return value if self._full(commitment) else None

    def get_details(self, commitment) -> str | None:
        return self._private(commitment, commitment.details)

    def get_source(self, commitment) -> str | None:
        return self._private(commitment, commitment.source)

    def get_obstacle(self, commitment) -> str | None:
        return self._private(commitment, commitment.obstacle)

    def get_help_wanted(self, commitment) -> str | None:
        return self._private(commitment, commitment.help_wanted)

    def get_lesson(self, commitment) -> str | None:
        return self._private(commitment, commitment.lesson)

    def get_renegotiated_from(self, commitment) -> int | None:
        return self._private(commitment, commitment.renegotiated_from_id)

    def get_created_at(self, commitment) -> str | None:
        return self._private(commitment, serializers.DateTimeField().to_representation(commitment.created_at))

    def get_resolved_on(self, commitment) -> str | None:
        if not self._full(commitment) or commitment.resolved_on is None:
            return None
        return commitment.resolved_on.isoformat()


class CommitmentCreateSerializer(serializers.Serializer):
    team = serializers.CharField(max_length=60, help_text="The team's slug.")
    title = serializers.CharField(max_length=TITLE_MAX)
    details = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    due_date = serializers.DateField(required=False, help_text="Defaults to the end of the team's week.")


class CommitmentReviewSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=sorted(OUTCOMES))
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    obstacle = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    help_wanted = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    new_due_date = serializers.DateField(required=False, help_text="Required when renegotiating.")


class CommitmentRenegotiateSerializer(serializers.Serializer):
    new_due_date = serializers.DateField()
    note = serializers.CharField(max_length=2000, help_text="Why the date moves, in a few words.")


class CommitmentFilterSerializer(serializers.Serializer):
    team = serializers.CharField(max_length=60, required=False, help_text="A team's slug.")
    status = serializers.ChoiceField(choices=CommitmentStatus.choices, required=False)


class CheckInSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    team = serializers.CharField(source="team.slug")
    member = PersonSerializer()
    week = WeekField()
    mood = serializers.IntegerField(min_value=1, max_value=5)
    highlights = serializers.CharField(allow_blank=True)
    blockers = serializers.CharField(allow_blank=True)
    support_requested = serializers.CharField(allow_blank=True)
    submitted_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    is_late = serializers.BooleanField()
    version = serializers.IntegerField(help_text="Send it back with an edit: a stale version is refused (409).")
    acknowledged_at = serializers.DateTimeField(allow_null=True)


class CheckInSubmitSerializer(serializers.Serializer):
    team = serializers.CharField(max_length=60, help_text="The team's slug.")
    week = WeekField(required=False, help_text="Defaults to the team's current week.")
    mood = serializers.IntegerField(min_value=1, max_value=5)
    highlights = serializers.CharField(max_length=4000, required=False, allow_blank=True, default="")
    blockers = serializers.CharField(max_length=4000, required=False, allow_blank=True, default="")
    support_requested = serializers.CharField(max_length=4000, required=False, allow_blank=True, default="")
    version = serializers.IntegerField(
        min_value=1,
        max_value=2**31 - 1,
        required=False,
        help_text="The version you edit; leave out for a first check-in.",
    )


class CheckInFilterSerializer(serializers.Serializer):
    team = serializers.CharField(max_length=60, required=False, help_text="A team's slug.")
    week = WeekField(required=False)


class CheckInConflictSerializer(serializers.Serializer):
    detail = serializers.CharField()
    current = CheckInSerializer(allow_null=True)


class DashboardRangeSerializer(serializers.Serializer):
    weeks = serializers.IntegerField(min_value=1, max_value=52, required=False)
    from_ = serializers.CharField(max_length=10, required=False)
    to = serializers.CharField(max_length=10, required=False)

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = fields.pop("from_")
        return fields


class FigureSerializer(serializers.Serializer):
    key = serializers.CharField()
    strategy = serializers.CharField()
    label = serializers.CharField()
    description = serializers.CharField()
    unit = serializers.CharField()
    value = serializers.FloatField(allow_null=True)
    shown_as = serializers.CharField()
    trend = serializers.ListField(child=serializers.FloatField(allow_null=True))


class DashboardSerializer(serializers.Serializer):
    team = serializers.CharField()
    weeks = serializers.ListField(child=serializers.CharField())
    individual = serializers.BooleanField(help_text="You manage the team (organisation admins see team figures only).")
    figures = FigureSerializer(many=True)
    mood_trend = serializers.ListField(
        child=serializers.FloatField(allow_null=True),
        help_text="The team's average mood a week; null where too few answered to hide who said what.",
    )


class SurveyRoundSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    team = serializers.CharField(source="team.slug")
    template = serializers.CharField(source="template.name")
    opens_at = serializers.DateTimeField()
    closes_at = serializers.DateTimeField()
    closed = serializers.BooleanField()
    results_visible = serializers.BooleanField(help_text="Closed, with at least the team's threshold of answers.")
    responses = serializers.IntegerField(source="shown_responses", allow_null=True)
    invited = serializers.IntegerField(source="shown_invited", allow_null=True)


class CountSerializer(serializers.Serializer):
    label = serializers.CharField()
    count = serializers.IntegerField()


class QuestionResultSerializer(serializers.Serializer):
    text = serializers.CharField()
    kind = serializers.CharField()
    strategy = serializers.CharField(allow_blank=True)
    reverse_scored = serializers.BooleanField()
    shown = serializers.BooleanField(help_text="False when too few answered it to show without risking anonymity.")
    count = serializers.IntegerField(allow_null=True)
    mean = serializers.FloatField(allow_null=True)
    distribution = CountSerializer(many=True)
    comments = serializers.ListField(child=serializers.CharField())


class SurveyResultsSerializer(serializers.Serializer):
    round = SurveyRoundSerializer()
    threshold = serializers.IntegerField()
    visible = serializers.BooleanField()
    reason = serializers.CharField(allow_blank=True, help_text='Why hidden: "open" or "too-few".')
    responses = serializers.IntegerField(allow_null=True)
    invited = serializers.IntegerField(allow_null=True)
    questions = QuestionResultSerializer(many=True)
    strategies = serializers.DictField(child=serializers.FloatField())
