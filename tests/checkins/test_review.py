"""A manager reviews a check-in: acknowledges it, marks its support request answered and
replies in its thread (or a commitment's); the member answers back and sees the replies on
their week page; one email per batch of replies. Services directly, pages through the test
client, with and without htmx, for every persona."""

import html as html_lib
from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import strip_tags

from accountability.models import Commitment, CommitmentStatus, OutboundEmail, Role
from accountability.weeks import Week
from checkins import services
from checkins.models import CheckIn, Comment

from ..factories import CheckInFactory, CommitmentFactory, MembershipFactory

# ISO week 2026-W11 runs Mon 9 – Sun 15 March; the `team` fixture is in London (GMT then).
# Wednesday 10:00 UTC is the start of a reply-batch window (they are 15 minutes long).
WEEK = Week(date(2026, 3, 9))
NOW = datetime(2026, 3, 11, 10, 0, tzinfo=UTC)
SUBMITTED = datetime(2026, 3, 10, 17, 30, tzinfo=UTC)

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def frozen(time_machine):
    time_machine.move_to(NOW, tick=False)
    return time_machine


@pytest.fixture
def checkin(team, member) -> CheckIn:
    return CheckInFactory(
        member=member,
        team=team,
        week=WEEK.start,
        mood=2,
        highlights="HIGHLIGHT-4410",
        blockers="BLOCKER-4410",
        support_requested="SUPPORT-4410",
        submitted_at=SUBMITTED,
        updated_at=SUBMITTED,
    )


@pytest.fixture
def commitment(team, member) -> Commitment:
    return CommitmentFactory(owner=member, team=team, week=WEEK.start, title="Ship the importer")


def _reply(*, author, body="Thanks, that helps", checkin=None, commitment=None, at=None) -> Comment:
    return services.comment_add(author=author, body=body, checkin=checkin, commitment=commitment, now=at)


def _fresh(checkin: CheckIn) -> CheckIn:
    return CheckIn.objects.get(pk=checkin.pk)


def _detail(checkin: CheckIn) -> str:
    return reverse("checkin_detail", args=[checkin.pk])


def _text(response) -> str:
    """The page as a reader sees it: no tags, entities decoded, whitespace collapsed."""
    return " ".join(html_lib.unescape(strip_tags(response.content.decode())).split())


# --- Acknowledging -------------------------------------------------------------------------


def test_it_records_who_acknowledged_and_the_time_to_acknowledge(checkin, manager):
    services.checkin_acknowledge(checkin=checkin, actor=manager)

    checkin = _fresh(checkin)
    assert checkin.acknowledged_at == NOW
    assert checkin.acknowledged_by == manager
    assert checkin.acknowledged_at - checkin.submitted_at == timedelta(hours=16, minutes=30)


def test_the_first_acknowledgement_wins(team, checkin, manager, frozen):
    second_manager = MembershipFactory(team=team, role=Role.MANAGER).user
    services.checkin_acknowledge(checkin=checkin, actor=manager)
    frozen.shift(timedelta(hours=3))

    services.checkin_acknowledge(checkin=checkin, actor=manager)
    services.checkin_acknowledge(checkin=_fresh(checkin), actor=second_manager)

    checkin = _fresh(checkin)
    assert checkin.acknowledged_at == NOW
    assert checkin.acknowledged_by == manager


@pytest.mark.parametrize("persona", ["member", "teammate", "other_manager", "outsider", "org_admin"])
def test_only_the_team_s_managers_acknowledge(personas, checkin, persona):
    with pytest.raises(ValidationError):
        services.checkin_acknowledge(checkin=checkin, actor=personas[persona])
    with pytest.raises(ValidationError):
        services.support_mark_answered(checkin=checkin, actor=personas[persona])
    checkin = _fresh(checkin)
    assert checkin.acknowledged_at is None
    assert checkin.support_answered_at is None


def test_a_manager_does_not_acknowledge_their_own_check_in(team, manager):
    own = CheckInFactory(member=manager, team=team, week=WEEK.start, support_requested="Time to plan")
    with pytest.raises(ValidationError, match="another of the team's managers"):
        services.checkin_acknowledge(checkin=own, actor=manager)
    with pytest.raises(ValidationError):
        services.support_mark_answered(checkin=own, actor=manager)
    # Their own reply in the thread is the member answering: no acknowledgement, and no email
    # (the team's other managers would hear of it; there are none).
    _reply(author=manager, checkin=own)
    services.replies_dispatch(now=AFTER_WINDOW)
    assert _fresh(own).acknowledged_at is None
    assert not OutboundEmail.objects.exists()


