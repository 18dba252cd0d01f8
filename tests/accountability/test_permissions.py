"""Who may open which page: every named URL × every persona, plus the permission functions.

The matrix is the contract. A new page without a row fails `test_every_named_page_has_a_row`.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.files.base import ContentFile
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from accountability import permissions, selectors, services
from accountability.models import (
    Commitment,
    CommitmentStatus,
    DataExport,
    ExportStatus,
    Invitation,
    Membership,
    OutboundEmail,
    Role,
    User,
)
from accountability.outbox import unsubscribe_token
from checkins import selectors as checkin_selectors
from checkins.models import CheckIn, Comment, Question, QuestionTemplate
from feedback.models import FeedbackMessage, FeedbackThread
from integrations.models import TeamChannel, WebhookEndpoint
from surveys.models import SurveyRound, SurveyTemplate
from surveys.services import survey_thanks_key
from updates import services as update_services
from updates.models import Value

from ..api import matrix as api_matrix
from ..factories import CheckInFactory, CommitmentFactory, MembershipFactory, UserFactory
from ..feedback.factories import FeedbackThreadFactory
from ..meetings import matrix as meetings_matrix
from ..surveys.factories import add_responses, answer_everything, invite, make_round, make_template

PERSONAS = ["anonymous", "member", "teammate", "manager", "other_manager", "outsider", "org_admin"]

# Outcomes
OK = "200"
GONE = "410"  # an invitation link that cannot be used
UNAUTHORIZED = "401"  # single sign-on that failed
NOT_FOUND = "404"
LOGIN = "login"  # 302 to the sign-in page with ?next=
ADMIN_LOGIN = "admin-login"  # 302 to the Django admin's sign-in page
REDIRECT = "redirect"  # 302 somewhere else: the action was done

# The follow-up code of ctx["feedback"].
FEEDBACK_CODE = "MATR-IXMA-TRIX-MATR-IXMA-TRIX"


@dataclass
class Page:
    method: str
    url: Callable[[dict], str]
    expect: dict[str, str]
    # For actions: did the change happen? Checked against the expectation (done iff REDIRECT).
    done: Callable[[dict], bool] | None = None
    # The POST data, or a function of the context that returns it.
    data: dict | Callable[[dict], dict] = field(default_factory=dict)


def _all(outcome: str, **overrides: str) -> dict[str, str]:
    return {persona: overrides.get(persona, outcome) for persona in PERSONAS}


def _signed_in(outcome: str, **overrides: str) -> dict[str, str]:
    return _all(outcome, anonymous=LOGIN, **overrides)


def _team_viewers(outcome: str) -> dict[str, str]:
    return _signed_in(NOT_FOUND, member=outcome, teammate=outcome, manager=outcome, org_admin=outcome)


def _team_managers(outcome: str) -> dict[str, str]:
    return _signed_in(NOT_FOUND, manager=outcome, org_admin=outcome)


def _team_people(outcome: str) -> dict[str, str]:
    """The team's own people, whatever their role. Not org admins: a week is someone's own."""
    return _signed_in(NOT_FOUND, member=outcome, teammate=outcome, manager=outcome)


def _owner(outcome: str) -> dict[str, str]:
    """Only `member`, whose commitment it is."""
    return _signed_in(NOT_FOUND, member=outcome)


def _next_questions(c: dict) -> list:
    team = c["team"]
    return checkin_selectors.questions_for_week(team=team, week=team.current_week().next())


def _question_url(name: str) -> Callable[[dict], str]:
    return lambda c: reverse(name, args=[c["team"].slug, _next_questions(c)[0].key])


def _status(key: str) -> Callable[[dict], str]:
    return lambda c: Commitment.objects.get(pk=c[key].pk).status


PAGES: dict[str, Page] = {
    # Public pages
    "healthz": Page("get", lambda c: reverse("healthz"), _all(OK)),
    "login": Page("get", lambda c: reverse("login"), _all(REDIRECT, anonymous=OK)),
    "logout": Page("post", lambda c: reverse("logout"), _all(REDIRECT)),
    # Sign-in, passwords, two-factor and single sign-on (django-allauth, since issue 12)
    "account_login": Page("get", lambda c: reverse("account_login"), _all(REDIRECT, anonymous=OK)),
    "account_logout": Page("post", lambda c: reverse("account_logout"), _all(REDIRECT)),
    "account_inactive": Page("get", lambda c: reverse("account_inactive"), _all(OK)),
    # No public sign-up: the page says so (signed-in people are sent home).
    "account_signup": Page("get", lambda c: reverse("account_signup"), _all(REDIRECT, anonymous=OK)),
    # Email confirmation is off (an invitation proves the address); its pages confirm nothing.
    "account_confirm_email": Page("get", lambda c: reverse("account_confirm_email", args=["garbage"]), _all(OK)),
    "account_email_verification_sent": Page("get", lambda c: reverse("account_email_verification_sent"), _all(OK)),
    # Sign-in by emailed code is off: nothing pending, so back to the sign-in page or home.
    "account_confirm_login_code": Page("get", lambda c: reverse("account_confirm_login_code"), _all(REDIRECT)),
    # allauth's address management is replaced by our email preferences page (same path).
    "account_email": Page("get", lambda c: reverse("account_email"), _signed_in(OK)),
    "account_reauthenticate": Page("get", lambda c: reverse("account_reauthenticate"), _signed_in(OK)),
    "account_change_password": Page("get", lambda c: reverse("account_change_password"), _signed_in(OK)),
    # Everyone here has a password already: on to changing it.
    "account_set_password": Page("get", lambda c: reverse("account_set_password"), _signed_in(REDIRECT)),
    "account_reset_password": Page("get", lambda c: reverse("account_reset_password"), _all(OK)),
    "account_reset_password_done": Page("get", lambda c: reverse("account_reset_password_done"), _all(OK)),
    "account_reset_password_from_key": Page(
        "get", lambda c: reverse("account_reset_password_from_key", args=["1", "not-a-key"]), _all(OK)
    ),
    "account_reset_password_from_key_done": Page(
        "get", lambda c: reverse("account_reset_password_from_key_done"), _all(OK)
    ),
    # Two-factor: one's own, behind a fresh password for every change (allauth sends to
    # "reauthenticate" first). Recovery codes exist only once a factor does.
    "mfa_index": Page("get", lambda c: reverse("mfa_index"), _signed_in(OK)),
    "mfa_activate_totp": Page("get", lambda c: reverse("mfa_activate_totp"), _signed_in(REDIRECT)),
    "mfa_deactivate_totp": Page(
        "get", lambda c: reverse("mfa_deactivate_totp"), _signed_in(NOT_FOUND, org_admin=REDIRECT)
    ),
    "mfa_view_recovery_codes": Page("get", lambda c: reverse("mfa_view_recovery_codes"), _signed_in(NOT_FOUND)),
    "mfa_generate_recovery_codes": Page("get", lambda c: reverse("mfa_generate_recovery_codes"), _signed_in(REDIRECT)),
    "mfa_download_recovery_codes": Page("get", lambda c: reverse("mfa_download_recovery_codes"), _signed_in(NOT_FOUND)),
    "mfa_list_webauthn": Page("get", lambda c: reverse("mfa_list_webauthn"), _signed_in(OK)),
    "mfa_add_webauthn": Page("get", lambda c: reverse("mfa_add_webauthn"), _signed_in(REDIRECT)),
    "mfa_edit_webauthn": Page("get", lambda c: reverse("mfa_edit_webauthn", args=[1]), _signed_in(REDIRECT)),
    "mfa_remove_webauthn": Page("get", lambda c: reverse("mfa_remove_webauthn", args=[1]), _signed_in(REDIRECT)),
    # The second step of signing in: without a first step pending, back to sign-in or home.
    "mfa_authenticate": Page("get", lambda c: reverse("mfa_authenticate"), _all(REDIRECT)),
    # Confirming with a second factor: for those who have one (org_admin); others re-enter
    # their password instead.
    "mfa_reauthenticate": Page("get", lambda c: reverse("mfa_reauthenticate"), _signed_in(REDIRECT, org_admin=OK)),
    "mfa_reauthenticate_webauthn": Page("get", lambda c: reverse("mfa_reauthenticate_webauthn"), _signed_in(REDIRECT)),
    # Single sign-on: no provider is configured in these tests (the SSO tests configure one).
    "openid_connect_login": Page("get", lambda c: reverse("openid_connect_login", args=["sso"]), _all(NOT_FOUND)),
    "openid_connect_callback": Page("get", lambda c: reverse("openid_connect_callback", args=["sso"]), _all(NOT_FOUND)),
    "socialaccount_connections": Page("get", lambda c: reverse("socialaccount_connections"), _signed_in(OK)),
    "socialaccount_login_cancelled": Page("get", lambda c: reverse("socialaccount_login_cancelled"), _all(OK)),
    "socialaccount_login_error": Page("get", lambda c: reverse("socialaccount_login_error"), _all(UNAUTHORIZED)),
    # Only during a single sign-on that needs more details: none is under way.
    "socialaccount_signup": Page("get", lambda c: reverse("socialaccount_signup"), _all(REDIRECT)),
    "invitation_accept": Page("get", lambda c: reverse("invitation_accept", args=["garbage"]), _all(GONE)),
    # Any signed-in person
    # People in a team are sent on to their week; the others see the list of teams.
    # (tests/accountability/test_teams.py checks where to.)
    "home": Page("get", lambda c: reverse("home"), _signed_in(REDIRECT, outsider=OK, org_admin=OK)),
    # Everyone sees their own teams there (the org admin every team): tests/accountability/test_team_lists.py.
    "team_list": Page("get", lambda c: reverse("team_list"), _signed_in(OK)),
    "profile": Page("get", lambda c: reverse("profile"), _signed_in(OK)),
    "email_preferences": Page("get", lambda c: reverse("email_preferences"), _signed_in(OK)),
    # The signed token is the permission: anyone holding the link may use it, signed in or not.
    "unsubscribe": Page(
        "get",
        lambda c: reverse(
            "unsubscribe", args=[unsubscribe_token(user=c["personas"]["member"], kind="checkin_reminder")]
        ),
        _all(OK),
    ),
    # Organisation admins
    "team_create": Page("get", lambda c: reverse("team_create"), _signed_in(NOT_FOUND, org_admin=OK)),
    # The Django admin needs a second factor passed in this session, which a plain sign-in
    # (force_login) is not: test_two_factor.py opens it through the real steps.
    "admin:index": Page("get", lambda c: reverse("admin:index"), _all(ADMIN_LOGIN)),
    # A team's people
    "team_detail": Page("get", lambda c: reverse("team_detail", args=[c["team"].slug]), _team_viewers(OK)),
    # A team's managers
    "team_settings": Page("get", lambda c: reverse("team_settings", args=[c["team"].slug]), _team_managers(OK)),
    # Chat channels (integrations): the team's managers and organisation admins; webhook
    # endpoints: organisation admins only. A test event is an outbox row for the target.
    "team_channels": Page("get", lambda c: reverse("team_channels", args=[c["team"].slug]), _team_managers(OK)),
    "team_channel_test": Page(
        "post",
        lambda c: reverse("team_channel_test", args=[c["team"].slug, c["channel"].pk]),
        _team_managers(REDIRECT),
        done=lambda c: OutboundEmail.objects.filter(target_ref=c["channel"].ref).exists(),
    ),
    "team_channel_delete": Page(
        "post",
        lambda c: reverse("team_channel_delete", args=[c["team"].slug, c["channel"].pk]),
        _team_managers(REDIRECT),
        done=lambda c: not TeamChannel.objects.filter(pk=c["channel"].pk).exists(),
    ),
    "webhook_list": Page("get", lambda c: reverse("webhook_list"), _signed_in(NOT_FOUND, org_admin=OK)),
    "webhook_detail": Page(
        "get", lambda c: reverse("webhook_detail", args=[c["webhook"].pk]), _signed_in(NOT_FOUND, org_admin=OK)
    ),
    "webhook_test": Page(
        "post",
        lambda c: reverse("webhook_test", args=[c["webhook"].pk]),
        _signed_in(NOT_FOUND, org_admin=REDIRECT),
        done=lambda c: OutboundEmail.objects.filter(target_ref=c["webhook"].ref).exists(),
    ),
    # Answers with the page showing the new secret (once), not a redirect.
    "webhook_rotate_secret": Page(
        "post", lambda c: reverse("webhook_rotate_secret", args=[c["webhook"].pk]), _signed_in(NOT_FOUND, org_admin=OK)
    ),
    "webhook_delete": Page(
        "post",
        lambda c: reverse("webhook_delete", args=[c["webhook"].pk]),
        _signed_in(NOT_FOUND, org_admin=REDIRECT),
        done=lambda c: not WebhookEndpoint.objects.filter(pk=c["webhook"].pk).exists(),
    ),
    "team_members": Page("get", lambda c: reverse("team_members", args=[c["team"].slug]), _team_managers(OK)),
    "team_invite": Page("get", lambda c: reverse("team_invite", args=[c["team"].slug]), _team_managers(OK)),
    "membership_role": Page(
        "post",
        lambda c: reverse("membership_role", args=[c["team"].slug, c["teammate_membership"].pk]),
        _team_managers(REDIRECT),
        data={"role": Role.MANAGER},
        done=lambda c: Membership.objects.get(pk=c["teammate_membership"].pk).role == Role.MANAGER,
    ),
    "membership_remove": Page(
        "post",
        lambda c: reverse("membership_remove", args=[c["team"].slug, c["teammate_membership"].pk]),
        _team_managers(REDIRECT),
        done=lambda c: not Membership.objects.filter(pk=c["teammate_membership"].pk).exists(),
    ),
    "invitation_revoke": Page(
        "post",
        lambda c: reverse("invitation_revoke", args=[c["team"].slug, c["invitation"].pk]),
        _team_managers(REDIRECT),
        done=lambda c: not Invitation.objects.filter(pk=c["invitation"].pk).exists(),
    ),
    # A week is its person's own; each member of the team (any role) has theirs.
    "this_week": Page("get", lambda c: reverse("this_week", args=[c["team"].slug]), _team_people(OK)),
    "week": Page("get", lambda c: reverse("week", args=[c["team"].slug, c["last_week"].label]), _team_people(OK)),
    "history": Page("get", lambda c: reverse("history", args=[c["team"].slug]), _team_people(OK)),
    "commitment_add": Page(
        "post",
        lambda c: reverse("commitment_add", args=[c["team"].slug]),
        _team_people(REDIRECT),
        data={"title": "Added from the matrix"},
        done=lambda c: Commitment.objects.filter(title="Added from the matrix").exists(),
    ),
    # Someone's past weeks: themselves and the team's managers.
    "member_history": Page(
        "get",
        lambda c: reverse("member_history", args=[c["team"].slug, c["personas"]["member"].pk]),
        _signed_in(NOT_FOUND, member=OK, manager=OK),
    ),
    # A commitment: its owner and the team's managers in full, teammates a summary (the team
    # shares commitments openly by default).
    "commitment_detail": Page(
        "get",
        lambda c: reverse("commitment_detail", args=[c["commitment"].pk]),
        _signed_in(NOT_FOUND, member=OK, teammate=OK, manager=OK),
    ),
    # Only the owner records how it went, undoes that, or answers a proposal.
    "commitment_review": Page(
        "post",
        lambda c: reverse("commitment_review", args=[c["commitment"].pk]),
        _owner(REDIRECT),
        data={"status": CommitmentStatus.DONE},
        done=lambda c: _status("commitment")(c) == CommitmentStatus.DONE,
    ),
    "commitment_reopen": Page(
        "post",
        lambda c: reverse("commitment_reopen", args=[c["done_commitment"].pk]),
        _owner(REDIRECT),
        done=lambda c: _status("done_commitment")(c) == CommitmentStatus.OPEN,
    ),
    "proposal_respond": Page(
        "post",
        lambda c: reverse("proposal_respond", args=[c["proposal"].pk]),
        _owner(REDIRECT),
        data={"decision": "accept"},
        done=lambda c: _status("proposal")(c) == CommitmentStatus.OPEN,
    ),
    # Proposing a commitment to a member: the team's own managers (not org admins, who are
    # not in the team).
    "commitment_propose": Page(
        "get", lambda c: reverse("commitment_propose", args=[c["team"].slug]), _signed_in(NOT_FOUND, manager=OK)
    ),
    # Anonymous feedback (more in tests/feedback/). Anyone signed in writes to any team; the
    # follow-up pages need no sign-in, only the code (so they answer everyone alike); a thread
    # routed to a team's managers is theirs alone. (Threads routed to the admins: test_routing.)
    "feedback_new": Page("get", lambda c: reverse("feedback_new"), _signed_in(OK)),
    "feedback_follow_up": Page("get", lambda c: reverse("feedback_follow_up"), _all(OK)),
    "feedback_follow_up_reply": Page(
        "post",
        lambda c: reverse("feedback_follow_up_reply"),
        _all(REDIRECT),
        data={"code": FEEDBACK_CODE, "body": "Answered from the matrix"},
    ),
    "feedback_follow_up_consent": Page(
        "post",
        lambda c: reverse("feedback_follow_up_consent"),
        _all(REDIRECT),
        data={"code": FEEDBACK_CODE, "consent": "on"},
    ),
    # The pages a writer's POST redirects to: the single-use token is the only key, so they
    # answer everyone alike; an unknown (or used) one is gone. (Real tokens: test_post_redirect_get.)
    "feedback_sent": Page("get", lambda c: reverse("feedback_sent", args=["no-such-token"]), _all(GONE)),
    "feedback_follow_up_shown": Page(
        "get", lambda c: reverse("feedback_follow_up_shown", args=["no-such-token"]), _all(GONE)
    ),
    "feedback_inbox": Page(
        "get", lambda c: reverse("feedback_inbox"), _signed_in(NOT_FOUND, manager=OK, other_manager=OK, org_admin=OK)
    ),
    "feedback_thread": Page(
        "get", lambda c: reverse("feedback_thread", args=[c["feedback"].pk]), _signed_in(NOT_FOUND, manager=OK)
    ),
    "feedback_thread_reply": Page(
        "post",
        lambda c: reverse("feedback_thread_reply", args=[c["feedback"].pk]),
        _signed_in(NOT_FOUND, manager=REDIRECT),
        data={"body": "Answered from the matrix"},
        done=lambda c: FeedbackMessage.objects.filter(thread=c["feedback"], body="Answered from the matrix").exists(),
    ),
    "feedback_thread_status": Page(
        "post",
        lambda c: reverse("feedback_thread_status", args=[c["feedback"].pk]),
        _signed_in(NOT_FOUND, manager=REDIRECT),
        data={"status": "closed"},
        done=lambda c: FeedbackThread.objects.get(pk=c["feedback"].pk).status == "closed",
    ),
    "feedback_thread_publish": Page(
        "post",
        lambda c: reverse("feedback_thread_publish", args=[c["consented_feedback"].pk]),
        _signed_in(NOT_FOUND, manager=REDIRECT),
        data={"gist": "You said it from the matrix", "answer": "We did it"},
        done=lambda c: FeedbackThread.objects.get(pk=c["consented_feedback"].pk).published_on is not None,
    ),
    "feedback_thread_unpublish": Page(
        "post",
        lambda c: reverse("feedback_thread_unpublish", args=[c["published_feedback"].pk]),
        _signed_in(NOT_FOUND, manager=REDIRECT),
        done=lambda c: FeedbackThread.objects.get(pk=c["published_feedback"].pk).published_on is None,
    ),
    # Pulse surveys (more in tests/feedback/test_survey_permissions.py). The emailed link is the
    # permission to answer, so the answering page answers everyone alike; the reminders' link
    # renews it for the invited person only (`member`). A team's surveys and results are for its
    # managers and the organisation's admins; running them (scheduling, closing, cancelling,
    # writing templates) for the team's own managers.
    "survey_list": Page("get", lambda c: reverse("survey_list"), _signed_in(OK)),
    "survey_answer": Page("get", lambda c: reverse("survey_answer", args=[c["survey_token"]]), _all(OK)),
    # After answering: names the round, opens nothing.
    "survey_thanks": Page(
        "get", lambda c: reverse("survey_thanks", args=[survey_thanks_key(c["open_round"])]), _all(OK)
    ),
    # The reminders' link asks (GET); its button (POST, in ACTIONS) issues a fresh link.
    "survey_open": Page(
        "get",
        lambda c: reverse("survey_open", args=[c["open_round"].pk]),
        _signed_in(NOT_FOUND, member=OK),
    ),
    "survey_rounds": Page("get", lambda c: reverse("survey_rounds", args=[c["team"].slug]), _team_managers(OK)),
    "survey_schedule": Page(
        "get", lambda c: reverse("survey_schedule", args=[c["team"].slug]), _signed_in(NOT_FOUND, manager=OK)
    ),
    "survey_template_new": Page(
        "get", lambda c: reverse("survey_template_new", args=[c["team"].slug]), _signed_in(NOT_FOUND, manager=OK)
    ),
    "survey_template": Page(
        "get",
        lambda c: reverse("survey_template", args=[c["team"].slug, c["open_round"].template_id]),
        _signed_in(NOT_FOUND, manager=OK),
    ),
    # Editing a survey the team's managers wrote (the built-in one is never edited).
    "survey_template_edit": Page(
        "get",
        lambda c: reverse("survey_template_edit", args=[c["team"].slug, c["own_template"].pk]),
        _signed_in(NOT_FOUND, manager=OK),
    ),
    "survey_round_close": Page(
        "post",
        lambda c: reverse("survey_round_close", args=[c["open_round"].pk]),
        _signed_in(NOT_FOUND, manager=REDIRECT),
        done=lambda c: SurveyRound.objects.get(pk=c["open_round"].pk).closed,
    ),
    "survey_round_cancel": Page(
        "post",
        lambda c: reverse("survey_round_cancel", args=[c["scheduled_round"].pk]),
        _signed_in(NOT_FOUND, manager=REDIRECT),
        done=lambda c: not SurveyRound.objects.filter(pk=c["scheduled_round"].pk).exists(),
    ),
    "survey_results": Page("get", lambda c: reverse("survey_results", args=[c["closed_round"].pk]), _team_managers(OK)),
    "survey_results_export": Page(
        "get", lambda c: reverse("survey_results_export", args=[c["closed_round"].pk]), _team_managers(OK)
    ),
    # The dashboard, a member's drill-down and the export: the team's managers, and organisation
    # admins (who see figures, not individual moods or check-ins: tests/dashboard/).
    "team_dashboard": Page("get", lambda c: reverse("team_dashboard", args=[c["team"].slug]), _team_managers(OK)),
    "team_dashboard_member": Page(
        "get",
        lambda c: reverse("team_dashboard_member", args=[c["team"].slug, c["personas"]["member"].pk]),
        _team_managers(OK),
    ),
    "team_dashboard_export": Page(
        "get", lambda c: reverse("team_dashboard_export", args=[c["team"].slug]), _team_managers(OK)
    ),
    # The overview of the teams someone manages (each manager their own; admins every team).
    "dashboard_overview": Page(
        "get",
        lambda c: reverse("dashboard_overview"),
        _signed_in(NOT_FOUND, manager=OK, other_manager=OK, org_admin=OK),
    ),
    # A check-in and its review: its member and the team's managers see it and write in its
    # thread; only the managers (not the member) acknowledge it or mark its support answered.
    "checkin_detail": Page(
        "get",
        lambda c: reverse("checkin_detail", args=[c["checkin"].pk]),
        _signed_in(NOT_FOUND, member=OK, manager=OK),
    ),
    "checkin_acknowledge": Page(
        "post",
        lambda c: reverse("checkin_acknowledge", args=[c["checkin"].pk]),
        _signed_in(NOT_FOUND, manager=REDIRECT),
        done=lambda c: CheckIn.objects.get(pk=c["checkin"].pk).acknowledged_at is not None,
    ),
    "checkin_support_answered": Page(
        "post",
        lambda c: reverse("checkin_support_answered", args=[c["checkin"].pk]),
        _signed_in(NOT_FOUND, manager=REDIRECT),
        done=lambda c: CheckIn.objects.get(pk=c["checkin"].pk).support_answered_at is not None,
    ),
    "checkin_reply": Page(
        "post",
        lambda c: reverse("checkin_reply", args=[c["checkin"].pk]),
        _signed_in(NOT_FOUND, member=REDIRECT, manager=REDIRECT),
        data={"body": "Replied from the matrix"},
        done=lambda c: Comment.objects.filter(checkin=c["checkin"], body="Replied from the matrix").exists(),
    ),
    # A commitment's thread: whoever sees it in full. Teammates (a summary) neither read nor write.
    "commitment_reply": Page(
        "post",
        lambda c: reverse("commitment_reply", args=[c["commitment"].pk]),
        _signed_in(NOT_FOUND, member=REDIRECT, manager=REDIRECT),
        data={"body": "Replied from the matrix"},
        done=lambda c: Comment.objects.filter(commitment=c["commitment"], body="Replied from the matrix").exists(),
    ),
    # The team's check-in questions (checkins/views/questions.py): its managers and org admins
    # shape them; only org admins keep a set as an organisation template.
    "team_questions": Page("get", lambda c: reverse("team_questions", args=[c["team"].slug]), _team_managers(OK)),
    "question_edit": Page("get", _question_url("question_edit"), _team_managers(OK)),
    "question_add": Page(
        "post",
        lambda c: reverse("question_add", args=[c["team"].slug]),
        _team_managers(REDIRECT),
        data={"kind": "short_text", "label": "Asked from the matrix", "visibility": "private"},
        done=lambda c: Question.objects.filter(label="Asked from the matrix").exists(),
    ),
    "question_move": Page(
        "post",
        _question_url("question_move"),
        _team_managers(REDIRECT),
        data={"direction": "down"},
        done=lambda c: _next_questions(c)[1].special == "highlights",
    ),
    "question_retire": Page(
        "post",
        _question_url("question_retire"),
        _team_managers(REDIRECT),
        done=lambda c: all(q.special != "highlights" for q in _next_questions(c)),
    ),
    "question_set_from_template": Page(
        "post",
        lambda c: reverse("question_set_from_template", args=[c["team"].slug]),
        _team_managers(REDIRECT),
        data={"template": "wellbeing"},
        done=lambda c: _next_questions(c)[0].label == "How manageable did your workload feel?",
    ),
    "question_template_save": Page(
        "post",
        lambda c: reverse("question_template_save", args=[c["team"].slug]),
        _signed_in(NOT_FOUND, org_admin=REDIRECT),
        data={"name": "Kept from the matrix"},
        done=lambda c: QuestionTemplate.objects.filter(name="Kept from the matrix").exists(),
    ),
    # Team updates (updates app): the team's people read them, its managers post them.
    "team_updates": Page("get", lambda c: reverse("team_updates", args=[c["team"].slug]), _team_viewers(OK)),
    "update_new": Page("get", lambda c: reverse("update_new", args=[c["team"].slug]), _team_managers(OK)),
    "update_new_organisation": Page(
        "get", lambda c: reverse("update_new_organisation"), _signed_in(NOT_FOUND, org_admin=OK)
    ),
    "update_detail": Page("get", lambda c: reverse("update_detail", args=[c["update"].pk]), _team_viewers(OK)),
    # Marking read and answering: the author's own are no receipt and no answer, but the same redirect.
    "update_mark_read": Page(
        "post", lambda c: reverse("update_mark_read", args=[c["update"].pk]), _team_viewers(REDIRECT)
    ),
    "update_respond": Page(
        "post",
        lambda c: reverse("update_respond", args=[c["update"].pk]),
        _team_viewers(REDIRECT),
        data={"kind": "thanks"},
    ),
    # Values: everyone in the organisation sees them; organisation admins define them.
    "value_list": Page("get", lambda c: reverse("value_list"), _signed_in(OK, outsider=NOT_FOUND)),
    "value_new": Page("get", lambda c: reverse("value_new"), _signed_in(NOT_FOUND, org_admin=OK)),
    "value_edit": Page(
        "get", lambda c: reverse("value_edit", args=[c["value"].pk]), _signed_in(NOT_FOUND, org_admin=OK)
    ),
    "value_retire": Page(
        "post",
        lambda c: reverse("value_retire", args=[c["value"].pk]),
        _signed_in(NOT_FOUND, org_admin=REDIRECT),
        data={"retire": "1"},
        done=lambda c: Value.objects.get(pk=c["value"].pk).is_retired,
    ),
    # Thanks: from a team page one can see; one's own thanks received and given.
    "recognition_new": Page("get", lambda c: reverse("recognition_new", args=[c["team"].slug]), _team_viewers(OK)),
    "recognition_mine": Page("get", lambda c: reverse("recognition_mine"), _signed_in(OK, outsider=NOT_FOUND)),
}

# More rows for pages that also take a POST: the matrix checks both methods.
ACTIONS: dict[str, Page] = {
    "this_week (check in)": Page(
        "post",
        lambda c: reverse("this_week", args=[c["team"].slug]),
        _team_people(REDIRECT),
        data={"mood": "4", "highlights": "Checked in from the matrix"},
        done=lambda c: CheckIn.objects.filter(highlights="Checked in from the matrix").exists(),
    ),
    "week (late check-in)": Page(
        "post",
        lambda c: reverse("week", args=[c["team"].slug, c["last_week"].previous().label]),
        _team_people(REDIRECT),
        data={"mood": "3", "highlights": "Late, from the matrix"},
        done=lambda c: CheckIn.objects.filter(highlights="Late, from the matrix").exists(),
    ),
    "commitment_propose (propose)": Page(
        "post",
        lambda c: reverse("commitment_propose", args=[c["team"].slug]),
        _signed_in(NOT_FOUND, manager=REDIRECT),
        data=lambda c: {"owner": c["personas"]["member"].pk, "title": "Proposed from the matrix"},
        done=lambda c: Commitment.objects.filter(
            title="Proposed from the matrix", owner=c["personas"]["member"], status=CommitmentStatus.PROPOSED
        ).exists(),
    ),
    # `team` is too small for anonymity: its feedback goes to the admins, as the page said.
    "feedback_new (send)": Page(
        "post",
        lambda c: reverse("feedback_new"),
        _signed_in(REDIRECT),
        data=lambda c: {
            "team": c["team"].pk,
            "category": "idea",
            "body": "Sent from the matrix",
            "shown_destination": "admins",
        },
    ),
    "feedback_follow_up (open)": Page(
        "post", lambda c: reverse("feedback_follow_up"), _all(OK), data={"code": FEEDBACK_CODE}
    ),
    # Whoever holds the link answers with it (once: each row here starts afresh), and is sent on
    # to the thanks page.
    "survey_answer (send)": Page(
        "post",
        lambda c: reverse("survey_answer", args=[c["survey_token"]]),
        _all(REDIRECT),
        data=lambda c: answer_everything(c["open_round"]),
    ),
    "survey_open (open)": Page(
        "post",
        lambda c: reverse("survey_open", args=[c["open_round"].pk]),
        _signed_in(NOT_FOUND, member=REDIRECT),
    ),
    "survey_schedule (schedule)": Page(
        "post",
        lambda c: reverse("survey_schedule", args=[c["team"].slug]),
        _signed_in(NOT_FOUND, manager=REDIRECT),
        data=lambda c: {
            "template": c["open_round"].template_id,
            "opens_at": "2099-03-02T09:00",
            "closes_at": "2099-03-09T17:00",
        },
        done=lambda c: SurveyRound.objects.filter(opens_at__year=2099).exists(),
    ),
    "survey_template_new (save)": Page(
        "post",
        lambda c: reverse("survey_template_new", args=[c["team"].slug]),
        _signed_in(NOT_FOUND, manager=REDIRECT),
        data={
            "name": "Written from the matrix",
            "form-TOTAL_FORMS": "1",
            "form-INITIAL_FORMS": "0",
            "form-0-text": "We help each other.",
            "form-0-kind": "agreement",
            "form-0-required": "on",
        },
        done=lambda c: SurveyTemplate.objects.filter(name="Written from the matrix").exists(),
    ),
    "survey_template_edit (save)": Page(
        "post",
        lambda c: reverse("survey_template_edit", args=[c["team"].slug, c["own_template"].pk]),
        _signed_in(NOT_FOUND, manager=REDIRECT),
        data={
            "name": "Edited from the matrix",
            "form-TOTAL_FORMS": "1",
            "form-INITIAL_FORMS": "1",
            "form-0-text": "We help each other.",
            "form-0-kind": "agreement",
            "form-0-required": "on",
        },
        done=lambda c: SurveyTemplate.objects.filter(name="Edited from the matrix").exists(),
    ),
}

# People's data (issue 19): one's own export; the person pages, audit trail and retention
# settings are the organisation admins' only.
PAGES.update(
    {
        "data_export_request": Page(
            "post",
            lambda c: reverse("data_export_request"),
            _signed_in(REDIRECT),
            done=lambda c: DataExport.objects.filter(status=ExportStatus.PENDING).exists(),
        ),
        # The emailed link opens `member`'s export for `member` only, even for an admin.
        "data_export_download": Page(
            "get", lambda c: reverse("data_export_download", args=[c["export_token"]]), _signed_in(NOT_FOUND, member=OK)
        ),
        "person_detail": Page(
            "get", lambda c: reverse("person_detail", args=[c["leaver"].pk]), _signed_in(NOT_FOUND, org_admin=OK)
        ),
        "person_deactivate": Page(
            "post",
            lambda c: reverse("person_deactivate", args=[c["leaver"].pk]),
            _signed_in(NOT_FOUND, org_admin=REDIRECT),
            done=lambda c: not User.objects.get(pk=c["leaver"].pk).is_active,
        ),
        "person_reactivate": Page(
            "post",
            lambda c: reverse("person_reactivate", args=[c["inactive_person"].pk]),
            _signed_in(NOT_FOUND, org_admin=REDIRECT),
            done=lambda c: User.objects.get(pk=c["inactive_person"].pk).is_active,
        ),
        "person_delete": Page(
            "post",
            lambda c: reverse("person_delete", args=[c["leaver"].pk]),
            _signed_in(NOT_FOUND, org_admin=REDIRECT),
            data={"confirm": "on"},
            done=lambda c: services.is_former_member(User.objects.get(pk=c["leaver"].pk)),
        ),
        "audit_list": Page("get", lambda c: reverse("audit_list"), _signed_in(NOT_FOUND, org_admin=OK)),
        "data_settings": Page("get", lambda c: reverse("data_settings"), _signed_in(NOT_FOUND, org_admin=OK)),
    }
)


def _data_ctx(team, member) -> dict:
    export = DataExport.objects.create(
        user=member, status=ExportStatus.READY, ready_at=timezone.now(), expires_at=timezone.now() + timedelta(days=7)
    )
    export.file.save("matrix.zip", ContentFile(b"PK\x05\x06" + b"\0" * 18))
    return {
        "export_token": services.data_export_token(export),
        "leaver": MembershipFactory(team=team, user__email="leaver@example.org").user,
        "inactive_person": UserFactory(email="inactive@example.org", is_active=False),
    }


# Named URLs that are not pages of ours: the Django admin's internals (its index is in PAGES).
NOT_IN_MATRIX_NAMESPACES = {"admin"}


def _named_urls(patterns, namespace: str = "") -> set[str]:
    names = set()
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            names |= _named_urls(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            names.add(f"{namespace}{pattern.name}")
    return names


def test_every_named_page_has_a_row():
    names = _named_urls(get_resolver().url_patterns)
    ours = {
        name
        for name in names
        if name == "admin:index" or ":" not in name or name.split(":", 1)[0] not in NOT_IN_MATRIX_NAMESPACES
    }
    assert "admin:index" in names
    missing = ours - set(PAGES) - meetings_matrix.MATRIX - api_matrix.MATRIX
    assert not missing, f"pages without a permission row in PAGES: {sorted(missing)}"
    # A one-to-one's pages have their own matrix (its personas include a co-manager, who must
    # not see another manager's one-to-one): tests/meetings/test_permissions.py.
    assert meetings_matrix.MATRIX <= names
    # The API's endpoints and pages: tests/api/test_permissions.py.
    assert api_matrix.MATRIX <= names
    assert set(PAGES) - {"admin:index"} <= names, "PAGES names a URL that no longer exists"


@pytest.fixture
def ctx(personas, team, other_team, member, teammate, manager):
    """`member`'s commitments and check-ins in `team`: an open commitment and a done one this
    week, a proposal from `manager`, and last week's check-in (asking for support)."""
    last_week = team.current_week().previous()
    checkin = CheckInFactory(member=member, team=team, week=last_week.start, support_requested="Pairing, please")
    return {
        "checkin": checkin,
        "team": team,
        "other_team": other_team,
        "personas": personas,
        "teammate_membership": Membership.objects.get(team=team, user=teammate),
        "invitation": Invitation.objects.create(team=team, email="pending@example.org", invited_by=manager),
        "last_week": last_week,
        "commitment": CommitmentFactory(owner=member, team=team),
        "done_commitment": CommitmentFactory(owner=member, team=team, status=CommitmentStatus.DONE),
        "proposal": CommitmentFactory(owner=member, team=team, created_by=manager, status=CommitmentStatus.PROPOSED),
        # Anonymous feedback to `team`'s managers: a new thread, one the writer agreed to share,
        # and one already shared.
        "feedback": FeedbackThreadFactory(team=team, code=FEEDBACK_CODE),
        "consented_feedback": FeedbackThreadFactory(team=team, publish_consent=True),
        "published_feedback": FeedbackThreadFactory(
            team=team, publish_consent=True, published_gist="Gist", published_answer="Answer", published_on=team.today()
        ),
        **_survey_ctx(team, member),
        **_data_ctx(team, member),
        "own_template": make_template([{"text": "We help.", "kind": "agreement"}], created_by=manager),
        "update": update_services.update_post(author=manager, team=team, title="Matrix news", body="Decided."),
        "value": Value.objects.create(name="Candour", meaning="We say the hard thing kindly."),
        "webhook": WebhookEndpoint.objects.create(name="Matrix", url="https://93.184.215.14/hook", events=["ping"]),
        "channel": TeamChannel.objects.create(team=team, kind="json", name="#matrix", url="https://93.184.215.14/h"),
    }


