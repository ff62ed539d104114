"""The generic OpenID Connect provider, as allauth's, reading ``userinfo`` answered as a
signed JWT too (``application/jwt``), which France's ProConnect does.

allauth lets a setting replace the class of a provider (``provider_class``); its views
build their adapter by name, so this package brings the two views and their addresses,
with the same names (``openid_connect_login``, ``openid_connect_callback``) and paths
(``/accounts/oidc/<provider id>/login/``).
"""