def test_support_answered_is_recorded_once(checkin, manager, frozen):
    services.support_mark_answered(checkin=checkin, actor=manager)
    frozen.shift(timedelta(days=1))
    services.support_mark_answered(checkin=checkin, actor=manager)

    checkin = _fresh(checkin)
    assert checkin.support_answered_at == NOW
    assert checkin.support_answered_by == manager
    assert checkin.acknowledged_at is None  # answering support is its own thing


def test_support_cannot_be_marked_answered_when_none_was_asked_for(team, member, manager):
    quiet = CheckInFactory(member=member, team=team, week=WEEK.start, support_requested="")
    with pytest.raises(ValidationError, match="doesn't ask for support"):
        services.support_mark_answered(checkin=quiet, actor=manager)


# --- Replies ---------------------------------------------------------------------------------


def test_a_manager_s_reply_acknowledges_the_check_in(checkin, manager):
    comment = _reply(author=manager, checkin=checkin)

    checkin = _fresh(checkin)
    assert checkin.acknowledged_at == comment.created_at == NOW
    assert checkin.acknowledged_by == manager
    assert (comment.team, comment.member, comment.checkin, comment.commitment) == (
        checkin.team,
        checkin.member,
        checkin,
        None,
    )


def test_a_reply_does_not_move_an_earlier_acknowledgement(checkin, manager, frozen):
    services.checkin_acknowledge(checkin=checkin, actor=manager)
    frozen.shift(timedelta(hours=2))
    _reply(author=manager, checkin=checkin)
    assert _fresh(checkin).acknowledged_at == NOW


def test_the_member_s_answer_does_not_acknowledge_and_emails_only_the_managers(checkin, member, manager):
    _reply(author=member, checkin=checkin, body="Thanks!")
    services.replies_dispatch(now=AFTER_WINDOW)
    assert _fresh(checkin).acknowledged_at is None
    assert _emails() == [("replies_from_members", "manager@example.org")]


def test_a_reply_on_a_commitment_does_not_acknowledge_a_check_in(checkin, commitment, manager):
    _reply(author=manager, commitment=commitment)
    assert _fresh(checkin).acknowledged_at is None
    assert Comment.objects.get().commitment == commitment


@pytest.mark.parametrize("persona", ["teammate", "other_manager", "outsider", "org_admin"])
def test_only_the_member_and_the_team_s_managers_reply(personas, checkin, commitment, persona):
    with pytest.raises(ValidationError):
        _reply(author=personas[persona], checkin=checkin)
    with pytest.raises(ValidationError):
        _reply(author=personas[persona], commitment=commitment)
    assert not Comment.objects.exists()


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("", "Write a reply first."),
        ("   \n\t ", "Write a reply first."),
        ("x" * 4001, "Keep a reply to 4,000 characters (this one has 4,001)."),
    ],
)
def test_an_empty_or_over_long_reply_is_refused(checkin, manager, body, message):
    with pytest.raises(ValidationError) as caught:
        _reply(author=manager, checkin=checkin, body=body)
    assert caught.value.message_dict == {"body": [message]}
    assert not Comment.objects.exists()
    assert _fresh(checkin).acknowledged_at is None


def test_a_reply_of_exactly_4000_characters_is_fine(checkin, manager):
    assert len(_reply(author=manager, checkin=checkin, body="y" * 4000).body) == 4000


def test_a_reply_belongs_to_exactly_one_thread(checkin, commitment, manager):
    with pytest.raises(ValueError):
        services.comment_add(author=manager, body="Hi", checkin=checkin, commitment=commitment)
    with pytest.raises(ValueError):
        services.comment_add(author=manager, body="Hi")


# --- One email per batch of replies ----------------------------------------------------------
# Written by the dispatcher once the window is over (test_reply_emails.py has the rest); NOW
# starts a window.

WINDOW_ENDS = NOW + timedelta(minutes=services.REPLY_BATCH_MINUTES)
AFTER_WINDOW = WINDOW_ENDS + services.REPLY_BATCH_SETTLE


def _emails() -> list[tuple[str, str]]:
    return sorted(OutboundEmail.objects.values_list("kind", "to_email"))


def test_replies_within_a_window_are_one_email_sent_when_it_ends(checkin, commitment, member, manager, frozen):
    _reply(author=manager, checkin=checkin, at=NOW + timedelta(minutes=2))
    _reply(author=manager, commitment=commitment, at=NOW + timedelta(minutes=9))
    frozen.move_to(AFTER_WINDOW - timedelta(seconds=1))
    assert services.replies_dispatch() == 0  # not yet: a late commit may still join the window
    assert not OutboundEmail.objects.exists()

    frozen.move_to(AFTER_WINDOW)
    assert services.replies_dispatch() == 1

    email = OutboundEmail.objects.get()
    assert email.kind == "replies"
    assert email.recipient == member
    assert email.to_email == member.email
    assert email.next_attempt_at == AFTER_WINDOW
    assert email.subject == "Mona Manager replied to you in Platform"
    week_url = "http://testserver" + reverse("this_week", args=["platform"])
    assert week_url in email.body_text
    assert f'href="{week_url}"' in email.body_html