def _survey_ctx(team, member) -> dict:
    """An open round (only `member` invited), one scheduled for next week, and a closed one with
    enough responses for its results to show."""
    open_round = make_round(team)
    closed_round = make_round(
        team, opens_at=timezone.now() - timedelta(days=20), closes_at=timezone.now() - timedelta(days=13), closed=True
    )
    add_responses(closed_round, team.anonymity_threshold)
    scheduled_round = make_round(
        team,
        opens_at=timezone.now() + timedelta(days=7),
        closes_at=timezone.now() + timedelta(days=14),
        invited=False,
    )
    return {
        "open_round": open_round,
        "survey_token": invite(open_round, member),
        "closed_round": closed_round,
        "scheduled_round": scheduled_round,
    }


ROWS = {**PAGES, **ACTIONS}
MATRIX = [(name, persona, page.expect[persona]) for name, page in ROWS.items() for persona in PERSONAS]


@pytest.mark.parametrize(("name", "persona", "expected"), MATRIX, ids=[f"{n}-{p}-{e}" for n, p, e in MATRIX])
def test_page_access(client, ctx, name, persona, expected):
    page = ROWS[name]
    user = ctx["personas"][persona]
    if user is not None:
        client.force_login(user)
    url = page.url(ctx)
    data = page.data(ctx) if callable(page.data) else page.data

    response = getattr(client, page.method)(url, data)

    if expected == OK:
        assert response.status_code == 200
    elif expected == GONE:
        assert response.status_code == 410
    elif expected == UNAUTHORIZED:
        assert response.status_code == 401
    elif expected == NOT_FOUND:
        assert response.status_code == 404
    elif expected == LOGIN:
        assert response.status_code == 302
        assert response.url.startswith(reverse("login") + "?next=")
    elif expected == ADMIN_LOGIN:
        assert response.status_code == 302
        assert response.url.startswith(reverse("admin:login") + "?next=")
    elif expected == REDIRECT:
        assert response.status_code == 302
        assert not response.url.startswith(reverse("login") + "?next=")
    else:  # pragma: no cover - a typo in the matrix
        pytest.fail(f"unknown outcome {expected}")
    if page.done is not None:
        assert page.done(ctx) is (expected == REDIRECT)


