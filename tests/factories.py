"""factory_boy factories for the platform's people and organisations."""

from __future__ import annotations

import random
from typing import Any

import factory
import pyotp

from rainforest.accounts.models import Membership, Organisation, OrganisationKind, User
from rainforest.core.ids import USCC_ALPHABET, make_uscc

PASSWORD = "correct horse battery staple"


def _uscc(n: int) -> str:
    rng = random.Random(n)
    body = "91440300" + "".join(rng.choice(USCC_ALPHABET) for _ in range(9))
    return make_uscc(body)


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"测试机构{n}有限公司")
    kind = OrganisationKind.ENTERPRISE
    uscc = factory.Sequence(_uscc)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    display_name = factory.Sequence(lambda n: f"用户{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.invalid")
    totp_secret = factory.LazyFunction(pyotp.random_base32)

    @factory.post_generation
    def password(obj: User, create: bool, extracted: str | None, **kwargs: Any) -> None:
        obj.set_password(extracted or PASSWORD)
        if create:
            obj.save()


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    role = "applicant"


def person(role: str, organisation: Organisation | None = None, **kwargs: Any) -> User:
    """A user holding ``role`` in ``organisation`` (a new one if not given)."""
    org = organisation or OrganisationFactory()
    user = UserFactory(**kwargs)
    MembershipFactory(user=user, organisation=org, role=role)
    return user