def test_a_reply_in_the_next_window_is_a_second_email(checkin, member, team, manager):
    _reply(author=manager, checkin=checkin, at=NOW + timedelta(minutes=14, seconds=59))
    _reply(author=manager, checkin=checkin, at=NOW + timedelta(minutes=15))
    _reply(author=manager, checkin=checkin, at=NOW + timedelta(minutes=29))
    first = services.reply_window(NOW)

    assert services.replies_dispatch(now=AFTER_WINDOW) == 1
    assert services.replies_dispatch(now=AFTER_WINDOW + timedelta(minutes=15)) == 1

    assert sorted(OutboundEmail.objects.values_list("dedupe_key", flat=True)) == [
        f"replies:{member.pk}:{team.pk}:{first}",
        f"replies:{member.pk}:{team.pk}:{first + 1}",
    ]


def test_two_managers_replying_in_one_window_still_send_one_email(team, checkin, manager):
    second_manager = MembershipFactory(team=team, role=Role.MANAGER, user__display_name="Sam Second").user
    _reply(author=manager, checkin=checkin)
    _reply(author=second_manager, checkin=checkin, at=NOW + timedelta(minutes=1))
    _reply(author=manager, checkin=checkin, at=NOW + timedelta(minutes=2))

    services.replies_dispatch(now=AFTER_WINDOW)

    email = OutboundEmail.objects.get()
    # Everyone who replied, in the order they first wrote, not only the first of them.
    assert email.subject == "Mona Manager and Sam Second replied to you in Platform"
    assert "Mona Manager and Sam Second replied to your check-in" in email.body_text
    assert "Mona Manager and Sam Second replied to your check-in" in email.body_html


def test_each_member_gets_their_own_email(team, checkin, teammate, manager):
    theirs = CheckInFactory(member=teammate, team=team, week=WEEK.start)
    _reply(author=manager, checkin=checkin)
    _reply(author=manager, checkin=theirs)
    services.replies_dispatch(now=AFTER_WINDOW)
    assert sorted(OutboundEmail.objects.values_list("to_email", flat=True)) == [
        "member@example.org",
        "teammate@example.org",
    ]


def test_the_member_s_own_answers_send_them_nothing_and_tell_their_manager(checkin, commitment, member, manager):
    _reply(author=member, checkin=checkin)
    _reply(author=member, commitment=commitment)
    assert not OutboundEmail.objects.exists()

    services.replies_dispatch(now=AFTER_WINDOW)

    assert _emails() == [("replies_from_members", "manager@example.org")]


def test_a_refused_reply_sends_nothing(checkin, manager, teammate):
    with pytest.raises(ValidationError):
        _reply(author=manager, checkin=checkin, body=" ")
    with pytest.raises(ValidationError):
        _reply(author=teammate, checkin=checkin)
    services.replies_dispatch(now=AFTER_WINDOW)
    assert not OutboundEmail.objects.exists()


# --- Seen -------------------------------------------------------------------------------------


def test_mark_seen_marks_only_others_replies_written_before_the_page_read_them(
    team, checkin, commitment, member, manager
):
    shown = _reply(author=manager, checkin=checkin, at=NOW - timedelta(minutes=5))
    on_commitment = _reply(author=manager, commitment=commitment, at=NOW - timedelta(minutes=4))
    own = _reply(author=member, checkin=checkin, at=NOW - timedelta(minutes=3))
    later = _reply(author=manager, checkin=checkin, at=NOW + timedelta(seconds=1))

    marked = services.comments_mark_seen(member=member, team=team, shown_at=NOW)

    assert marked == 2
    seen = dict(Comment.objects.values_list("pk", "seen_at"))
    assert seen[shown.pk] == seen[on_commitment.pk] == NOW
    assert seen[own.pk] is None  # the member's own words are never "new" to them
    assert seen[later.pk] is None  # written after the page was read: still new
    assert services.comments_mark_seen(member=member, team=team, shown_at=NOW) == 0