# --- Details the matrix does not show ----------------------------------------------------


@pytest.mark.parametrize(
    ("name", "persona"),
    [
        ("membership_role", "manager"),
        ("membership_remove", "manager"),
        ("invitation_revoke", "manager"),
        ("commitment_add", "member"),
        ("commitment_review", "member"),
        ("commitment_reopen", "member"),
        ("proposal_respond", "member"),
        ("checkin_acknowledge", "manager"),
        ("checkin_support_answered", "manager"),
        ("checkin_reply", "manager"),
        ("commitment_reply", "member"),
    ],
)
def test_actions_refuse_get(client, ctx, name, persona):
    client.force_login(ctx["personas"][persona])
    response = client.get(PAGES[name].url(ctx), PAGES[name].data)
    assert response.status_code == 405
    assert PAGES[name].done(ctx) is False


# --- Commitments: what a teammate sees ---------------------------------------------------------

SECRETS = ["OBSTACLE-7731", "HELP-7731", "NOTE-7731", "LESSON-7731", "DETAILS-7731"]


@pytest.fixture
def reflected(team, member):
    """`member`'s commitments with everything a teammate must not see: details, a reflection,
    a lesson and notes in the history."""
    partly = CommitmentFactory(owner=member, team=team, title="Ship the importer", details="DETAILS-7731")
    services.commitment_review(
        commitment=partly,
        actor=member,
        status=CommitmentStatus.PARTLY_DONE,
        obstacle="OBSTACLE-7731",
        help_wanted="HELP-7731",
        note="NOTE-7731",
    )
    let_go = CommitmentFactory(owner=member, team=team, title="Tidy the wiki")
    services.commitment_review(commitment=let_go, actor=member, status=CommitmentStatus.LET_GO, note="LESSON-7731")
    return {"partly": partly, "let_go": let_go}


