"""Credentials: validated per type, encrypted at rest, redacted on the way out."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from sqlalchemy import select

from hetumind.errors import NotFound
from hetumind.store import (
    CREDENTIAL_TYPES,
    REDACTED,
    CredentialInvalid,
    CredentialRecord,
    DecryptionFailed,
    InvalidData,
    Store,
    validate_credential,
)
from hetumind.store.crypto import KEY_FILE, Cipher, load_or_create_key
from hetumind.store.settings import StoreSettings

SAMPLES = {
    "httpHeaderAuth": ({"name": "X-Api-Key", "value": "s3cret-h"}, "s3cret-h"),
    "httpBasicAuth": ({"user": "ada", "password": "s3cret-b"}, "s3cret-b"),
    "httpBearerAuth": ({"token": "s3cret-t"}, "s3cret-t"),
    "jwtAuth": ({"secret": "s3cret-jwt-passphrase"}, "s3cret-jwt-passphrase"),
    "httpQueryAuth": ({"name": "api_key", "value": "s3cret-q"}, "s3cret-q"),
    "redis": ({"host": "r", "password": "s3cret-r"}, "s3cret-r"),
    "postgres": ({"host": "db", "user": "u", "password": "s3cret-p", "port": 5433}, "s3cret-p"),
    "openAiApi": ({"apiKey": "sk-s3cret"}, "sk-s3cret"),
    "n8nApi": ({"apiKey": "s3cret-n8n", "baseUrl": "http://n8n/api/v1"}, "s3cret-n8n"),
    # the SaaS kinds (hetumind.integrations.credential_kinds)
    "telegramApi": ({"accessToken": "s3cret-tg"}, "s3cret-tg"),
    "slackApi": ({"accessToken": "xoxb-s3cret"}, "xoxb-s3cret"),
    "airtableTokenApi": ({"accessToken": "pat-s3cret"}, "pat-s3cret"),
    "airtableApi": ({"apiKey": "key-s3cret"}, "key-s3cret"),
    "notionApi": ({"apiKey": "secret_s3cret"}, "secret_s3cret"),
    "githubApi": ({"accessToken": "ghp_s3cret"}, "ghp_s3cret"),
    "wordpressApi": (
        {"username": "ada", "password": "s3cret-wp", "url": "https://blog.example"},
        "s3cret-wp",
    ),
    "discordBotApi": ({"botToken": "s3cret-bot"}, "s3cret-bot"),
    "discordWebhookApi": (
        {"webhookUri": "https://discord.test/api/webhooks/1/s3cret-hook"},
        "https://discord.test/api/webhooks/1/s3cret-hook",
    ),
    "hubspotApi": ({"apiKey": "s3cret-hs-key"}, "s3cret-hs-key"),
    "hubspotAppToken": ({"appToken": "pat-na1-s3cret"}, "pat-na1-s3cret"),
    "typeformApi": ({"accessToken": "tfp_s3cret"}, "tfp_s3cret"),
    "mattermostApi": (
        {"accessToken": "s3cret-mm", "baseUrl": "https://chat.example"},
        "s3cret-mm",
    ),
    "supabaseApi": (
        {"host": "https://abc.supabase.co", "serviceRole": "eyJ.s3cret-sb-role"},
        "eyJ.s3cret-sb-role",
    ),
    "pineconeApi": ({"apiKey": "pcsk_s3cret-pc"}, "pcsk_s3cret-pc"),
    # AI chat model providers
    "googlePalmApi": ({"apiKey": "AIza-s3cret"}, "AIza-s3cret"),
    "ollamaApi": ({"baseUrl": "http://ollama:11434", "apiKey": "s3cret-ol"}, "s3cret-ol"),
    **{
        kind: ({"apiKey": f"s3cret-{kind}"}, f"s3cret-{kind}")
        for kind in (
            "anthropicApi",
            "mistralCloudApi",
            "groqApi",
            "openRouterApi",
            "deepSeekApi",
            "xAiApi",
        )
    },
    **{
        kind: ({"clientId": "c", "clientSecret": f"s3cret-{kind}"}, f"s3cret-{kind}")
        for kind in (
            "oAuth2Api",
            "slackOAuth2Api",
            "airtableOAuth2Api",
            "notionOAuth2Api",
            "githubOAuth2Api",
            "discordOAuth2Api",
            "hubspotOAuth2Api",
            "typeformOAuth2Api",
            # Google's (hetumind.integrations.google.credential_kinds)
            "googleOAuth2Api",
            "googleSheetsOAuth2Api",
            "googleDriveOAuth2Api",
            "gmailOAuth2",
            "googleSheetsTriggerOAuth2Api",
            "googleCalendarOAuth2Api",
            "googleDocsOAuth2Api",
            "youTubeOAuth2Api",
        )
    },
    "googleApi": (
        {"email": "bot@project.iam.gserviceaccount.com", "privateKey": "-----s3cret-pem-----"},
        "-----s3cret-pem-----",
    ),
}


def test_every_type_has_a_sample() -> None:
    assert set(SAMPLES) == set(CREDENTIAL_TYPES)


async def _raw_rows(store: Store) -> list[CredentialRecord]:
    async with store.sessions() as session:
        return list((await session.execute(select(CredentialRecord))).scalars())


@pytest.mark.parametrize("kind", sorted(SAMPLES))
def test_encrypted_at_rest_and_redacted(store: Store, kind: str) -> None:
    data, secret = SAMPLES[kind]
    view = store.run_sync(store.credentials.create(name=f"my {kind}", type=kind, data=data))
    # The row holds a Fernet token: the secret is nowhere in it.
    (row,) = store.run_sync(_raw_rows(store))
    assert secret not in row.data and "s3cret" not in row.data
    # Views redact the secret, and only the secret.
    for shown in (view, store.run_sync(store.credentials.get(view.id))):
        assert secret not in repr(shown.to_json())
        assert REDACTED in shown.data.values()
        assert {k: v for k, v in shown.data.items() if v != REDACTED}.items() <= (
            validate_credential(kind, data).items()
        )
    revealed = store.run_sync(store.credentials.reveal(view.id))
    assert revealed.data == validate_credential(kind, data)
    assert secret not in repr(revealed)
    assert store.run_sync(store.credentials.secrets_of([view.id, "unknown"])) == [secret]


def test_validation_names_the_field(store: Store) -> None:
    with pytest.raises(CredentialInvalid, match="field 'token'") as info:
        store.run_sync(store.credentials.create(name="b", type="httpBearerAuth", data={}))
    assert info.value.fields == {"token": "Field required"}
    with pytest.raises(CredentialInvalid, match="field 'port'"):
        store.run_sync(store.credentials.create(name="p", type="postgres", data={"port": 99999}))
    with pytest.raises(CredentialInvalid, match="field 'tokn': unknown field"):
        store.run_sync(
            store.credentials.create(
                name="b", type="httpBearerAuth", data={"token": "t", "tokn": "x"}
            )
        )
    with pytest.raises(CredentialInvalid, match="field 'type'"):
        store.run_sync(store.credentials.create(name="b", type="smtp", data={}))
    with pytest.raises(InvalidData, match="'name'"):
        store.run_sync(
            store.credentials.create(name="", type="httpBearerAuth", data={"token": "t"})
        )
    assert store.run_sync(_raw_rows(store)) == []


def test_update_keeps_redacted_fields(store: Store) -> None:
    view = store.run_sync(
        store.credentials.create(
            name="basic", type="httpBasicAuth", data={"user": "ada", "password": "pw1"}
        )
    )
    # A client sends back what it was shown, changing only the user.
    updated = store.run_sync(
        store.credentials.update(view.id, data={**view.data, "user": "grace"}, name="renamed")
    )
    assert (updated.name, updated.data["user"]) == ("renamed", "grace")
    assert store.run_sync(store.credentials.reveal(view.id)).data["password"] == "pw1"
    store.run_sync(store.credentials.update(view.id, data={"password": "pw2"}))
    assert store.run_sync(store.credentials.reveal(view.id)).data == {
        "user": "grace",
        "password": "pw2",
    }
    with pytest.raises(CredentialInvalid, match="field 'user'"):
        store.run_sync(store.credentials.update(view.id, data={"user": ""}))
    assert store.run_sync(store.credentials.reveal(view.id)).data["user"] == "grace"


def test_list_delete_and_not_found(store: Store) -> None:
    a = store.run_sync(
        store.credentials.create(name="a", type="httpBearerAuth", data={"token": "1"})
    )
    store.run_sync(store.credentials.create(name="b", type="openAiApi", data={"apiKey": "2"}))
    assert [c.name for c in store.run_sync(store.credentials.list())] == ["a", "b"]
    assert [c.name for c in store.run_sync(store.credentials.list(type="openAiApi"))] == ["b"]
    store.run_sync(store.credentials.delete(a.id))
    for call in (
        store.credentials.get(a.id),
        store.credentials.reveal(a.id),
        store.credentials.delete(a.id),
        store.credentials.update(a.id, name="x"),
    ):
        with pytest.raises(NotFound, match="credential"):
            store.run_sync(call)


def test_key_generated_once_into_home(tmp_path: Path) -> None:
    home = tmp_path / "home"
    key = load_or_create_key(home)
    path = home / KEY_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_or_create_key(home) == key
    settings = StoreSettings.from_env({"HETUMIND_HOME": str(home)})
    token = Cipher.from_settings(settings).encrypt({"a": 1})
    assert Cipher(key).decrypt(token) == {"a": 1}


def test_env_key_wins_and_any_text_works(tmp_path: Path) -> None:
    env = {"HETUMIND_HOME": str(tmp_path), "HETUMIND_ENCRYPTION_KEY": "correct horse"}
    cipher = Cipher.from_settings(StoreSettings.from_env(env))
    assert not (tmp_path / KEY_FILE).exists()
    token = cipher.encrypt("x")
    assert Cipher("correct horse").decrypt(token) == "x"
    with pytest.raises(DecryptionFailed, match="different encryption key"):
        Cipher("wrong horse").decrypt(token)


def test_resolve_by_id_or_name_for_nodes(store: Store) -> None:
    from hetumind.store import Conflict, credential_resolver

    a = store.run_sync(
        store.credentials.create(name="main", type="openAiApi", data={"apiKey": "k1"})
    )
    store.run_sync(
        store.credentials.create(name="main", type="httpBearerAuth", data={"token": "t"})
    )
    resolve = credential_resolver(store)
    assert resolve("openAiApi", {"id": a.id, "name": "stale name"})["apiKey"] == "k1"  # type: ignore[index]
    assert resolve("openAiApi", {"name": "main"})["apiKey"] == "k1"  # type: ignore[index]
    assert resolve("openAiApi", {}) is None
    with pytest.raises(InvalidData, match="is of type 'openAiApi', not 'httpBearerAuth'"):
        resolve("httpBearerAuth", {"id": a.id})
    with pytest.raises(NotFound, match="openAiApi credential 'other'"):
        resolve("openAiApi", {"name": "other"})
    store.run_sync(store.credentials.create(name="main", type="openAiApi", data={"apiKey": "k2"}))
    with pytest.raises(Conflict, match="refer to one by id"):
        resolve("openAiApi", {"name": "main"})