def test_mark_seen_with_ids_marks_only_the_replies_the_page_showed(
    team, checkin, member, manager, django_assert_num_queries
):
    shown = _reply(author=manager, checkin=checkin, at=NOW - timedelta(minutes=5))
    # Written before the page read its replies but committed after: not on the page.
    unseen = _reply(author=manager, checkin=checkin, at=NOW - timedelta(minutes=4))

    marked = services.comments_mark_seen(member=member, team=team, shown_at=NOW, ids=[shown.pk])

    assert marked == 1
    seen = dict(Comment.objects.values_list("pk", "seen_at"))
    assert seen[shown.pk] == NOW
    assert seen[unseen.pk] is None
    with django_assert_num_queries(0):
        assert services.comments_mark_seen(member=member, team=team, shown_at=NOW, ids=[]) == 0


# --- The check-in page -----------------------------------------------------------------------


def test_the_manager_sees_the_check_in_the_week_s_commitments_and_the_thread(
    client, team, checkin, member, manager, teammate
):
    last_week = WEEK.previous()
    made = CommitmentFactory(
        owner=member,
        team=team,
        week=WEEK.start,
        title="Write the migration",
        status=CommitmentStatus.PARTLY_DONE,
        obstacle="OBSTACLE-4410",
        help_wanted="HELP-4410",
    )
    carried_and_reviewed = CommitmentFactory(
        owner=member,
        team=team,
        week=last_week.start,
        title="Fix the flaky test",
        status=CommitmentStatus.LET_GO,
        lesson="LESSON-4410",
        resolved_on=date(2026, 3, 10),
    )
    CommitmentFactory(owner=member, team=team, week=last_week.start, title="Last week's, settled then")
    CommitmentFactory(owner=member, team=team, week=WEEK.start, title="Proposed", status=CommitmentStatus.PROPOSED)
    CommitmentFactory(owner=teammate, team=team, week=WEEK.start, title="The teammate's own")
    _reply(author=manager, commitment=made, body="How can I help?")
    _reply(author=manager, checkin=checkin, body="REPLY-4410")
    _reply(author=member, checkin=checkin, body="ANSWER-4410")
    client.force_login(manager)

    response = client.get(_detail(checkin))

    assert response.status_code == 200
    html = response.content.decode()
    for text in ["HIGHLIGHT-4410", "BLOCKER-4410", "SUPPORT-4410", "2 · Low", "Mia Member's check-in"]:
        assert text in html
    assert [c.title for c in response.context["review"].commitments] == ["Fix the flaky test", "Write the migration"]
    for text in ["OBSTACLE-4410", "HELP-4410", "LESSON-4410", "made in week 10, reviewed this week", "1 reply"]:
        assert text in html
    assert [c.body for c in response.context["thread"]] == ["REPLY-4410", "ANSWER-4410"]
    assert html.index("REPLY-4410") < html.index("ANSWER-4410")
    assert carried_and_reviewed.pk in [c.pk for c in response.context["review"].commitments]
    # Acknowledged by the reply; support still to answer.
    assert "Acknowledged" in html
    assert "Mark support answered" in html
    assert reverse("checkin_reply", args=[checkin.pk]) in html


def test_an_unacknowledged_check_in_offers_the_buttons_to_a_manager_only(client, checkin, member, manager):
    client.force_login(manager)
    html = client.get(_detail(checkin)).content.decode()
    assert reverse("checkin_acknowledge", args=[checkin.pk]) in html
    assert reverse("checkin_support_answered", args=[checkin.pk]) in html

    client.force_login(member)
    html = client.get(_detail(checkin)).content.decode()
    assert "Your check-in" in html
    assert reverse("checkin_acknowledge", args=[checkin.pk]) not in html
    assert reverse("checkin_support_answered", args=[checkin.pk]) not in html
    assert reverse("checkin_reply", args=[checkin.pk]) in html  # the member answers back
    assert "Not acknowledged yet." in html


def test_no_support_button_without_a_support_request(client, team, member, manager):
    quiet = CheckInFactory(member=member, team=team, week=WEEK.start, support_requested="")
    client.force_login(manager)
    html = client.get(_detail(quiet)).content.decode()
    assert reverse("checkin_support_answered", args=[quiet.pk]) not in html


def test_the_acknowledgement_shows_the_time_it_took(client, checkin, member, manager):
    services.checkin_acknowledge(checkin=checkin, actor=manager)
    client.force_login(member)
    text = _text(client.get(_detail(checkin)))
    assert "Acknowledged by Mona Manager on Wed 11 Mar, 10:00, 16 hours, 30 minutes after it was sent" in text


def test_a_manager_s_own_check_in_has_no_acknowledge_button_and_404s_the_action(client, team, manager):
    own = CheckInFactory(member=manager, team=team, week=WEEK.start, support_requested="Time to plan")
    client.force_login(manager)
    html = client.get(_detail(own)).content.decode()
    assert reverse("checkin_acknowledge", args=[own.pk]) not in html
    assert client.post(reverse("checkin_acknowledge", args=[own.pk])).status_code == 404
    assert client.post(reverse("checkin_support_answered", args=[own.pk])).status_code == 404
    assert _fresh(own).acknowledged_at is None


