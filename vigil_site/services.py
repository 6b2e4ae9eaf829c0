"""Writes of the site itself: API tokens, one DRF token per user, which they get, rotate and
revoke themselves."""

from django.contrib.auth.models import User
from django.db import transaction
from rest_framework.authtoken.models import Token


def token_for(user: User) -> Token | None:
    """The user's current token, if they have one."""
    return Token.objects.filter(user=user).first()


def token_get_or_create(*, user: User) -> Token:
    """The user's token, made on first use."""
    token, _ = Token.objects.get_or_create(user=user)
    return token


def token_rotate(*, user: User) -> Token:
    """A new token for the user; the old one stops working at once."""
    with transaction.atomic():
        Token.objects.filter(user=user).delete()
        return Token.objects.create(user=user)


def token_revoke(*, user: User) -> bool:
    """Delete the user's token. Returns whether there was one."""
    deleted, _ = Token.objects.filter(user=user).delete()
    return bool(deleted)
