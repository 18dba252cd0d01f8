"""The REST API: thin views over the apps' selectors, permissions and services. Every row is
looked up through the same permission functions as the pages; what a person may not see is a
404, never a hint that it exists."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.exceptions import ValidationError as ApiValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accountability import permissions, selectors
from accountability import services as core_services
from accountability.models import Commitment, CommitmentStatus, Team
from checkins import selectors as checkin_selectors
from checkins import services as checkin_services
from dashboard import metrics, pages
from dashboard.metrics import DEFINITIONS
from dashboard.range import parse_range
from surveys import permissions as survey_permissions
from surveys import selectors as survey_selectors
from surveys.models import SurveyRound

from .. import serializers as s
from ..errors import as_api_error
from ..pagination import cursor


def _valid(serializer_class, data) -> dict:
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def _call(service, **kwargs):
    """A service call whose ValidationError is the caller's bad input (400), not a crash."""
    try:
        return service(**kwargs)
    except DjangoValidationError as exc:
        raise as_api_error(exc) from None


def _team_for(user, slug: str) -> Team:
    team = selectors.teams_with_viewer_role(user).filter(slug=slug).first()
    if team is None or not permissions.can_view_team(user, team):
        raise Http404
    return team


def _member_team(user, slug: str) -> Team:
    """A team the person is in, for what they write (their commitments, their check-in)."""
    team = selectors.teams_for_user(user, member_only=True).filter(slug=slug).first()
    if team is None:
        raise ApiValidationError({"team": ["You are not in a team with that slug."]})
    return team


# --- Me and my teams ------------------------------------------------------------------------


class MeView(APIView):
    @extend_schema(responses=s.MeSerializer, summary="Who the token belongs to")
    def get(self, request: Request) -> Response:
        return Response(s.MeSerializer(request.user).data)


class TeamList(generics.ListAPIView):
    """Your teams (organisation admins: every team), by name."""

    serializer_class = s.TeamSerializer
    pagination_class = cursor("name", "pk")

    def get_queryset(self) -> QuerySet[Team]:
        return selectors.teams_for_user(self.request.user)


class TeamDetail(APIView):
    @extend_schema(responses=s.TeamSerializer, summary="A team you can see")
    def get(self, request: Request, slug: str) -> Response:
        return Response(s.TeamSerializer(_team_for(request.user, slug)).data)


class TeamDashboard(APIView):
    @extend_schema(
        parameters=[s.DashboardRangeSerializer],
        responses=s.DashboardSerializer,
        summary="A team's dashboard figures (its managers and organisation admins)",
        description="`weeks=N` counts back from the current week; `from=2026-W40&to=2026-W47` names both ends.",
    )
    def get(self, request: Request, slug: str) -> Response:
        team = _team_for(request.user, slug)
        if not permissions.can_view_dashboard(request.user, team):
            raise Http404
        _valid(s.DashboardRangeSerializer, request.query_params)
        week_range, problem = parse_range(request.query_params, current=team.current_week())
        if problem:
            raise ApiValidationError({"non_field_errors": [problem.split(" Showing the last")[0]]})
        individual = permissions.can_see_individuals_on_dashboard(request.user, team)
        data = pages.team_dashboard(team=team, week_range=week_range, individual=individual, needs=False)
        figures = []
        for key, value in data.card.values.items():
            definition = DEFINITIONS.get(key)
            if definition is None or not (value is None or isinstance(value, int | float)):
                continue
            figures.append(
                {
                    "key": key,
                    "strategy": definition.strategy,
                    "label": definition.label,
                    "description": definition.description,
                    "unit": definition.unit,
                    "value": value,
                    "shown_as": metrics.format_value(key, value),
                    "trend": data.card.trends.get(key, []),
                }
            )
        body = {
            "team": team.slug,
            "weeks": [week.label for week in data.weeks],
            "individual": individual,
            "figures": figures,
            "mood_trend": data.mood_trend,
        }
        return Response(s.DashboardSerializer(body).data)


