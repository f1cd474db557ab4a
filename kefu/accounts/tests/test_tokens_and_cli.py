from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from kefu.accounts.actions import agent_create, token_authenticate, token_digest, token_issue
from kefu.accounts.models import Agent, ApiToken
from kefu.core.errors import Conflict, ValidationFailed

pytestmark = pytest.mark.django_db


def test_tokens_are_hashed_at_rest(db):
    agent = agent_create(email="a@lumen.exchange", display_name="A")
    token, clear = token_issue(agent=agent, name="ci")
    assert clear.startswith("kefu_") and len(clear) > 40
    stored = ApiToken.objects.get(pk=token.pk)
    assert clear not in (stored.digest, stored.prefix) and stored.digest == token_digest(clear)
    assert token_authenticate(clear) == agent
    assert token_authenticate(clear + "x") is None
    Agent.objects.filter(pk=agent.pk).update(is_active=False)
    assert token_authenticate(clear) is None


def test_agent_create_validates(db):
    with pytest.raises(ValidationFailed, match="not a valid email"):
        agent_create(email="nope", display_name="x")
    with pytest.raises(ValidationFailed, match="role"):
        agent_create(email="x@y.io", display_name="x", role="god")
    agent_create(email="x@y.io", display_name="x")
    with pytest.raises(Conflict):
        agent_create(email="X@Y.io", display_name="x")


def test_createagent_prints_a_working_token_and_token_revoke_kills_it(db):
    out = io.StringIO()
    call_command(
        "createagent",
        "lee@lumen.exchange",
        "--name",
        "Lee",
        "--role",
        "supervisor",
        "--no-password",
        "--token",
        stdout=out,
    )
    clear = out.getvalue().strip().splitlines()[-1]
    assert token_authenticate(clear).email == "lee@lumen.exchange"
    out = io.StringIO()
    call_command("token", "list", "lee@lumen.exchange", stdout=out)
    assert clear[:11] in out.getvalue()
    call_command("token", "revoke", clear[:11], stdout=io.StringIO())
    assert token_authenticate(clear) is None
    with pytest.raises(CommandError):
        call_command(
            "createagent",
            "lee@lumen.exchange",
            "--name",
            "Lee",
            "--no-password",
            stdout=io.StringIO(),
        )


def test_tokens_through_the_api(api_as, demo):
    api = api_as("sam")
    res = api.post("/api/v1/tokens", {"name": "zapier"})
    assert res.status_code == 201
    clear = res.json()["token"]
    assert token_authenticate(clear) == demo.agents["sam"]
    listed = api.get("/api/v1/tokens").json()
    assert all("token" not in t for t in listed)
    assert api.delete(f"/api/v1/tokens/{res.json()['id']}").json()["revoked_at"]
    assert token_authenticate(clear) is None
    # someone else's token is not found
    other = api_as("mei").post("/api/v1/tokens", {"name": "x"}).json()
    assert api.delete(f"/api/v1/tokens/{other['id']}").status_code == 404


def test_only_admins_create_agents_and_inboxes(api_as, demo):
    body = {"email": "new@lumen.exchange", "display_name": "New"}
    assert api_as("mei").post("/api/v1/agents", body).status_code == 403
    assert api_as("ava").post("/api/v1/agents", body).status_code == 201
    inbox = {"name": "Telegram", "channel_type": "telegram"}
    assert api_as("priya").post("/api/v1/inboxes", inbox).status_code == 403
    res = api_as("ava").post("/api/v1/inboxes", {**inbox, "team_ids": [str(demo.teams["l1"].pk)]})
    assert res.status_code == 201 and res.json()["team_ids"] == [str(demo.teams["l1"].pk)]
    res = api_as("ava").post("/api/v1/inboxes", {"name": "x", "channel_type": "pigeon"})
    assert res.status_code == 422 and res.json()["error"]["fields"][0]["field"] == "channel_type"


def test_me_and_presence(api_as, demo):
    api = api_as("mei")
    me = api.get("/api/v1/agents/me").json()
    assert me["email"] == "mei@lumen.exchange" and {t["name"] for t in me["teams"]} == {
        "L1 Support",
        "VIP Desk",
    }
    assert me["support_id"].startswith("LS-")
    assert api.post("/api/v1/agents/me/presence", {"presence": "away"}).json()["presence"] == "away"
    assert api.post("/api/v1/agents/me/presence", {"presence": "asleep"}).status_code == 422


def test_demo_command_is_idempotent_with_if_empty(db):
    out = io.StringIO()
    call_command("demo", "--no-help-center", stdout=out)
    assert "Lumen Exchange demo" in out.getvalue()
    count = Agent.objects.count()
    out = io.StringIO()
    call_command("demo", "--if-empty", stdout=out)
    assert "leaving it" in out.getvalue() and Agent.objects.count() == count


def test_check_command_reports_services(db):
    out = io.StringIO()
    call_command("doctor", stdout=out)
    assert "database   ok" in out.getvalue() and "migrations ok" in out.getvalue()


def test_health_endpoints(client, db):
    assert client.get("/healthz").json() == {"status": "ok"}
    res = client.get("/readyz")
    assert res.status_code == 200 and res.json()["checks"]["database"] == "ok"


def test_readyz_reports_unreachable_redis(client, db, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    res = client.get("/readyz")
    assert res.status_code == 503 and res.json()["checks"]["redis"].startswith("error")
