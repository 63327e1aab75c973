"""An expert's own pages: self-registration, the profile, relations, availability."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from rainforest.core.errors import DomainError, NotFoundError
from rainforest.review import services
from rainforest.review.forms import (
    AvailabilityForm,
    ExpertForm,
    ProfileForm,
    RelationForm,
    add_domain_error,
)
from rainforest.review.models import (
    DeclaredRelation,
    Expert,
    ExpertStatus,
)
from rainforest.review.selectors import (
    my_expert,
)
from rainforest.review.views._common import lang


@login_required
@require_http_methods(["GET", "POST"])
def register(request: HttpRequest) -> HttpResponse:
    """Self-registration (专家自荐); staff approve it before the expert can be drawn.

    Somebody whose registration was not approved sees why and may register again.
    """
    existing = Expert.objects.filter(user=request.user).first()
    if existing is not None and existing.status != ExpertStatus.REJECTED:
        return redirect("review:profile")
    initial = {}
    if existing is not None:
        initial = {
            "name": existing.name,
            "id_number": existing.id_number,
            "employer_name": existing.employer_name,
            "employer_uscc": existing.employer_uscc,
            "title": existing.title,
            "fields": ", ".join(existing.fields),
            "keywords": "、".join(existing.keywords),
            "email": existing.email,
        }
    form = ExpertForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.expert_register(
                user=request.user,  # type: ignore[arg-type]
                data=services.ExpertIn(
                    name=d["name"],
                    id_number=d["id_number"],
                    employer_uscc=d["employer_uscc"],
                    employer_name=d["employer_name"],
                    title=d["title"],
                    fields=services.clean_codes(d["fields"]),
                    keywords=services.clean_words(d["keywords"]),
                    email=d["email"],
                ),
            )
        except DomainError as exc:
            add_domain_error(form, exc, lang())
        else:
            return render(request, "review/register_done.html")
    return render(request, "review/register.html", {"form": form, "rejected": existing})


def _profile_post(request: HttpRequest, expert: Expert, forms: dict[str, Any]) -> bool:
    """Act on the one form posted; True when it was saved (the page then reloads)."""
    action = request.POST.get("form", "")
    actor = request.user
    try:
        if action in ("relation_remove", "availability_remove"):
            remove = (
                services.relation_remove
                if action == "relation_remove"
                else services.availability_remove
            )
            key = "relation_id" if action == "relation_remove" else "window_id"
            remove(actor=actor, expert=expert, **{key: request.POST.get("id", "")})  # type: ignore[arg-type]
            return True
        form = forms.get(action)
        if form is None or not form.is_valid():
            return False
        d = form.cleaned_data
        if action == "profile":
            services.expert_update(
                actor=actor,  # type: ignore[arg-type]
                expert=expert,
                title=d["title"],
                fields=d["fields"],
                keywords=d["keywords"],
                email=d["email"],
            )
        elif action == "relation":
            services.relation_declare(
                actor=actor,  # type: ignore[arg-type]
                expert=expert,
                kind=d["kind"],
                person_id_number=d["person_id_number"],
                uscc=d["uscc"],
                last_year=d["last_year"],
                note=d["note"],
            )
        else:
            services.availability_add(
                actor=actor,  # type: ignore[arg-type]
                expert=expert,
                starts_on=d["starts_on"],
                ends_on=d["ends_on"],
                note=d["note"],
            )
    except NotFoundError:
        raise Http404 from None
    except DomainError as exc:
        add_domain_error(forms[action], exc, lang())
        return False
    return True


@login_required
@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    """An expert's own profile, declared relations and periods of unavailability.

    Only ever the signed-in person's own record: no id in the address, nothing of another
    expert can be reached from here.
    """
    expert = my_expert(request.user)
    posted = request.POST.get("form", "")
    forms: dict[str, Any] = {
        "profile": ProfileForm(
            request.POST if posted == "profile" else None,
            initial={
                "title": expert.title,
                "fields": ", ".join(expert.fields),
                "keywords": "、".join(expert.keywords),
                "email": expert.email,
            },
        ),
        "relation": RelationForm(request.POST if posted == "relation" else None),
        "availability": AvailabilityForm(request.POST if posted == "availability" else None),
    }
    if request.method == "POST" and _profile_post(request, expert, forms):
        return redirect("review:profile")
    return render(
        request,
        "review/profile.html",
        {
            "expert": expert,
            "form": forms["profile"],
            "relation_form": forms["relation"],
            "availability_form": forms["availability"],
            "relations": DeclaredRelation.objects.filter(expert=expert),
            "windows": expert.unavailable.all(),
            "errors": any(f.errors for f in forms.values()),
        },
    )
