from __future__ import annotations

import json
from collections.abc import Callable

from allauth.account.internal.decorators import login_not_required
from allauth.core.internal.deferred import jwt
from allauth.socialaccount.adapter import get_adapter
from allauth.socialaccount.internal import jwtkit
from allauth.socialaccount.models import SocialApp
from allauth.socialaccount.providers.oauth2.client import OAuth2Error
from allauth.socialaccount.providers.oauth2.views import OAuth2CallbackView, OAuth2LoginView
from allauth.socialaccount.providers.openid_connect.views import OpenIDConnectOAuth2Adapter
from django.http import Http404, HttpRequest

JWT_TYPES = {"application/jwt", "application/jose"}
# Signatures made with a private key only: never "none", never an HMAC, whose "secret"
# an attacker could take to be the provider's public key (HS/RS confusion).
ALGORITHMS = frozenset(
    {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}
)


def verify_jwt(
    credential: str, *, keys_url: str, issuer: str, audience: str, require_expiry: bool
) -> dict:
    """The claims of a JWT signed by one of the provider's published keys.

    The algorithm is pinned: it must be an asymmetric one and, when the key names its
    algorithm, that one. Issuer and audience must match; expiry is checked when present
    and required when ``require_expiry`` (ID tokens always carry one).
    """
    try:
        header = jwt.get_unverified_header(credential)
    except jwt.PyJWTError as error:
        raise OAuth2Error("Invalid token") from error
    algorithm, kid = header.get("alg"), header.get("kid")
    if algorithm not in ALGORITHMS:
        raise OAuth2Error(f"Refused signing algorithm: {algorithm!r}")
    with get_adapter().get_requests_session() as session:
        response = session.get(keys_url)
        response.raise_for_status()
        keys = response.json().get("keys") or []
    found = [key for key in keys if isinstance(key, dict) and key.get("kid") == kid]
    if len(found) != 1 or found[0].get("alg", algorithm) != algorithm:
        raise OAuth2Error(f"No key {kid!r} for {algorithm}")
    try:
        key = jwt.algorithms.get_default_algorithms()[algorithm].from_jwk(json.dumps(found[0]))
        claims = jwt.decode(
            credential,
            key=key,
            algorithms=[algorithm],
            issuer=issuer,
            audience=audience,
            options={"require": ["iss", "aud", *(["exp"] if require_expiry else [])]},
        )
    except (jwt.PyJWTError, ValueError, TypeError) as error:
        raise OAuth2Error("Invalid token") from error
    jwtkit.verify_jti(claims)
    return claims


class UserinfoAdapter(OpenIDConnectOAuth2Adapter):
    def _fetch_user_info(self, access_token: str) -> dict:
        """The claims of the ``userinfo`` endpoint, as JSON or as a signed JWT.

        A JWT is checked as an ID token is: signature against the provider's published
        keys with a pinned algorithm, issuer, audience (our client) and expiry.
        """
        headers = {"Authorization": f"Bearer {access_token}"}
        with get_adapter().get_requests_session() as session:
            response = session.get(self.profile_url, headers=headers)
            response.raise_for_status()
        kind = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
        if kind not in JWT_TYPES:
            return response.json()
        return verify_jwt(
            response.text.strip(),
            keys_url=self.openid_config["jwks_uri"],
            issuer=self.openid_config["issuer"],
            audience=self.get_provider().app.client_id,
            require_expiry=False,
        )

    def _decode_id_token(self, app: SocialApp, id_token: str) -> dict:
        """The ID token's claims, its signature always checked.

        allauth skips the signature of a token received from the token endpoint (which
        the specification allows), and so would take ``"alg": "none"``; checking it
        costs one fetch of the keys and leaves no such door.
        """
        return verify_jwt(
            id_token,
            keys_url=self.openid_config["jwks_uri"],
            issuer=self.openid_config["issuer"],
            audience=app.client_id,
            require_expiry=True,
        )


def _provider_view(view_class: type) -> Callable:
    @login_not_required
    def view(request: HttpRequest, provider_id: str):
        try:
            return view_class.adapter_view(UserinfoAdapter(request, provider_id))(request)
        except SocialApp.DoesNotExist:
            raise Http404 from None

    return view


login = _provider_view(OAuth2LoginView)
callback = _provider_view(OAuth2CallbackView)
