"""The OpenID Connect provider comes from the environment: configured, it is offered on
the sign-in page; absent, nothing is shown. No network: only settings and pages."""

from __future__ import annotations

import http.server
import json
import runpy
import threading
from pathlib import Path

import jwt
import pytest
from allauth.socialaccount.adapter import get_adapter
from django.test import RequestFactory
from django.urls import resolve, reverse

import communs

SETTINGS_FILE = Path(communs.__file__).parent / "settings.py"
OIDC_VARIABLES = {
    "COMMUNS_OIDC_SERVER_URL": "https://auth.example.gouv.fr/realms/agents",
    "COMMUNS_OIDC_CLIENT_ID": "communs",
    "COMMUNS_OIDC_CLIENT_SECRET": "s3cr3t",
    "COMMUNS_OIDC_NAME": "ProConnect",
}


def _settings_with(monkeypatch, variables: dict[str, str]) -> dict:
    for name in [*OIDC_VARIABLES, "COMMUNS_OIDC_TOKEN_AUTH_METHOD", "COMMUNS_OIDC_SCOPES"]:
        monkeypatch.delenv(name, raising=False)
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(SETTINGS_FILE))


def test_the_environment_configures_one_provider(monkeypatch):
    values = _settings_with(
        monkeypatch,
        {**OIDC_VARIABLES, "COMMUNS_OIDC_SCOPES": "openid,email,given_name,usual_name"},
    )
    (app,) = values["SOCIALACCOUNT_PROVIDERS"]["openid_connect"]["APPS"]
    assert app["name"] == "ProConnect"
    assert app["client_id"] == "communs"
    assert app["secret"] == "s3cr3t"
    assert app["settings"]["server_url"] == OIDC_VARIABLES["COMMUNS_OIDC_SERVER_URL"]
    assert app["settings"]["scope"] == ["openid", "email", "given_name", "usual_name"]


def test_the_secret_may_come_from_a_file(monkeypatch, tmp_path):
    secret = tmp_path / "oidc-secret"
    secret.write_text("from-a-file\n")
    variables = {k: v for k, v in OIDC_VARIABLES.items() if k != "COMMUNS_OIDC_CLIENT_SECRET"}
    monkeypatch.setenv("COMMUNS_OIDC_CLIENT_SECRET_FILE", str(secret))
    values = _settings_with(monkeypatch, variables)
    assert values["SOCIALACCOUNT_PROVIDERS"]["openid_connect"]["APPS"][0]["secret"] == "from-a-file"


def test_without_a_server_there_is_no_provider(monkeypatch):
    values = _settings_with(monkeypatch, {"COMMUNS_OIDC_CLIENT_ID": "communs"})
    assert values["SOCIALACCOUNT_PROVIDERS"]["openid_connect"]["APPS"] == []


@pytest.fixture
def provider_settings(monkeypatch, settings):
    values = _settings_with(monkeypatch, OIDC_VARIABLES)
    settings.SOCIALACCOUNT_PROVIDERS = values["SOCIALACCOUNT_PROVIDERS"]


def test_the_configured_provider_is_listed_and_offered(client, db, provider_settings):
    request = RequestFactory().get("/")
    (provider,) = get_adapter().list_providers(request)
    assert provider.id == "openid_connect"
    assert provider.name == "ProConnect"
    assert provider.server_url.endswith("/realms/agents/.well-known/openid-configuration")
    page = client.get(reverse("account_login")).content.decode()
    login_url = reverse("openid_connect_login", kwargs={"provider_id": "oidc"})
    assert login_url in page
    assert "ProConnect" in page
    # Opening the provider's login page asks for a confirmation; nothing is fetched yet.
    assert client.get(login_url).status_code == 200


def test_without_configuration_the_sign_in_page_offers_no_provider(client, db, settings):
    settings.SOCIALACCOUNT_PROVIDERS = {"openid_connect": {"APPS": []}}
    page = client.get(reverse("account_login")).content.decode()
    assert "/accounts/oidc/" not in page


# userinfo as a signed JWT (ProConnect) -------------------------------------------------


class _Provider(http.server.BaseHTTPRequestHandler):
    """A provider's two endpoints the adapter calls: its keys and userinfo."""

    jwks: dict = {}
    userinfo: bytes = b""
    content_type = "application/jwt"

    def do_GET(self) -> None:  # noqa: N802 (the name http.server calls)
        if self.path == "/jwks":
            body, kind = json.dumps(self.jwks).encode(), "application/json"
        elif self.path == "/userinfo":
            if self.headers.get("Authorization") != "Bearer the-access-token":
                self.send_error(401)
                return
            body, kind = self.userinfo, self.content_type
        else:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def provider_server():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Provider)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _keys():
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    return key, {"keys": [{**public, "kid": "k1", "alg": "RS256", "use": "sig"}]}


def _adapter(base: str):
    from communs.accounts.oidc.views import UserinfoAdapter

    adapter = UserinfoAdapter(RequestFactory().get("/"), "oidc")
    adapter._openid_config = {
        "issuer": "https://auth.example.gouv.fr",
        "jwks_uri": f"{base}/jwks",
        "userinfo_endpoint": f"{base}/userinfo",
    }
    return adapter


CLAIMS = {
    "sub": "abc",
    "email": "jeanne.petit@culture.gouv.fr",
    "given_name": "Jeanne",
    "iss": "https://auth.example.gouv.fr",
    "aud": "communs",
}


def test_the_provider_class_is_ours(db, provider_settings):
    from allauth.socialaccount.providers import registry

    from communs.accounts.oidc.provider import CommunsOpenIDConnectProvider

    assert registry.get_class("openid_connect") is CommunsOpenIDConnectProvider
    login = reverse("openid_connect_login", kwargs={"provider_id": "oidc"})
    assert resolve(login).func.__module__ == "communs.accounts.oidc.views"


