"""Pages for anonymous feedback.

The writer's pages (writing, and following up with the code) must leave no trace of who used
them: they never write the session, set no cookie of their own, use no messages framework
(a pending message shown there would be written back to the session or a cookie), log
nothing, and ask browsers not to keep a copy. The follow-up code travels only in POST bodies,
and in the response of the one page that shows it.

Post/redirect/get everywhere: no page is the direct response of a POST that writes something,
so a reload or the back button never sends anything twice. Where the next page must show
something no URL may carry (the new follow-up code, or which conversation was just answered),
the POST keeps it in the shared cache under a random single-use token
(services.shown_once_put) and redirects to a page that takes it once; opened again, that page
says kindly that it was shown once.

The managers' pages are ordinary signed-in pages.
"""

from .follow_up import follow_up, follow_up_consent, follow_up_reply, follow_up_shown
from .managers import inbox, thread_detail, thread_publish, thread_reply, thread_status, thread_unpublish
from .writing import feedback_new, feedback_sent

__all__ = [
    "feedback_new",
    "feedback_sent",
    "follow_up",
    "follow_up_consent",
    "follow_up_reply",
    "follow_up_shown",
    "inbox",
    "thread_detail",
    "thread_publish",
    "thread_reply",
    "thread_status",
    "thread_unpublish",
]