def test_an_unknown_check_in_is_404(client, manager):
    client.force_login(manager)
    assert client.get(reverse("checkin_detail", args=[999_999])).status_code == 404


# --- Acknowledge and support, with and without htmx --------------------------------------------


def test_acknowledge_without_javascript_redirects_with_a_kind_word(client, checkin, manager):
    client.force_login(manager)

    response = client.post(reverse("checkin_acknowledge", args=[checkin.pk]), follow=True)

    assert response.redirect_chain == [(_detail(checkin), 302)]
    assert "Acknowledged. Mia Member will see that you've read it." in _text(response)
    assert _fresh(checkin).acknowledged_by == manager


def test_a_second_click_says_it_was_already_acknowledged(client, team, checkin, manager, frozen):
    second_manager = MembershipFactory(team=team, role=Role.MANAGER, user__display_name="Sam Second").user
    services.checkin_acknowledge(checkin=checkin, actor=manager)
    frozen.shift(timedelta(hours=1))
    client.force_login(second_manager)

    response = client.post(reverse("checkin_acknowledge", args=[checkin.pk]), follow=True)

    assert "Mona Manager had already acknowledged it." in _text(response)
    assert _fresh(checkin).acknowledged_at == NOW


def test_acknowledge_with_htmx_returns_the_status_block(client, checkin, manager):
    client.force_login(manager)

    response = client.post(reverse("checkin_acknowledge", args=[checkin.pk]), **HTMX)

    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html
    assert 'id="checkin-status"' in html
    assert "Acknowledged by you on Wed 11 Mar, 10:00" in _text(response)
    assert reverse("checkin_acknowledge", args=[checkin.pk]) not in html  # the button is gone
    assert "Mark support answered" in html  # ...the other one stays


def test_support_answered_with_and_without_htmx(client, team, member, checkin, manager):
    client.force_login(manager)

    response = client.post(reverse("checkin_support_answered", args=[checkin.pk]), **HTMX)

    assert response.status_code == 200
    text = _text(response)
    assert "Support answered by you" in text
    assert "Mark support answered" not in text

    other = CheckInFactory(member=member, team=team, week=WEEK.previous().start, support_requested="A hand")
    response = client.post(reverse("checkin_support_answered", args=[other.pk]), follow=True)
    assert response.redirect_chain == [(_detail(other), 302)]
    assert "Marked as answered." in response.content.decode()
    assert _fresh(other).support_answered_by == manager


def test_support_answered_without_a_request_is_a_message_not_an_error(client, team, member, manager):
    quiet = CheckInFactory(member=member, team=team, week=WEEK.start, support_requested="")
    client.force_login(manager)
    response = client.post(reverse("checkin_support_answered", args=[quiet.pk]), follow=True)
    assert response.status_code == 200
    assert "doesn't ask for support" in _text(response)
    assert _fresh(quiet).support_answered_at is None


# --- Replying on the check-in page -------------------------------------------------------------


def test_a_manager_replies_without_javascript(client, checkin, member, manager):
    client.force_login(manager)

    response = client.post(reverse("checkin_reply", args=[checkin.pk]), {"body": "  Let's pair on Thursday.  "})

    assert response.status_code == 302
    assert response.url == _detail(checkin) + "#replies"
    comment = Comment.objects.get()
    assert (comment.author, comment.member, comment.body) == (manager, member, "Let's pair on Thursday.")
    assert _fresh(checkin).acknowledged_by == manager
    services.replies_dispatch(now=AFTER_WINDOW)
    assert OutboundEmail.objects.get().recipient == member
    page = _text(client.get(response.url))
    assert "Let's pair on Thursday." in page
    assert "Reply sent. Mia Member gets one email for replies written close together." in page


def test_the_member_answers_back_in_the_same_thread(client, checkin, member, manager):
    _reply(author=manager, checkin=checkin, body="How can I help?")
    client.force_login(member)

    response = client.post(reverse("checkin_reply", args=[checkin.pk]), {"body": "Pairing would help."}, follow=True)

    assert response.status_code == 200
    assert [c.body for c in response.context["thread"]] == ["How can I help?", "Pairing would help."]
    assert "Reply sent. Your manager will see it here." in _text(response)
    services.replies_dispatch(now=AFTER_WINDOW)
    # The manager's reply (not seen on the week page yet) to her, her answer to her manager.
    assert _emails() == [("replies", "member@example.org"), ("replies_from_members", "manager@example.org")]


