from __future__ import annotations

from allauth.socialaccount.providers.openid_connect.provider import OpenIDConnectProvider

from communs.accounts.oidc.views import UserinfoAdapter


class CommunsOpenIDConnectProvider(OpenIDConnectProvider):
    """allauth's generic provider; its views and adapter are this package's."""

    package = "communs.accounts.oidc"
    oauth2_adapter_class = UserinfoAdapter


provider_classes = [CommunsOpenIDConnectProvider]