@pytest.mark.parametrize("which", ["partly", "let_go"])
def test_teammate_sees_a_summary_of_a_commitment_without_reflection_or_notes(client, teammate, reflected, which):
    commitment = reflected[which]
    client.force_login(teammate)

    response = client.get(reverse("commitment_detail", args=[commitment.pk]))

    assert response.status_code == 200
    assert response.context["access"] == "summary"
    body = response.content.decode()
    assert commitment.title in body
    assert Commitment.objects.get(pk=commitment.pk).get_status_display() in body
    for secret in SECRETS:
        assert secret not in body
    assert not response.context["events"]


@pytest.mark.parametrize("persona", ["member", "manager"])
def test_owner_and_manager_see_the_reflection_and_the_history(client, personas, reflected, persona):
    client.force_login(personas[persona])

    partly = client.get(reverse("commitment_detail", args=[reflected["partly"].pk])).content.decode()
    let_go = client.get(reverse("commitment_detail", args=[reflected["let_go"].pk])).content.decode()

    for secret in ["OBSTACLE-7731", "HELP-7731", "NOTE-7731", "DETAILS-7731"]:
        assert secret in partly
    assert "LESSON-7731" in let_go


def test_teammate_gets_404_for_a_commitment_when_the_team_keeps_them_private(client, team, teammate, reflected):
    team.open_commitments = False
    team.save()
    client.force_login(teammate)
    for commitment in reflected.values():
        assert client.get(reverse("commitment_detail", args=[commitment.pk])).status_code == 404
    # ... and the team page lists none.
    assert client.get(reverse("team_detail", args=[team.slug])).context["commitments"] is None


