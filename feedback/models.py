"""Anonymous feedback threads.

Anonymity holds against someone with the whole database (DESIGN.md, "Anonymity that holds up"):

* no row here has a foreign key to its writer (only `signed_by`, set when the writer chose to
  sign with their name), no IP, no user agent, no session key;
* no time finer than the day: `created_on` / `updated_on` / `released_on` are dates; the order
  of messages in a thread is a position number, not a timestamp;
* primary keys are random UUIDs, so ids reveal neither order nor count;
* the writer's follow-up code is stored only as its SHA-256 hash.

The daily release (services.feedback_release). What a writer sends (a new thread, an answer in
a thread, a change to their "you said, we did" consent) is written at once, *pending*
(`released_on` NULL, or `consent_pending` set), and reaches the managers (or the admins) only at
08:00 team time the next day, together with everything else written for the team before that
day. No page, count, digest, export or admin list shows a pending item to them.

What someone reading the database itself can see:

* before the release, pending rows are unavoidably in the order they were written: PostgreSQL
  stamps each row version with the transaction that wrote it (`xmin`, a counter that grows
  with time) and appends new rows in write order (`ctid`). A writer's consent is stored on the
  thread's row, which then carries the writer's transaction too;
* at the release, that day's pending threads and messages are deleted and written again, with
  the same ids, in a random order, in one transaction; the threads whose answers or consent
  were released are rewritten in the same transaction. Afterwards every released row carries
  the same `xmin` and the rows' physical order is shuffled, so neither says who came first or
  when. Positions of released answers are given at the release, after everything the managers
  could already see, so a manager's reply written meanwhile does not date them either;
* the old row versions stay in the table's files as dead rows until VACUUM (autovacuum) clears
  them, and in the write-ahead log and any backup or replica taken before the release: someone
  with file-level access or pageinspect can read write order there. Keep backups, WAL archives
  and replicas as private as the database.
"""

import uuid

from django.conf import settings
from django.db import models

from accountability.models import Team


class Category(models.TextChoices):
    IDEA = "idea", "Idea"
    CONCERN = "concern", "Concern"
    APPRECIATION = "appreciation", "Appreciation"
    PROCESS = "process", "Process"
    OTHER = "other", "Other"


class ThreadStatus(models.TextChoices):
    NEW = "new", "New"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    IN_PROGRESS = "in_progress", "In progress"
    ADDRESSED = "addressed", "Addressed"
    CLOSED = "closed", "Closed"


class FeedbackThread(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="feedback_threads")
    # True when the team was too small for anonymity among its members, so the organisation's
    # admins receive it instead of the team's managers.
    to_admins = models.BooleanField(default=False)
    category = models.CharField(max_length=20, choices=Category.choices)
    status = models.CharField(max_length=20, choices=ThreadStatus.choices, default=ThreadStatus.NEW)
    code_hash = models.CharField(max_length=64, unique=True)
    # Set only when the writer chose to put their name to it.
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_on = models.DateField()
    updated_on = models.DateField()
    # "You said, we did": the writer agrees on the follow-up page; a manager then publishes a gist.
    publish_consent = models.BooleanField(default=False)
    published_gist = models.TextField(blank=True, max_length=2000)
    published_answer = models.TextField(blank=True, max_length=4000)
    published_on = models.DateField(null=True, blank=True)
    # The day the daily release showed it to its readers; NULL while it waits for the release.
    released_on = models.DateField(null=True, blank=True)
    # The writer's latest consent choice, waiting for the release (and the team day it was made).
    consent_pending = models.BooleanField(null=True, blank=True)
    consent_pending_on = models.DateField(null=True, blank=True)

    class Meta:
        # By day, then by the random id: no order within a day.
        ordering = ["-created_on", "id"]
        indexes = [
            models.Index(fields=["team", "to_admins", "created_on"], name="feedback_inbox_idx"),
            # The release dispatcher's look-ups: small, since only what waits is indexed.
            models.Index(
                fields=["team", "created_on"], condition=models.Q(released_on__isnull=True), name="feedback_pending_idx"
            ),
            models.Index(
                fields=["team", "consent_pending_on"],
                condition=models.Q(consent_pending__isnull=False),
                name="feedback_consent_pending_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_category_display()} for {self.team} ({self.created_on})"

    @property
    def is_signed(self) -> bool:
        return self.signed_by_id is not None

    @property
    def is_released(self) -> bool:
        return self.released_on is not None

    @property
    def consent_as_chosen(self) -> bool:
        """The writer's own latest choice, released or not (for the writer's page only)."""
        return self.publish_consent if self.consent_pending is None else self.consent_pending


class Author(models.TextChoices):
    WRITER = "writer", "The writer"
    MANAGER = "manager", "A manager"


class FeedbackMessage(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    thread = models.ForeignKey(FeedbackThread, on_delete=models.CASCADE, related_name="messages")
    position = models.PositiveIntegerField()
    author_kind = models.CharField(max_length=10, choices=Author.choices)
    # Managers (and admins) answer under their own name; the writer's messages have none.
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = models.TextField(max_length=5000)
    created_on = models.DateField()
    # NULL while a writer's message waits for the daily release; a manager's is released at once.
    # A pending message's position orders the writer's pending messages of the thread among
    # themselves; the release gives it its place after everything released before it.
    released_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(
                fields=["thread", "position"],
                condition=models.Q(released_on__isnull=False),
                name="feedback_message_position_unique",
            ),
            models.UniqueConstraint(
                fields=["thread", "position"],
                condition=models.Q(released_on__isnull=True),
                name="feedback_pending_position_unique",
            ),
            models.CheckConstraint(
                condition=models.Q(author_kind="manager") | models.Q(manager__isnull=True),
                name="feedback_writer_message_has_no_person",
            ),
        ]
        indexes = [
            models.Index(
                fields=["thread", "created_on"],
                condition=models.Q(released_on__isnull=True),
                name="feedback_message_pending_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_author_kind_display()} in {self.thread_id}"