def test_an_htmx_reply_returns_the_thread_and_the_acknowledgement(client, checkin, manager):
    client.force_login(manager)

    response = client.post(reverse("checkin_reply", args=[checkin.pk]), {"body": "Seen, thank you."}, **HTMX)

    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html
    assert 'id="replies"' in html
    assert "Seen, thank you." in html
    assert 'id="checkin-status"' in html
    assert 'hx-swap-oob="true"' in html
    assert "Acknowledged" in html
    assert "></textarea>" in html  # a fresh, empty form for the next reply


@pytest.mark.parametrize(
    ("body", "message", "kept"),
    [
        ("", "Write a reply first.", ""),
        ("   ", "Write a reply first.", ""),
        ("z" * 4001, "Keep a reply to 4,000 characters (this one has 4,001).", "z" * 4001),
        ("Before\x00after", "Null characters are not allowed.", None),
    ],
)
@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_a_bad_reply_is_explained_and_the_typed_text_kept(client, checkin, manager, body, message, kept, htmx):
    client.force_login(manager)

    response = client.post(reverse("checkin_reply", args=[checkin.pk]), {"body": body}, **(HTMX if htmx else {}))

    assert response.status_code == 422
    html = response.content.decode()
    assert ("<html" in html) is not htmx
    assert message in html
    if kept:
        assert f">{kept}</textarea>" in html
    assert 'aria-invalid="true"' in html
    assert not Comment.objects.exists()
    assert _fresh(checkin).acknowledged_at is None
    assert not OutboundEmail.objects.exists()


# --- Replies on a commitment -------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["member", "manager"])
def test_owner_and_manager_read_and_write_a_commitment_s_thread(client, personas, commitment, manager, persona):
    _reply(author=manager, commitment=commitment, body="THREAD-4410")
    client.force_login(personas[persona])

    html = client.get(reverse("commitment_detail", args=[commitment.pk])).content.decode()
    assert "THREAD-4410" in html
    assert reverse("commitment_reply", args=[commitment.pk]) in html

    response = client.post(reverse("commitment_reply", args=[commitment.pk]), {"body": f"From the {persona}"})
    assert response.status_code == 302
    assert response.url == reverse("commitment_detail", args=[commitment.pk]) + "#replies"
    assert Comment.objects.filter(commitment=commitment, body=f"From the {persona}").exists()


def test_a_teammate_never_sees_a_commitment_s_thread(client, commitment, member, manager, teammate):
    _reply(author=manager, commitment=commitment, body="THREAD-4410")
    _reply(author=member, commitment=commitment, body="ANSWER-4410")
    client.force_login(teammate)

    response = client.get(reverse("commitment_detail", args=[commitment.pk]))

    assert response.status_code == 200  # the summary the team shares
    html = response.content.decode()
    assert "THREAD-4410" not in html
    assert "ANSWER-4410" not in html
    assert response.context["thread"] is None
    assert reverse("commitment_reply", args=[commitment.pk]) not in html
    assert client.post(reverse("commitment_reply", args=[commitment.pk]), {"body": "Hi"}).status_code == 404
    assert Comment.objects.count() == 2


def test_a_manager_s_reply_on_a_commitment_emails_the_owner(client, commitment, member, manager, frozen):
    client.force_login(manager)
    client.post(reverse("commitment_reply", args=[commitment.pk]), {"body": "Nice progress"})
    frozen.move_to(AFTER_WINDOW)
    services.replies_dispatch()
    email = OutboundEmail.objects.get()
    assert email.recipient == member
    assert email.next_attempt_at == AFTER_WINDOW


def test_a_bad_commitment_reply_renders_the_page_again_with_the_text(client, commitment, manager):
    client.force_login(manager)
    long_text = "w" * 4001

    response = client.post(reverse("commitment_reply", args=[commitment.pk]), {"body": long_text})

    assert response.status_code == 422
    html = response.content.decode()
    assert "Ship the importer" in html  # the whole commitment page
    assert "this one has 4,001" in html
    assert f">{long_text}</textarea>" in html
    assert not Comment.objects.exists()


def test_an_htmx_commitment_reply_returns_the_thread(client, commitment, member):
    client.force_login(member)

    response = client.post(reverse("commitment_reply", args=[commitment.pk]), {"body": "Done by Friday"}, **HTMX)

    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html
    assert 'id="replies"' in html
    assert "Done by Friday" in html

    response = client.post(reverse("commitment_reply", args=[commitment.pk]), {"body": ""}, **HTMX)
    assert response.status_code == 422
    assert "Write a reply first." in response.content.decode()


# --- The member's week page ------------------------------------------------------------------