def test_userinfo_as_a_signed_jwt_is_read(db, provider_settings, provider_server):
    key, jwks = _keys()
    _Provider.jwks = jwks
    _Provider.userinfo = jwt.encode(CLAIMS, key, algorithm="RS256", headers={"kid": "k1"}).encode()
    _Provider.content_type = "application/jwt; charset=utf-8"
    claims = _adapter(provider_server)._fetch_user_info("the-access-token")
    assert claims["email"] == "jeanne.petit@culture.gouv.fr"
    assert claims["given_name"] == "Jeanne"


@pytest.mark.parametrize("wrong", ["signature", "audience"])
def test_a_userinfo_jwt_that_does_not_check_out_is_refused(
    db, provider_settings, provider_server, wrong
):
    from allauth.socialaccount.providers.oauth2.client import OAuth2Error

    key, jwks = _keys()
    other_key, _ = _keys()
    _Provider.jwks = jwks
    claims = {**CLAIMS, "aud": "someone-else"} if wrong == "audience" else CLAIMS
    signer = other_key if wrong == "signature" else key
    _Provider.userinfo = jwt.encode(
        claims, signer, algorithm="RS256", headers={"kid": "k1"}
    ).encode()
    _Provider.content_type = "application/jwt"
    with pytest.raises(OAuth2Error):
        _adapter(provider_server)._fetch_user_info("the-access-token")


def test_userinfo_as_json_is_read_as_before(db, provider_settings, provider_server):
    _Provider.userinfo = json.dumps({"sub": "abc", "email": "kc@interieur.gouv.fr"}).encode()
    _Provider.content_type = "application/json"
    assert _adapter(provider_server)._fetch_user_info("the-access-token")["email"] == (
        "kc@interieur.gouv.fr"
    )


# The algorithm is pinned -------------------------------------------------------------


def _b64(data: bytes) -> str:
    import base64

    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _forged(header: dict, claims: dict, secret: bytes | None) -> str:
    """A token signed with an HMAC (or not at all), as an attacker would make it."""
    import hashlib
    import hmac

    signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}"
    signature = (
        _b64(hmac.new(secret, signing_input.encode(), hashlib.sha256).digest())
        if secret is not None
        else ""
    )
    return f"{signing_input}.{signature}"


def _public_pem(jwks: dict) -> bytes:
    from cryptography.hazmat.primitives import serialization

    public = jwt.algorithms.RSAAlgorithm.from_jwk(json.dumps(jwks["keys"][0]))
    return public.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def _id_token_adapter(base: str):
    adapter = _adapter(base)
    # The token came from the token endpoint, where allauth skips the signature.
    adapter.did_fetch_access_token = True
    return adapter


@pytest.mark.parametrize("forgery", ["none", "hs256-with-the-public-key"])
def test_a_userinfo_jwt_with_a_symmetric_or_no_algorithm_is_refused(
    db, provider_settings, provider_server, forgery
):
    from allauth.socialaccount.providers.oauth2.client import OAuth2Error

    _key, jwks = _keys()
    _Provider.jwks = jwks
    secret = None if forgery == "none" else _public_pem(jwks)
    header = {"alg": "none" if secret is None else "HS256", "kid": "k1", "typ": "JWT"}
    _Provider.userinfo = _forged(header, CLAIMS, secret).encode()
    _Provider.content_type = "application/jwt"
    with pytest.raises(OAuth2Error):
        _adapter(provider_server)._fetch_user_info("the-access-token")


@pytest.mark.parametrize("forgery", ["none", "hs256-with-the-public-key"])
def test_an_id_token_is_checked_even_from_the_token_endpoint(
    db, provider_settings, provider_server, forgery
):
    from allauth.socialaccount.providers.oauth2.client import OAuth2Error

    _key, jwks = _keys()
    _Provider.jwks = jwks
    adapter = _id_token_adapter(provider_server)
    secret = None if forgery == "none" else _public_pem(jwks)
    header = {"alg": "none" if secret is None else "HS256", "kid": "k1", "typ": "JWT"}
    claims = {**CLAIMS, "exp": 4102444800}
    with pytest.raises(OAuth2Error):
        adapter._decode_id_token(adapter.get_provider().app, _forged(header, claims, secret))


def test_an_id_token_must_carry_an_expiry_and_the_keys_algorithm(
    db, provider_settings, provider_server
):
    from allauth.socialaccount.providers.oauth2.client import OAuth2Error

    key, jwks = _keys()
    _Provider.jwks = jwks
    adapter = _id_token_adapter(provider_server)
    app = adapter.get_provider().app
    signed = jwt.encode(
        {**CLAIMS, "exp": 4102444800}, key, algorithm="RS256", headers={"kid": "k1"}
    )
    assert adapter._decode_id_token(app, signed)["sub"] == "abc"
    no_expiry = jwt.encode(CLAIMS, key, algorithm="RS256", headers={"kid": "k1"})
    with pytest.raises(OAuth2Error):
        adapter._decode_id_token(app, no_expiry)
    expired = jwt.encode({**CLAIMS, "exp": 1000}, key, algorithm="RS256", headers={"kid": "k1"})
    with pytest.raises(OAuth2Error):
        adapter._decode_id_token(app, expired)
    # The key says RS256: a token claiming another algorithm with it is refused.
    other = jwt.encode({**CLAIMS, "exp": 4102444800}, key, algorithm="PS256", headers={"kid": "k1"})
    with pytest.raises(OAuth2Error):
        adapter._decode_id_token(app, other)