# --- Commitments --------------------------------------------------------------------------


class CommitmentList(generics.ListAPIView):
    """Your own commitments, in every team you are in, newest first."""

    serializer_class = s.CommitmentSerializer
    pagination_class = cursor("-pk")

    def get_queryset(self) -> QuerySet[Commitment]:
        filters = _valid(s.CommitmentFilterSerializer, self.request.query_params)
        qs = Commitment.objects.filter(owner=self.request.user).select_related("team", "owner")
        if "team" in filters:
            qs = qs.filter(team__slug=filters["team"])
        if "status" in filters:
            qs = qs.filter(status=filters["status"])
        return qs

    @extend_schema(parameters=[s.CommitmentFilterSerializer])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=s.CommitmentCreateSerializer,
        responses={201: s.CommitmentSerializer},
        summary="Make a commitment for this week",
    )
    def post(self, request: Request) -> Response:
        data = _valid(s.CommitmentCreateSerializer, request.data)
        team = _member_team(request.user, data["team"])
        commitment = _call(
            core_services.commitment_create,
            team=team,
            owner=request.user,
            actor=request.user,
            title=data["title"],
            details=data["details"],
            due_date=data.get("due_date"),
        )
        return Response(s.CommitmentSerializer(commitment).data, status=status.HTTP_201_CREATED)


def _commitment_for(user, pk: int) -> tuple[Commitment, str]:
    commitment = get_object_or_404(Commitment.objects.select_related("team", "owner"), pk=pk)
    access = permissions.commitment_access(user, commitment)
    if access is None:
        raise Http404
    return commitment, access


def _own_commitment(user, pk: int) -> Commitment:
    commitment, _ = _commitment_for(user, pk)
    if commitment.owner_id != user.pk:
        raise PermissionDenied("Only the person who made a commitment can review it.")
    return commitment


class CommitmentDetail(APIView):
    @extend_schema(responses=s.CommitmentSerializer, summary="A commitment you can see")
    def get(self, request: Request, pk: int) -> Response:
        commitment, access = _commitment_for(request.user, pk)
        return Response(s.CommitmentSerializer(commitment, context={"access": {commitment.pk: access}}).data)


class CommitmentReview(APIView):
    @extend_schema(
        request=s.CommitmentReviewSerializer,
        responses=s.CommitmentSerializer,
        summary="Say how one of your commitments went",
        description="Returns the commitment that is now current: after `renegotiated`, the new one.",
    )
    def post(self, request: Request, pk: int) -> Response:
        commitment = _own_commitment(request.user, pk)
        data = _valid(s.CommitmentReviewSerializer, request.data)
        current = _call(core_services.commitment_review, commitment=commitment, actor=request.user, **data)
        return Response(s.CommitmentSerializer(current).data)


class CommitmentRenegotiate(APIView):
    @extend_schema(
        request=s.CommitmentRenegotiateSerializer,
        responses=s.CommitmentSerializer,
        summary="Move one of your commitments to a new date",
        description="Before the due date this counts as keeping your word. Returns the new commitment.",
    )
    def post(self, request: Request, pk: int) -> Response:
        commitment = _own_commitment(request.user, pk)
        data = _valid(s.CommitmentRenegotiateSerializer, request.data)
        current = _call(
            core_services.commitment_review,
            commitment=commitment,
            actor=request.user,
            status=CommitmentStatus.RENEGOTIATED,
            note=data["note"],
            new_due_date=data["new_due_date"],
        )
        return Response(s.CommitmentSerializer(current).data)


# --- Check-ins ----------------------------------------------------------------------------