def test_the_member_sees_new_replies_highlighted_once(client, team, checkin, commitment, member, manager):
    _reply(author=manager, checkin=checkin, body="CHECKIN-REPLY-4410", at=NOW - timedelta(hours=1))
    _reply(author=member, checkin=checkin, body="MY-ANSWER-4410", at=NOW - timedelta(minutes=50))
    _reply(author=manager, commitment=commitment, body="COMMITMENT-REPLY-4410", at=NOW - timedelta(minutes=40))
    client.force_login(member)
    url = reverse("this_week", args=[team.slug])

    response = client.get(url)

    html = response.content.decode()
    view = response.context["view"]
    assert [r.body for r in view.checkin_thread] == ["CHECKIN-REPLY-4410", "MY-ANSWER-4410"]
    assert [r.body for r in next(c for c in view.commitments if c.pk == commitment.pk).thread] == [
        "COMMITMENT-REPLY-4410"
    ]
    assert view.new_reply_count == 2
    assert "2 new replies for you" in html
    assert html.count(">New</span>") == 2
    assert html.count("reply-new") == 2
    assert reverse("checkin_detail", args=[checkin.pk]) + "#replies" in html
    assert reverse("commitment_detail", args=[commitment.pk]) + "#replies" in html
    assert not Comment.objects.filter(seen_at__isnull=True).exclude(author=member).exists()

    again = client.get(url).content.decode()
    assert "CHECKIN-REPLY-4410" in again
    assert "COMMITMENT-REPLY-4410" in again
    assert "reply-new" not in again
    assert "new repl" not in again


def test_a_past_week_page_shows_its_threads_too(client, team, member, manager):
    past = WEEK.previous()
    old_checkin = CheckInFactory(member=member, team=team, week=past.start)
    _reply(author=manager, checkin=old_checkin, body="OLD-REPLY-4410")
    client.force_login(member)

    response = client.get(reverse("week", args=[team.slug, past.label]))

    assert [r.body for r in response.context["view"].checkin_thread] == ["OLD-REPLY-4410"]
    assert "reply-new" in response.content.decode()
    assert Comment.objects.get().seen_at == NOW


def test_new_replies_elsewhere_are_listed_on_this_week(client, team, member, manager):
    """A reply on an earlier week's check-in or on a commitment long settled is not on this
    week's page: it is listed under "New replies on earlier weeks", so marking it seen is true."""
    earlier = Week(WEEK.start - timedelta(weeks=3))
    old_checkin = CheckInFactory(member=member, team=team, week=earlier.start)
    old_commitment = CommitmentFactory(
        owner=member, team=team, week=earlier.start, status=CommitmentStatus.DONE, title="Old and done"
    )
    _reply(author=manager, checkin=old_checkin, body="ELSEWHERE-1", at=NOW - timedelta(hours=2))
    _reply(author=manager, commitment=old_commitment, body="ELSEWHERE-2", at=NOW - timedelta(hours=1))
    seen_before = _reply(author=manager, commitment=old_commitment, body="SEEN-BEFORE", at=NOW - timedelta(days=3))
    Comment.objects.filter(pk=seen_before.pk).update(seen_at=NOW - timedelta(days=2))
    client.force_login(member)

    response = client.get(reverse("this_week", args=[team.slug]))

    html = response.content.decode()
    assert [r.body for r in response.context["view"].other_new_replies] == ["ELSEWHERE-1", "ELSEWHERE-2"]
    assert "New replies on earlier weeks" in html
    assert "your check-in for week 8" in html
    assert "“Old and done”" in html
    assert "SEEN-BEFORE" not in html
    assert not Comment.objects.filter(seen_at__isnull=True).exists()


def test_the_member_sees_who_acknowledged(client, team, checkin, member, manager):
    services.checkin_acknowledge(checkin=checkin, actor=manager)
    services.support_mark_answered(checkin=checkin, actor=manager)
    client.force_login(member)
    text = _text(client.get(reverse("this_week", args=[team.slug])))
    assert "Seen by Mona Manager, Wed 11 Mar, 10:00. Your support request is marked answered." in text


def test_the_week_pages_of_others_never_show_someone_s_replies(client, team, checkin, member, teammate, manager):
    _reply(author=manager, checkin=checkin, body="PRIVATE-4410")
    client.force_login(teammate)
    assert "PRIVATE-4410" not in client.get(reverse("this_week", args=[team.slug])).content.decode()
    client.force_login(manager)
    assert "PRIVATE-4410" not in client.get(reverse("this_week", args=[team.slug])).content.decode()
    assert Comment.objects.get().seen_at is None  # only the member's own visit marks it seen


