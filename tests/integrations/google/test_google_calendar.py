"""Google Calendar 1-1.3 against a fake of the Calendar v3 API: event create (times in the
workflow's zone, all-day, recurrence, reminders, attendees), get (nextOccurrence below
1.3, returnNextInstance in 1.3), getAll (1.3's After/Before and recurringEventHandling,
options, limit and returnAll over pageToken pages), update (attendeesUi, modifyTarget),
delete, calendar availability; 401 / 403 / 404, continueOnFail, token refresh, 429."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from hetumind.errors import NodeExecutionError
from hetumind.integrations.errors import NodeApiError
from tests.fakes._base import serving
from tests.fakes.fake_google_calendar import FakeGoogleCalendar, rfc3339, stamp
from tests.fakes.fake_google_token import FakeGoogleToken
from tests.integrations.conftest import run_node
from tests.integrations.google.conftest import oauth_creds

TYPE = "n8n-nodes-base.googleCalendar"
CAL = "team@group.calendar.google.com"


@pytest.fixture(scope="module")
def calendar_server(google_token: FakeGoogleToken) -> Iterator[FakeGoogleCalendar]:
    with serving(FakeGoogleCalendar(google_token)) as fake:
        yield fake


@pytest.fixture
def api(calendar_server: FakeGoogleCalendar, monkeypatch: pytest.MonkeyPatch) -> FakeGoogleCalendar:
    calendar_server.reset()
    calendar_server.add_calendar(CAL, "Europe/Berlin")
    monkeypatch.setenv("GENERIC_TIMEZONE", "Europe/Berlin")
    return calendar_server


def rl(value: str, mode: str = "id") -> dict[str, Any]:
    return {"__rl": True, "value": value, "mode": mode}


def run(
    api: FakeGoogleCalendar,
    token: FakeGoogleToken,
    params: dict[str, Any],
    items: list[dict[str, Any]] | None = None,
    **kw: Any,
) -> list[dict[str, Any]]:
    kw.setdefault("version", 1.3)
    params = {"calendar": rl(CAL), **params}
    creds = kw.pop("creds", None) or oauth_creds("googleCalendarOAuth2Api", token, api.url)
    return [o["json"] for o in run_node(TYPE, params, creds, items, **kw)]


def soon(**delta: float) -> datetime:
    return datetime.now(UTC).replace(microsecond=0) + timedelta(**delta)


def timed(summary: str, start: datetime, hours: float = 1, **extra: Any) -> dict[str, Any]:
    return {
        "summary": summary,
        "start": {"dateTime": stamp(start)},
        "end": {"dateTime": stamp(start + timedelta(hours=hours))},
        **extra,
    }


def test_create_reads_local_times_in_the_workflow_zone(
    api: FakeGoogleCalendar, google_token: FakeGoogleToken
) -> None:
    params = {
        "operation": "create",
        "start": "2025-07-01T10:00:00",
        "end": "2025-07-01 11:30",
        "useDefaultReminders": False,
        "remindersUi": {"remindersValues": [{"method": "popup", "minutes": 15}]},
        "additionalFields": {
            "summary": "Planning",
            "attendees": ["a@x.example, b@x.example", "c@x.example"],
            "showMeAs": "transparent",
            "repeatFrecuency": "weekly",
            "repeatHowManyTimes": 3,
            "guestsCanModify": False,
        },
    }
    (out,) = run(api, google_token, params)
    sent = api.calls("/events")[-1].json
    assert sent["start"] == {"dateTime": "2025-07-01T08:00:00Z", "timeZone": "Europe/Berlin"}
    assert sent["end"]["dateTime"] == "2025-07-01T09:30:00Z"
    assert sent["attendees"] == [
        {"email": "a@x.example"},
        {"email": "b@x.example"},
        {"email": "c@x.example"},
    ]
    assert sent["transparency"] == "transparent"
    assert "guestsCanModify" not in sent  # falsy fields are not sent, as in n8n
    assert sent["recurrence"] == ["RRULE:FREQ=WEEKLY;COUNT=3;"]
    assert sent["reminders"] == {
        "useDefault": False,
        "overrides": [{"method": "popup", "minutes": 15}],
    }
    assert list(out)[:4] == ["id", "summary", "start", "end"]  # 1.3 orders the keys
    assert out["summary"] == "Planning" and out["status"] == "confirmed"


def test_create_all_day_with_offset_and_workflow_zone(
    api: FakeGoogleCalendar, google_token: FakeGoogleToken
) -> None:
    params = {
        "operation": "create",
        "start": "2025-03-02T23:30:00-05:00",  # 05:30 on the 3rd in Berlin
        "end": "2025-03-04T00:00:00+01:00",
        "additionalFields": {"allday": "yes", "rrule": "FREQ=DAILY;COUNT=2"},
    }
    run(api, google_token, params)
    sent = api.calls("/events")[-1].json
    assert sent["start"] == {"date": "2025-03-03"} and sent["end"] == {"date": "2025-03-04"}
    assert sent["recurrence"] == ["RRULE:FREQ=DAILY;COUNT=2"]


def test_create_refuses_count_and_until(
    api: FakeGoogleCalendar, google_token: FakeGoogleToken
) -> None:
    params = {
        "operation": "create",
        "start": "2025-01-01T10:00:00Z",
        "end": "2025-01-01T11:00:00Z",
        "additionalFields": {"repeatHowManyTimes": 2, "repeatUntil": "2025-02-01"},
    }
    with pytest.raises(NodeExecutionError, match="either 'Repeat How Many Times'"):
        run(api, google_token, params)
    assert not api.calls("/events")


def test_create_service_error_is_n8n_text(
    api: FakeGoogleCalendar, google_token: FakeGoogleToken
) -> None:
    params = {"operation": "create", "start": "2025-01-02T10:00:00Z", "end": "2025-01-01T10:00Z"}
    with pytest.raises(NodeApiError) as info:
        run(api, google_token, params)
    assert info.value.reason == "Bad request - please check your parameters"
    assert info.value.description == "The specified time range is empty."


def test_get_adds_next_occurrence_below_1_3_and_next_instance_in_1_3(
    api: FakeGoogleCalendar, google_token: FakeGoogleToken
) -> None:
    first = soon(days=-3).replace(hour=9, minute=0, second=0)
    event = api.add_event(CAL, timed("Daily", first, recurrence=["RRULE:FREQ=DAILY;COUNT=30"]))
    (old,) = run(api, google_token, {"operation": "get", "eventId": event["id"]}, version=1.2)
    nxt = datetime.fromisoformat(old["nextOccurrence"]["start"]["dateTime"])
    assert nxt > datetime.now(UTC) and nxt - datetime.now(UTC) <= timedelta(days=1)
    assert nxt.hour == 9 and old["nextOccurrence"]["end"]["dateTime"].endswith("+00:00")
    params = {"operation": "get", "eventId": event["id"], "options": {"returnNextInstance": True}}
    (inst,) = run(api, google_token, params)
    assert inst["recurringEventId"] == event["id"]
    assert datetime.fromisoformat(inst["start"]["dateTime"]) == nxt
    calls = api.calls("/instances")
    assert calls[-1].query["maxResults"] == "1"


def test_get_unknown_event_and_continue_on_fail(
    api: FakeGoogleCalendar, google_token: FakeGoogleToken
) -> None:
    with pytest.raises(NodeApiError) as info:
        run(api, google_token, {"operation": "get", "eventId": "nope"})
    assert info.value.reason == "The resource you are requesting could not be found"
    assert info.value.http_code == 404
    good = api.add_event(CAL, timed("Kept", soon(days=1)))
    items = [{"json": {"id": "nope"}}, {"json": {"id": good["id"]}}]
    out = run(
        api,
        google_token,
        {"operation": "get", "eventId": "={{ $json.id }}"},
        items,
        continue_on_fail=True,
    )
    assert out[0] == {"error": "The resource you are requesting could not be found"}
    assert out[1]["summary"] == "Kept"


def test_get_all_1_3_window_defaults_and_expansion(
    api: FakeGoogleCalendar, google_token: FakeGoogleToken
) -> None:
    api.add_event(CAL, timed("past", soon(days=-2)))
    api.add_event(CAL, timed("tomorrow", soon(days=1)))
    api.add_event(CAL, timed("next month", soon(days=30)))
    api.add_event(CAL, timed("weekly", soon(days=-20), recurrence=["RRULE:FREQ=WEEKLY"]))
    out = run(api, google_token, {"operation": "getAll", "options": {"orderBy": "startTime"}})
    names = [e["summary"] for e in out]
    assert "tomorrow" in names and "past" not in names and "next month" not in names
    assert names.count("weekly") == 1  # one instance in the week from now
    q = api.calls("/events")[-1].query
    assert q["singleEvents"] == "true" and q["maxResults"] == "50"
    low = datetime.fromisoformat(q["timeMin"].replace("Z", "+00:00"))
    high = datetime.fromisoformat(q["timeMax"].replace("Z", "+00:00"))
    assert timedelta(days=7) - timedelta(seconds=5) < high - low <= timedelta(days=7)


def test_get_all_1_3_local_bounds_and_handling_first(
    api: FakeGoogleCalendar, google_token: FakeGoogleToken
) -> None:
    api.add_event(
        CAL,
        timed(
            "old series",
            datetime(2025, 1, 6, 9, tzinfo=UTC),
            recurrence=["RRULE:FREQ=WEEKLY"],
            created="2024-12-01T10:00:00.000Z",
        ),
    )
    api.add_event(
        CAL,
        timed("new", datetime(2025, 1, 7, 9, tzinfo=UTC), created="2025-01-05T10:00:00.000Z"),
    )
    params = {
        "operation": "getAll",
        "timeMin": "2025-01-05T00:00:00",
        "timeMax": "2025-01-12T00:00:00Z",
        "options": {"recurringEventHandling": "first", "query": "series new"},
    }
    run(api, google_token, params)
    q = api.calls("/events")[-1].query
    assert q["timeMin"] == "2025-01-04T23:00:00Z"  # Berlin midnight in UTC
    assert q["timeMax"] == "2025-01-12T00:00:00Z"
    assert "singleEvents" not in q and q["q"] == "series new"
    params["options"] = {"recurringEventHandling": "first"}
    out = run(api, google_token, params)
    assert [e["summary"] for e in out] == ["new"]  # the series was created before After


def test_get_all_1_3_handling_next(api: FakeGoogleCalendar, google_token: FakeGoogleToken) -> None:
    series = api.add_event(
        CAL, timed("series", soon(days=-10, hours=-3), recurrence=["RRULE:FREQ=DAILY;COUNT=40"])
    )
    params = {
        "operation": "getAll",
        "timeMin": rfc3339(soon(days=-30)),
        "options": {"recurringEventHandling": "next"},
    }
    (out,) = run(api, google_token, params)
    assert out["recurringEventId"] == series["id"]
    assert datetime.fromisoformat(out["start"]["dateTime"]) > datetime.now(UTC)


def test_get_all_below_1_3_uses_options_and_adds_next_occurrence(
    api: FakeGoogleCalendar, google_token: FakeGoogleToken
) -> None:
    api.add_event(CAL, timed("series", soon(days=-10), recurrence=["RRULE:FREQ=DAILY"]))
    api.add_event(CAL, timed("single", soon(days=2)))
    params = {
        "operation": "getAll",
        "timeMin": "2000-01-01T00:00:00Z",  # not a 1.2 parameter: ignored
        "options": {"timeMax": "2100-01-01 00:00", "singleEvents": False},
        "returnAll": True,
    }
    out = run(api, google_token, params, version=1.2)
    q = api.calls("/events")[-1].query
    assert "timeMin" not in q and q["timeMax"] == "2099-12-31T23:00:00Z"
    assert "singleEvents" not in q and q["maxResults"] == "100"
    series = next(e for e in out if e["summary"] == "series")
    assert "nextOccurrence" in series and "nextOccurrence" not in out[1]


def test_get_all_pages_with_return_all_and_limit(
    api: FakeGoogleCalendar, google_token: FakeGoogleToken
) -> None:
    base = soon(days=1)
    for n in range(230):
        api.add_event(CAL, timed(f"e{n:03d}", base + timedelta(minutes=n)))
    params = {"operation": "getAll", "returnAll": True, "options": {"orderBy": "startTime"}}
    out = run(api, google_token, params)
    assert [e["summary"] for e in out] == [f"e{n:03d}" for n in range(230)]
    pages = api.calls("/events")
    assert [("pageToken" in r.query) for r in pages] == [False, True, True]
    assert all(r.query["maxResults"] == "100" for r in pages)
    api.log.clear()
    params = {"operation": "getAll", "limit": 7, "options": {"orderBy": "startTime"}}
    assert len(run(api, google_token, params)) == 7
    assert len(api.calls("/events")) == 1


def test_update_attendees_ui_and_timezone(
    api: FakeGoogleCalendar, google_token: FakeGoogleToken
) -> None:
    event = api.add_event(CAL, timed("Sync", soon(days=3), attendees=[{"email": "old@x.example"}]))
    params = {
        "operation": "update",
        "eventId": event["id"],
        "updateFields": {
            "start": "2025-06-01T09:00:00",
            "end": "2025-06-01T10:00:00",
            "summary": "Sync (moved)",
            "attendeesUi": {"values": {"mode": "add", "attendees": ["new@x.example"]}},
        },
    }
    (out,) = run(api, google_token, params, version=1.2)
    sent = api.calls(f"/events/{event['id']}")[-1]
    assert sent.method == "PATCH"
    assert sent.json["start"] == {"dateTime": "2025-06-01T07:00:00Z", "timeZone": "Europe/Berlin"}
    assert "recurrence" not in sent.json
    assert [a["email"] for a in out["attendees"]] == ["old@x.example", "new@x.example"]
    params["updateFields"] = {
        "start": "2025-06-01T09:00:00",
        "attendeesUi": {"values": {"mode": "replace", "attendees": ["only@x.example"]}},
    }
    (out,) = run(api, google_token, params, version=1)
    sent = api.calls(f"/events/{event['id']}")[-1]
    assert sent.json["start"] == {"dateTime": "2025-06-01T09:00:00Z"}  # v1: no zone
    assert [a["email"] for a in out["attendees"]] == ["only@x.example"]


def test_update_modify_target_event_patches_the_series(
    api: FakeGoogleCalendar, google_token: FakeGoogleToken
) -> None:
    series = api.add_event(
        CAL, timed("series", soon(days=-2), recurrence=["RRULE:FREQ=DAILY;COUNT=5"])
    )
    instance = f"{series['id']}_{stamp(datetime.fromisoformat(series['start']['dateTime']))}"
    instance = instance.replace("-", "").replace(":", "")
    params = {
        "operation": "update",
        "eventId": instance,
        "modifyTarget": "event",
        "updateFields": {"summary": "renamed", "rrule": "FREQ=DAILY;COUNT=9"},
    }
    (out,) = run(api, google_token, params)
    assert out["id"] == series["id"] and out["summary"] == "renamed"
    assert api.calendars[CAL]["events"][series["id"]]["recurrence"] == ["RRULE:FREQ=DAILY;COUNT=9"]


def test_delete_and_delete_again(api: FakeGoogleCalendar, google_token: FakeGoogleToken) -> None:
    event = api.add_event(CAL, timed("Gone", soon(days=1)))
    params = {"operation": "delete", "eventId": event["id"], "options": {"sendUpdates": "all"}}
    assert run(api, google_token, params) == [{"success": True}]
    assert api.calendars[CAL]["events"][event["id"]]["status"] == "cancelled"
    assert "sendUpdates" not in api.calls(f"/events/{event['id']}")[-1].query  # as n8n
    with pytest.raises(NodeApiError) as info:
        run(api, google_token, params)
    assert info.value.http_code == 410 and info.value.description == "Resource has been deleted"


def test_availability_formats(api: FakeGoogleCalendar, google_token: FakeGoogleToken) -> None:
    api.add_event(CAL, timed("busy", datetime(2025, 5, 5, 8, tzinfo=UTC)))
    api.add_event(
        CAL, timed("free", datetime(2025, 5, 5, 12, tzinfo=UTC), transparency="transparent")
    )
    base = {"resource": "calendar", "operation": "availability"}
    window = {"timeMin": "2025-05-05T09:00:00", "timeMax": "2025-05-05T11:00:00"}
    assert run(api, google_token, {**base, **window}) == [{"available": False}]
    body = api.calls("/freeBusy")[-1].json
    assert body == {
        "timeMin": "2025-05-05T07:00:00Z",
        "timeMax": "2025-05-05T09:00:00Z",
        "items": [{"id": CAL}],
        "timeZone": "Europe/Berlin",
    }
    later = {"timeMin": "2025-05-05T13:00:00Z", "timeMax": "2025-05-05T15:00:00Z"}
    assert run(api, google_token, {**base, **later}) == [{"available": True}]
    slots = run(api, google_token, {**base, **window, "options": {"outputFormat": "bookedSlots"}})
    assert slots == [{"start": "2025-05-05T08:00:00Z", "end": "2025-05-05T09:00:00Z"}]
    raw = run(api, google_token, {**base, **window, "options": {"outputFormat": "raw"}})
    assert raw[0]["kind"] == "calendar#freeBusy"
    with pytest.raises(NodeApiError, match="UNKNOWN ERROR") as info:
        run(api, google_token, {**base, **window, "calendar": rl("ghost@x.example")})
    assert "notFound" in str(info.value.description)


def test_unknown_calendar_and_read_only_calendar(
    api: FakeGoogleCalendar, google_token: FakeGoogleToken
) -> None:
    with pytest.raises(NodeApiError) as info:
        run(api, google_token, {"operation": "getAll", "calendar": "ghost@x.example"}, version=1)
    assert info.value.http_code == 404
    api.read_only.add(CAL)
    params = {"operation": "create", "start": "2025-01-01T10:00Z", "end": "2025-01-01T11:00Z"}
    with pytest.raises(NodeApiError) as info:
        run(api, google_token, params)
    assert info.value.reason == "Forbidden - perhaps check your credentials?"
    assert info.value.description == "You need to have writer access to this calendar."


def test_missing_calendar_names_the_parameter(
    api: FakeGoogleCalendar, google_token: FakeGoogleToken
) -> None:
    with pytest.raises(NodeExecutionError, match="'calendar' is required"):
        run(api, google_token, {"operation": "getAll", "calendar": rl("")})


def test_refused_token_is_refreshed_and_auth_failure(
    api: FakeGoogleCalendar, google_token: FakeGoogleToken
) -> None:
    creds = oauth_creds("googleCalendarOAuth2Api", google_token, api.url)
    creds["googleCalendarOAuth2Api"]["data"]["oauthTokenData"]["access_token"] = "stale"
    assert run(api, google_token, {"operation": "getAll"}, creds=creds) == []
    assert google_token.calls("/token")[-1].form["grant_type"] == "refresh_token"
    creds = oauth_creds("googleCalendarOAuth2Api", google_token, api.url, refresh_token="revoked")
    creds["googleCalendarOAuth2Api"]["data"]["oauthTokenData"]["access_token"] = "stale"
    with pytest.raises(NodeApiError) as info:
        run(api, google_token, {"operation": "getAll"}, creds=creds)
    assert info.value.http_code == 401
    assert "Token has been expired or revoked" in info.value.reason


def test_rate_limit_retried_then_failed(
    api: FakeGoogleCalendar, google_token: FakeGoogleToken
) -> None:
    api.add_event(CAL, timed("x", soon(days=1)))
    api.rate_limit(2, retry_after=0)
    assert len(run(api, google_token, {"operation": "getAll"})) == 1
    api.rate_limit(10, retry_after=0)
    with pytest.raises(NodeApiError, match="too many requests") as info:
        run(api, google_token, {"operation": "getAll"})
    assert info.value.http_code == 429
    assert info.value.description == "Rate Limit Exceeded"
    api.rate_limit(0)


def test_an_exported_workflow_uses_the_workflow_time_zone(
    api: FakeGoogleCalendar, google_token: FakeGoogleToken
) -> None:
    from hetumind.engine import run_workflow

    creds = oauth_creds("googleCalendarOAuth2Api", google_token, api.url)
    workflow = {
        "name": "book",
        "settings": {"timezone": "Asia/Tokyo"},
        "nodes": [
            {
                "name": "Start",
                "type": "n8n-nodes-base.manualTrigger",
                "typeVersion": 1,
                "parameters": {},
            },
            {
                "name": "Calendar",
                "type": TYPE,
                "typeVersion": 1.3,
                "parameters": {
                    "calendar": rl(CAL, "list"),
                    "start": "2025-04-01T09:00:00",
                    "end": "={{ '2025-04-01T10:00:00' }}",
                    "additionalFields": {"summary": "={{ 'run ' + $execution.id }}"},
                },
                "credentials": creds,
            },
        ],
        "connections": {"Start": {"main": [[{"node": "Calendar", "type": "main", "index": 0}]]}},
    }
    result = run_workflow(workflow).to_json()
    assert result["status"] == "success", result
    (item,) = result["runData"]["Calendar"][0]["outputs"][0]
    assert item["summary"] == f"run {result['executionId']}"
    assert item["start"] == {"dateTime": "2025-04-01T00:00:00Z", "timeZone": "Asia/Tokyo"}