class CheckInList(generics.ListAPIView):
    """Check-ins you may read: your own, and those of the teams you manage."""

    serializer_class = s.CheckInSerializer
    pagination_class = cursor("-week", "-pk")

    def get_queryset(self):
        filters = _valid(s.CheckInFilterSerializer, self.request.query_params)
        qs = checkin_selectors.checkins_visible_to(self.request.user)
        if "team" in filters:
            qs = qs.filter(team__slug=filters["team"])
        if "week" in filters:
            qs = qs.filter(week=filters["week"].start)
        return qs

    @extend_schema(parameters=[s.CheckInFilterSerializer])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=s.CheckInSubmitSerializer,
        responses={
            200: OpenApiResponse(s.CheckInSerializer, description="Your check-in, updated."),
            201: OpenApiResponse(s.CheckInSerializer, description="Your check-in, made."),
            409: OpenApiResponse(
                s.CheckInConflictSerializer,
                description="Saved from somewhere else since your version, or the week has closed.",
            ),
        },
        summary="Give (or edit) your check-in for a week",
    )
    def post(self, request: Request) -> Response:
        data = _valid(s.CheckInSubmitSerializer, request.data)
        team = _member_team(request.user, data.pop("team"))
        week = data.pop("week", None) or team.current_week()
        try:
            result = _call(checkin_services.checkin_submit, member=request.user, team=team, week=week, **data)
        except checkin_services.CheckInConflict as exc:
            body = {"detail": str(exc), "current": s.CheckInSerializer(exc.checkin).data}
            return Response(body, status=status.HTTP_409_CONFLICT)
        except checkin_services.CheckInClosed:
            body = {"detail": "That week has closed and its check-in can no longer change.", "current": None}
            return Response(body, status=status.HTTP_409_CONFLICT)
        code = status.HTTP_201_CREATED if result.created else status.HTTP_200_OK
        return Response(s.CheckInSerializer(result.checkin).data, status=code)


class CheckInDetail(APIView):
    @extend_schema(responses=s.CheckInSerializer, summary="A check-in you may read")
    def get(self, request: Request, pk: int) -> Response:
        checkin = checkin_selectors.checkin_for_viewer(viewer=request.user, checkin_id=pk)
        if checkin is None or not permissions.can_view_checkin(request.user, checkin):
            raise Http404
        return Response(s.CheckInSerializer(checkin).data)


# --- Surveys ------------------------------------------------------------------------------


class SurveyRoundList(generics.ListAPIView):
    """A team's survey rounds (its managers and organisation admins), newest first. Counts are
    null until a round has closed with at least the team's threshold of answers."""

    serializer_class = s.SurveyRoundSerializer
    pagination_class = cursor("-opens_at", "-pk")

    def get_queryset(self):
        team = _team_for(self.request.user, self.kwargs["slug"])
        if not survey_permissions.can_view_surveys(self.request.user, team):
            raise Http404
        return survey_selectors.rounds_for_team(team).select_related("team")


class SurveyResults(APIView):
    @extend_schema(
        responses=s.SurveyResultsSerializer,
        summary="A round's results, when enough people answered",
        description="Below the team's anonymity threshold, or while the round is open, nothing is counted.",
    )
    def get(self, request: Request, pk: int) -> Response:
        rounds = survey_selectors.with_participation(SurveyRound.objects.select_related("team", "template"))
        round_ = get_object_or_404(rounds, pk=pk)
        if not survey_permissions.can_view_surveys(request.user, round_.team):
            raise Http404
        results = survey_selectors.round_results(round_)
        questions = []
        for item in results.questions:
            shown = results.visible and item.count >= results.threshold
            questions.append(
                {
                    "text": item.question.text,
                    "kind": item.question.kind,
                    "strategy": item.question.strategy,
                    "reverse_scored": item.question.reverse_scored,
                    "shown": shown,
                    "count": item.count if shown else None,
                    "mean": item.mean if shown else None,
                    "distribution": [{"label": label, "count": n} for label, n in item.distribution] if shown else [],
                    "comments": item.comments if shown else [],
                }
            )
        body = {
            "round": round_,
            "threshold": results.threshold,
            "visible": results.visible,
            "reason": results.reason,
            "responses": results.responses,
            "invited": results.invited,
            "questions": questions,
            "strategies": results.strategies,
        }
        return Response(s.SurveyResultsSerializer(body).data)