def test_an_htmx_review_keeps_the_commitment_s_thread(client, commitment, member, manager):
    _reply(author=manager, commitment=commitment, body="KEEP-ME-4410")
    client.force_login(member)

    response = client.post(reverse("commitment_review", args=[commitment.pk]), {"status": "done"}, **HTMX)

    assert response.status_code == 200
    assert "KEEP-ME-4410" in response.content.decode()


def test_a_manager_opens_a_check_in_from_someone_s_history(client, team, member, manager):
    past = CheckInFactory(member=member, team=team, week=WEEK.previous().start)
    client.force_login(manager)
    html = client.get(reverse("member_history", args=[team.slug, member.pk])).content.decode()
    assert reverse("checkin_detail", args=[past.pk]) in html


# --- Who may do what: every persona, with and without htmx ---------------------------------------

PERSONAS = ["anonymous", "member", "teammate", "manager", "other_manager", "outsider", "org_admin"]
VIEWERS = {"member", "manager"}


def _effects(checkin: CheckIn) -> tuple:
    checkin = _fresh(checkin)
    return (
        checkin.acknowledged_at,
        checkin.support_answered_at,
        Comment.objects.count(),
        OutboundEmail.objects.count(),
    )


ACTIONS = {
    # name: (url name, target, POST data, who may)
    "acknowledge": ("checkin_acknowledge", "checkin", {}, {"manager"}),
    "support": ("checkin_support_answered", "checkin", {}, {"manager"}),
    "reply": ("checkin_reply", "checkin", {"body": "Hello"}, VIEWERS),
    "commitment_reply": ("commitment_reply", "commitment", {"body": "Hello"}, VIEWERS),
}


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_check_in_page_for_each_persona(client, personas, checkin, persona):
    _reply(author=personas["manager"], checkin=checkin, body="THREAD-4410")
    if personas[persona]:
        client.force_login(personas[persona])

    response = client.get(_detail(checkin))

    if persona == "anonymous":
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))
    elif persona in VIEWERS:
        assert response.status_code == 200
        assert "THREAD-4410" in response.content.decode()
    else:
        assert response.status_code == 404
        assert "THREAD-4410" not in response.content.decode()
        assert "SUPPORT-4410" not in response.content.decode()


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("action", list(ACTIONS))
def test_actions_change_something_only_when_allowed(client, personas, checkin, commitment, action, persona, htmx):
    url_name, target, data, allowed = ACTIONS[action]
    obj = checkin if target == "checkin" else commitment
    if personas[persona]:
        client.force_login(personas[persona])
    before = _effects(checkin)

    response = client.post(reverse(url_name, args=[obj.pk]), data, **(HTMX if htmx else {}))

    if persona == "anonymous":
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))
    elif persona in allowed:
        assert response.status_code == (200 if htmx else 302)
    else:
        assert response.status_code == 404
    assert (_effects(checkin) != before) is (persona in allowed)


# --- Queries ------------------------------------------------------------------------------------

# The session, the user and the switcher's teams; the check-in with its team, member,
# acknowledger and the viewer's role; the week's commitments with their reply counts; the thread;
# the questions asked that week (and their answers, once it asks beyond the default set).
CHECKIN_DETAIL_QUERIES = 7


def _count(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize("persona", ["member", "manager"])
def test_the_check_in_page_does_not_grow_with_its_thread(
    client, team, personas, checkin, member, manager, persona, django_assert_max_num_queries
):
    client.force_login(personas[persona])
    url = _detail(checkin)
    _reply(author=manager, checkin=checkin)
    CommitmentFactory(owner=member, team=team, week=WEEK.start)
    client.get(url)
    small = _count(client, url)

    second_manager = MembershipFactory(team=team, role=Role.MANAGER).user
    services.support_mark_answered(checkin=checkin, actor=second_manager)
    for n in range(29):
        _reply(author=(member, manager, second_manager)[n % 3], checkin=checkin, body=f"Reply {n}")
    for n in range(10):
        made = CommitmentFactory(
            owner=member, team=team, week=WEEK.start, status=CommitmentStatus.NOT_DONE, obstacle="Meetings"
        )
        _reply(author=manager, commitment=made, body=f"About {n}")
        CommitmentFactory(
            owner=member,
            team=team,
            week=WEEK.previous().start,
            status=CommitmentStatus.DONE,
            resolved_on=WEEK.start + timedelta(days=1),
            renegotiated_from=CommitmentFactory(owner=member, team=team, week=WEEK.previous().previous().start),
        )
    with django_assert_max_num_queries(CHECKIN_DETAIL_QUERIES):
        large = _count(client, url)

    assert large == small
    response = client.get(url)
    assert len(response.context["thread"]) == 30
    assert len(response.context["review"].commitments) == 21