@pytest.mark.parametrize("status", [CommitmentStatus.PROPOSED, CommitmentStatus.DECLINED])
def test_a_proposal_is_between_the_member_and_their_managers(client, team, member, teammate, manager, status):
    proposal = CommitmentFactory(owner=member, team=team, created_by=manager, status=status, title="Secret plan")
    url = reverse("commitment_detail", args=[proposal.pk])

    client.force_login(teammate)
    assert client.get(url).status_code == 404
    assert "Secret plan" not in client.get(reverse("team_detail", args=[team.slug])).content.decode()
    client.force_login(member)
    assert client.get(url).status_code == 200
    client.force_login(manager)
    assert client.get(url).status_code == 200


def test_a_commitment_is_not_shown_to_a_former_teammate(client, team, teammate, reflected):
    Membership.objects.filter(team=team, user=teammate).delete()
    client.force_login(teammate)
    assert client.get(reverse("commitment_detail", args=[reflected["partly"].pk])).status_code == 404


# --- Weeks and history: only one's own, and the team's managers' view of their people -----------


def test_manager_cannot_open_history_of_someone_from_another_team(client, team, other_team, manager, other_manager):
    client.force_login(manager)
    # other_manager is not in `team`: naming them under `team` finds no one.
    assert client.get(reverse("member_history", args=[team.slug, other_manager.pk])).status_code == 404


