import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from feedback import services
from feedback.models import Author, Category, FeedbackMessage, FeedbackThread

from ..factories import TeamFactory


class FeedbackThreadFactory(DjangoModelFactory):
    """A thread written straight to the database, with its first message (`body`). Pass
    `code=` to know the follow-up code that opens it. Already shown to its readers by the daily
    release (`released_on`, the day it was written) unless `released_on=None`: then it waits."""

    class Meta:
        model = FeedbackThread
        skip_postgeneration_save = True

    class Params:
        code = factory.LazyFunction(services.code_new)

    team = factory.SubFactory(TeamFactory)
    category = Category.IDEA
    code_hash = factory.LazyAttribute(lambda o: services.code_hash(o.code))
    created_on = factory.LazyFunction(lambda: timezone.now().date())
    updated_on = factory.SelfAttribute("created_on")
    released_on = factory.SelfAttribute("created_on")

    @factory.post_generation
    def body(obj, create, extracted, **kwargs):
        if create:
            FeedbackMessage.objects.create(
                thread=obj,
                position=1,
                author_kind=Author.WRITER,
                body=extracted or "Our stand-ups run long.",
                created_on=obj.created_on,
                released_on=obj.released_on,
            )
