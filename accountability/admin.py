from allauth.mfa.admin import AuthenticatorAdmin as AllauthAuthenticatorAdmin
from allauth.mfa.models import Authenticator
from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet
from django.http import HttpResponseRedirect

from . import outbox, services, twofactor
from .admin_data import deactivate_people, delete_personal_data
from .models import EmailStatus, Invitation, LeadershipEvent, Membership, OutboundEmail, Team, User


class UserCreationForm(AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("email",)


class UserEditForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


class OrgAdminAccess:
    """Organisation admins (staff) run teams, memberships and invitations from the admin
    without being given per-model permissions one by one."""

    def has_module_permission(self, request) -> bool:
        return request.user.is_active and request.user.is_staff

    def has_view_permission(self, request, obj=None) -> bool:
        return request.user.is_active and request.user.is_staff

    has_add_permission = has_change_permission = has_delete_permission = has_view_permission


class ReadOnlyAdmin(admin.ModelAdmin):
    """For what people wrote (anonymous feedback, survey answers): the admin may read it, never
    add, change or delete it."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


# --- Memberships: every change goes through the services, which keep a manager in each team ---


def _membership_refusal(membership: Membership, *, role: str | None) -> str | None:
    """Why the services would refuse this role change (`role` None: removing it), or None."""
    try:
        services.membership_change_check(membership=membership, role=role)
    except ValidationError as exc:
        return " ".join(exc.messages)
    return None


def _membership_save(request, membership: Membership, *, changed: list[str]) -> Membership:
    """Save an admin form's membership through the services (a new one, or a new role); the
    fields no rule is about (when they joined) are saved as they are."""
    if membership.pk is None:
        saved = services.membership_add(
            team=membership.team, user=membership.user, role=membership.role, actor=request.user
        )
    elif "role" in changed:
        saved = services.membership_set_role(membership=membership, role=membership.role, actor=request.user)
    else:
        saved = membership
    plain = [name for name in changed if name not in ("role", "user", "team")]
    if plain:
        for name in plain:
            setattr(saved, name, getattr(membership, name))
        saved.save(update_fields=plain)
    return saved


class MembershipFormSet(BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        problems = []
        for form in self.forms:
            if form.instance.pk is None or not form.has_changed():
                continue
            saved = Membership.objects.get(pk=form.instance.pk)
            if self.can_delete and self._should_delete_form(form):
                problems.append(_membership_refusal(saved, role=None))
            elif {"user", "team"} & set(form.changed_data):
                problems.append("A membership moves to another team or person only by removing it and adding another.")
            elif "role" in form.changed_data:
                problems.append(_membership_refusal(saved, role=form.cleaned_data.get("role")))
        # On the formset, not the row: a row marked for deletion does not count its own errors.
        if any(problems):
            raise ValidationError([problem for problem in problems if problem])


class MembershipInline(OrgAdminAccess, admin.TabularInline):
    model = Membership
    formset = MembershipFormSet
    extra = 0
    autocomplete_fields = ["user"]


class MembershipsThroughServices:
    """For admins with the membership inline: its rows are saved and removed by the services."""

    def save_formset(self, request, form, formset, change) -> None:
        if formset.model is not Membership:
            return super().save_formset(request, form, formset, change)
        # What the admin's change message lists, as formset.save() would have set it.
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for inline_form in formset.forms:
            membership = inline_form.instance
            try:
                if formset.can_delete and formset._should_delete_form(inline_form):
                    if membership.pk is not None:
                        services.membership_remove(membership=membership, actor=request.user)
                        formset.deleted_objects.append(membership)
                elif inline_form.has_changed():
                    new = membership.pk is None
                    saved = _membership_save(request, membership, changed=inline_form.changed_data)
                    if new:
                        formset.new_objects.append(saved)
                    else:
                        formset.changed_objects.append((saved, inline_form.changed_data))
            except ValidationError as exc:
                # Two rows that each leave another manager, saved together, may not both.
                self.message_user(request, " ".join(exc.messages), messages.ERROR)


@admin.register(User)
class UserAdmin(MembershipsThroughServices, DjangoUserAdmin):
    add_form = UserCreationForm
    form = UserEditForm
    ordering = ["email"]
    list_display = ["email", "display_name", "is_staff", "is_active", "date_joined"]
    list_filter = ["is_staff", "is_active"]
    search_fields = ["email", "display_name"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Profile", {"fields": ["display_name", "time_zone"]}),
        ("Permissions", {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]}),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]})]
    inlines = [MembershipInline]
    actions = ["reset_two_factor", deactivate_people, delete_personal_data]

    # Deleting an account row would take every check-in, commitment and figure with it: people
    # leave through "Delete personal data", which keeps the rows as "former member".
    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.action(description="Reset two-factor authentication (they set it up again at next sign-in)")
    def reset_two_factor(self, request, queryset):
        done = refused = 0
        for user in queryset:
            if twofactor.may_reset(actor=request.user, user=user):
                twofactor.twofactor_reset(user=user, actor=request.user)
                done += 1
            else:
                refused += 1
        if done:
            self.message_user(request, f"Two-factor reset for {done} account(s).", messages.SUCCESS)
        if refused:
            self.message_user(
                request, f"{refused} account(s) left alone: you may not reset their two-factor.", messages.WARNING
            )

    # Org admins see people (to pick them for memberships); changing accounts stays with
    # superusers and those given the permission explicitly.
    def has_module_permission(self, request) -> bool:
        return request.user.is_active and request.user.is_staff

    def has_view_permission(self, request, obj=None) -> bool:
        return (request.user.is_active and request.user.is_staff) or super().has_view_permission(request, obj)


class TeamAdminForm(forms.ModelForm):
    # No Meta: the admin builds it from TeamAdmin, so every field stays editable there.

    def clean_slug(self) -> str:
        slug = self.cleaned_data["slug"]
        if slug in services.RESERVED_SLUGS:
            # /teams/new/ is the "create a team" page; a team there could never be opened.
            raise forms.ValidationError(f"“{slug}” is reserved. Choose another slug.")
        return slug


@admin.register(Team)
class TeamAdmin(MembershipsThroughServices, OrgAdminAccess, admin.ModelAdmin):
    form = TeamAdminForm
    list_display = ["name", "slug", "time_zone", "checkin_weekday", "checkin_time", "anonymity_threshold"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [MembershipInline]

    def save_model(self, request, obj, form, change) -> None:
        if not change:
            return super().save_model(request, obj, form, change)
        # Through the service, so a threshold changed here is in the audit trail like one
        # changed on the team's settings page (the form has already set the new values on obj).
        fields = {name: getattr(obj, name) for name in form.changed_data if name in form.instance.__dict__}
        if fields:
            services.team_update(team=Team.objects.get(pk=obj.pk), actor=request.user, **fields)


class MembershipAdminForm(forms.ModelForm):
    def clean(self):
        cleaned = super().clean()
        if self.instance.pk and "role" in self.changed_data:
            problem = _membership_refusal(Membership.objects.get(pk=self.instance.pk), role=cleaned.get("role"))
            if problem:
                raise forms.ValidationError(problem)
        return cleaned


@admin.register(Membership)
class MembershipAdmin(OrgAdminAccess, admin.ModelAdmin):
    form = MembershipAdminForm
    list_display = ["user", "team", "role", "joined_at"]
    list_filter = ["role", "team"]
    search_fields = ["user__email", "user__display_name", "team__name"]
    autocomplete_fields = ["user", "team"]
    actions = ["remove_selected"]

    def get_readonly_fields(self, request, obj=None):
        # A membership moves to another team or person only by removing it and adding another.
        return ["user", "team"] if obj is not None else []

    def get_actions(self, request):
        # Django's bulk delete skips the services; "Remove" below goes through them.
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def save_model(self, request, obj, form, change) -> None:
        saved = _membership_save(request, obj, changed=form.changed_data)
        obj.pk = saved.pk

    def delete_view(self, request, object_id, extra_context=None):
        membership = self.get_object(request, object_id)
        if membership is not None and request.method == "POST":
            problem = _membership_refusal(membership, role=None)
            if problem:
                self.message_user(request, problem, messages.ERROR)
                return HttpResponseRedirect(request.path.removesuffix("delete/") + "change/")
        return super().delete_view(request, object_id, extra_context)

    def delete_model(self, request, obj) -> None:
        services.membership_remove(membership=obj, actor=request.user)

    @admin.action(description="Remove the selected memberships")
    def remove_selected(self, request, queryset):
        removed = 0
        for membership in queryset.select_related("user", "team"):
            try:
                services.membership_remove(membership=membership, actor=request.user)
            except ValidationError as exc:
                self.message_user(
                    request, f"{membership.user} stays in {membership.team}: {' '.join(exc.messages)}", messages.ERROR
                )
            else:
                removed += 1
        if removed:
            self.message_user(request, f"{removed} membership(s) removed.", messages.SUCCESS)


@admin.register(Invitation)
class InvitationAdmin(OrgAdminAccess, admin.ModelAdmin):
    list_display = ["email", "team", "role", "invited_by", "created_at", "sent_count", "accepted_at"]
    list_filter = ["role", "team"]
    search_fields = ["email"]
    readonly_fields = ["created_at", "sent_count", "last_sent_at", "accepted_at", "accepted_by"]
    autocomplete_fields = ["team", "invited_by"]


@admin.register(OutboundEmail)
class OutboundEmailAdmin(admin.ModelAdmin):
    """Read-only: the outbox is written by the app; an admin may only retry failed rows.

    Bodies and headers are never shown, to anyone, in any status: an email's link may be a key
    (a password reset, an invitation, a survey), and whoever reads it could use it. What an
    admin needs to run the outbox is here: kind, recipient, status, attempts, the last error."""

    list_display = ["created_at", "kind", "to_email", "target_ref", "status", "attempts", "sent_at"]
    list_filter = ["status", "transport", "kind"]
    search_fields = ["to_email", "kind", "target_ref"]
    date_hierarchy = "created_at"
    actions = ["retry_failed"]
    fields = [
        "kind",
        "transport",
        "to_email",
        "target_ref",
        "recipient",
        "status",
        "attempts",
        "last_error",
        "created_at",
        "next_attempt_at",
        "claimed_until",
        "sent_at",
        "content",
    ]
    readonly_fields = fields

    @admin.display(description="Content")
    def content(self, obj: OutboundEmail) -> str:
        return "Not shown: an email's links can be keys to someone's account."

    def has_module_permission(self, request) -> bool:
        return request.user.is_active and request.user.is_staff

    def has_view_permission(self, request, obj=None) -> bool:
        return request.user.is_active and request.user.is_staff

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def get_queryset(self, request):
        # The sealed bodies are never needed here: not even loaded.
        return super().get_queryset(request).defer("body_text", "body_html", "headers")

    @admin.action(description="Retry the selected failed emails")
    def retry_failed(self, request, queryset):
        ids = list(queryset.filter(status=EmailStatus.FAILED).values_list("pk", flat=True))
        count = outbox.outbox_retry(email_ids=ids)
        self.message_user(request, f"{count} email(s) queued again.", messages.SUCCESS)


admin.site.unregister(Authenticator)


@admin.register(Authenticator)
class AuthenticatorAdmin(AllauthAuthenticatorAdmin):
    """Two-factor devices: who has which, and deleting one. Their secrets (sealed) stay out."""

    fields = ["user", "type", "created_at", "last_used_at"]
    readonly_fields = fields

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(LeadershipEvent)
class LeadershipEventAdmin(OrgAdminAccess, admin.ModelAdmin):
    """Leadership history, read-only: the membership services write it; nobody edits the past."""

    list_display = ["at", "team", "person_name", "from_role", "to_role", "manager_change"]
    list_filter = ["manager_change"]
    list_select_related = ["team"]
    search_fields = ["person_name", "team__name"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