def test_manager_cannot_reach_someone_s_history_through_the_team_they_manage(client, other_team, member, other_manager):
    """other_manager manages other_team; member is only in team. Naming member under
    other_team's URL must not work, even though other_manager is a manager there."""
    client.force_login(other_manager)
    assert client.get(reverse("member_history", args=[other_team.slug, member.pk])).status_code == 404


def test_teammate_cannot_open_a_teammate_s_history_but_sees_their_own_through_member_history(
    client, team, member, teammate
):
    client.force_login(teammate)
    assert client.get(reverse("member_history", args=[team.slug, member.pk])).status_code == 404
    assert client.get(reverse("member_history", args=[team.slug, teammate.pk])).status_code == 200


def test_manager_sees_a_member_s_check_ins_and_reflections_in_their_history(client, team, member, manager):
    last_week = team.current_week().previous()
    CheckInFactory(member=member, team=team, week=last_week.start, blockers="BLOCKER-7731")
    CommitmentFactory(
        owner=member, team=team, week=last_week.start, status=CommitmentStatus.NOT_DONE, obstacle="OBSTACLE-7731"
    )
    client.force_login(manager)

    body = client.get(reverse("member_history", args=[team.slug, member.pk])).content.decode()

    assert "BLOCKER-7731" in body
    assert "OBSTACLE-7731" in body


@pytest.mark.parametrize("label", ["2999-W01", "not-a-week", "2026-W54"])
def test_a_future_or_malformed_week_is_404(client, team, member, label):
    client.force_login(member)
    assert client.get(reverse("week", args=[team.slug, label])).status_code == 404


def test_org_admin_gets_404_on_a_team_s_week_pages_but_can_open_the_team(client, team, member, org_admin):
    client.force_login(org_admin)
    assert client.get(reverse("team_detail", args=[team.slug])).status_code == 200
    assert client.get(reverse("this_week", args=[team.slug])).status_code == 404
    assert client.get(reverse("member_history", args=[team.slug, member.pk])).status_code == 404


def test_unknown_team_gets_404_even_for_org_admin(client, org_admin):
    client.force_login(org_admin)
    assert client.get(reverse("team_detail", args=["no-such-team"])).status_code == 404


def test_manager_of_other_team_cannot_reach_a_membership_through_their_own_team(client, ctx, other_manager):
    """The membership id belongs to `team`; naming it under `other_team`'s URL must not work."""
    client.force_login(other_manager)
    membership = ctx["teammate_membership"]
    other = ctx["other_team"].slug
    assert client.post(reverse("membership_role", args=[other, membership.pk]), {"role": "manager"}).status_code == 404
    assert client.post(reverse("membership_remove", args=[other, membership.pk])).status_code == 404
    assert client.post(reverse("invitation_revoke", args=[other, ctx["invitation"].pk])).status_code == 404
    membership.refresh_from_db()
    assert membership.role == Role.MEMBER
    assert Invitation.objects.filter(pk=ctx["invitation"].pk).exists()


def test_member_gets_404_not_403_so_a_team_s_existence_does_not_leak(client, member, other_team):
    client.force_login(member)
    response = client.get(reverse("team_detail", args=[other_team.slug]))
    assert response.status_code == 404
    assert other_team.name not in response.content.decode()


def test_manager_sees_invite_and_settings_links_member_does_not(client, team, member, manager):
    settings_url = reverse("team_settings", args=[team.slug])
    client.force_login(member)
    assert settings_url not in client.get(reverse("team_detail", args=[team.slug])).content.decode()
    client.force_login(manager)
    assert settings_url in client.get(reverse("team_detail", args=[team.slug])).content.decode()


# --- permissions.py ----------------------------------------------------------------------

VIEW = {"member", "teammate", "manager", "org_admin"}
MANAGE = {"manager", "org_admin"}


def _user(personas, persona):
    return personas[persona] or AnonymousUser()


@pytest.mark.parametrize("persona", PERSONAS)
def test_can_view_team(personas, team, persona):
    assert permissions.can_view_team(_user(personas, persona), team) is (persona in VIEW)


@pytest.mark.parametrize("persona", PERSONAS)
def test_can_manage_team(personas, team, persona):
    assert permissions.can_manage_team(_user(personas, persona), team) is (persona in MANAGE)


@pytest.mark.parametrize("persona", PERSONAS)
def test_can_create_team(personas, persona):
    assert permissions.can_create_team(_user(personas, persona)) is (persona == "org_admin")


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("anonymous", None),
        ("member", Role.MEMBER),
        ("manager", Role.MANAGER),
        ("other_manager", None),
        ("outsider", None),
        ("org_admin", None),  # staff manage every team without being in it
    ],
)
def test_role_in(personas, team, persona, expected):
    assert permissions.role_in(_user(personas, persona), team) == expected


def test_role_in_uses_the_role_annotated_by_the_selector(personas, team, django_assert_num_queries):
    manager = personas["manager"]
    annotated = selectors.teams_for_user(manager).get(pk=team.pk)
    with django_assert_num_queries(0):
        assert permissions.role_in(manager, annotated) == Role.MANAGER
        assert permissions.can_manage_team(manager, annotated) is True


def test_a_demoted_manager_can_no_longer_manage(team, manager):
    MembershipFactory(team=team, role=Role.MANAGER)  # someone else keeps the team managed
    Membership.objects.filter(team=team, user=manager).update(role=Role.MEMBER)
    assert permissions.can_manage_team(manager, team) is False
    assert permissions.can_view_team(manager, team) is True


def test_an_inactive_user_is_not_signed_in(client, member, team):
    member.is_active = False
    member.save()
    client.force_login(member)
    response = client.get(reverse("team_detail", args=[team.slug]))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_role_in_never_uses_the_role_annotated_for_someone_else(personas, team):
    annotated_for_manager = selectors.teams_with_viewer_role(personas["manager"]).get(pk=team.pk)
    assert permissions.role_in(personas["member"], annotated_for_manager) == Role.MEMBER
    assert permissions.can_manage_team(personas["member"], annotated_for_manager) is False
    assert permissions.can_view_team(personas["other_manager"], annotated_for_manager) is False
