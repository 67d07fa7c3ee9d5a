"""Google Calendar Trigger 1 against the fake Calendar v3 API, polled as the scheduler
polls (mode "trigger", static data carried between polls): the first poll starts
nothing, later polls emit what happened in their window once (created, updated,
cancelled, started, ended), matchTerm, paging, manual runs, bad parameters, 401, 429."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from hetumind.engine.context import ExecutionInfo, NodeRunContext
from hetumind.errors import NodeExecutionError
from hetumind.integrations.errors import NodeApiError
from hetumind.nodes.builtin.google_calendar_trigger import GoogleCalendarTrigger
from hetumind.nodes.polling import POLL_MODE
from hetumind.workflow import Node as WorkflowNode
from tests.fakes._base import serving
from tests.fakes.fake_google_calendar import FakeGoogleCalendar, rfc3339, stamp
from tests.fakes.fake_google_token import FakeGoogleToken
from tests.integrations.google.conftest import oauth_creds

TYPE = "n8n-nodes-base.googleCalendarTrigger"
CAL = "me@corp.example"


@pytest.fixture(scope="module")
def calendar_server(google_token: FakeGoogleToken) -> Iterator[FakeGoogleCalendar]:
    with serving(FakeGoogleCalendar(google_token)) as fake:
        yield fake


@pytest.fixture
def api(calendar_server: FakeGoogleCalendar) -> FakeGoogleCalendar:
    calendar_server.reset()
    calendar_server.add_calendar(CAL)
    return calendar_server


def ago(seconds: float) -> datetime:
    return datetime.now(UTC) - timedelta(seconds=seconds)


def event(summary: str, start: datetime, **extra: Any) -> dict[str, Any]:
    return {
        "summary": summary,
        "start": {"dateTime": stamp(start)},
        "end": {"dateTime": stamp(start + timedelta(minutes=30))},
        **extra,
    }


class Poller:
    def __init__(self, api: FakeGoogleCalendar, token: FakeGoogleToken, **params: Any) -> None:
        self.params = {
            "calendarId": {"__rl": True, "value": CAL, "mode": "list"},
            "pollTimes": {"item": [{"mode": "everyMinute"}]},
            **params,
        }
        self.creds = oauth_creds("googleCalendarOAuth2Api", token, api.url)
        self.static: dict[str, Any] = {}

    def __call__(self, *, manual: bool = False) -> list[dict[str, Any]] | None:
        node = WorkflowNode(
            name="Cal",
            type=TYPE,
            typeVersion=1,
            parameters=dict(self.params),
            credentials=self.creds,
        )
        info = ExecutionInfo(
            execution_id="poll",
            workflow_id="wf",
            workflow_name="t",
            mode="manual" if manual else POLL_MODE,
            static_data={"node:Cal": self.static},
        )
        ctx = NodeRunContext(
            node, [], run_index=0, info=info, state={}, references={},
            continue_on_fail=False, vectorize=True,
        )  # fmt: skip
        if manual:
            out = GoogleCalendarTrigger().run(ctx, [])[0].to_items()
            found: list[dict[str, Any]] | None = [o["json"] for o in out] or None
        else:
            found = GoogleCalendarTrigger().poll(ctx, manual=False)
        self.static = ctx.static_data("node")
        return found


def test_first_poll_starts_nothing_then_created_once(
    api: FakeGoogleCalendar, google_token: FakeGoogleToken
) -> None:
    api.add_event(CAL, event("old", ago(-3600), created=rfc3339(ago(3600))))
    poll = Poller(api, google_token, triggerOn="eventCreated")
    assert poll() is None
    checked = poll.static["lastTimeChecked"]
    assert checked.endswith("Z") and len(checked) == 20  # seconds, UTC, as moment formats
    since = stamp(ago(60))
    poll.static["lastTimeChecked"] = since  # as if the last poll was a minute ago
    api.add_event(CAL, event("new", ago(-7200), created=rfc3339(ago(30))))
    updated = event("edited", ago(-100), created=rfc3339(ago(3000)), updated=rfc3339(ago(20)))
    api.add_event(CAL, updated)
    out = poll()
    assert [e["summary"] for e in out or []] == ["new"]
    q = api.calls("/events")[-1].query
    assert q["orderBy"] == "updated" and q["showDeleted"] == "false"
    assert q["updatedMin"] == since
    assert poll() is None  # dedupe: the window moved on


def test_updated_and_cancelled(api: FakeGoogleCalendar, google_token: FakeGoogleToken) -> None:
    api.add_event(CAL, event("fresh", ago(-60), created=rfc3339(ago(30)), updated=rfc3339(ago(30))))
    api.add_event(
        CAL, event("moved", ago(-60), created=rfc3339(ago(9000)), updated=rfc3339(ago(25)))
    )
    api.add_event(
        CAL,
        event(
            "dropped",
            ago(-60),
            created=rfc3339(ago(9000)),
            updated=rfc3339(ago(20)),
            status="cancelled",
        ),
    )
    poll = Poller(api, google_token, triggerOn="eventUpdated")
    poll.static["lastTimeChecked"] = stamp(ago(60))
    # updatedMin lists deleted events too (Google's rule), and n8n keeps them
    assert sorted(e["summary"] for e in poll() or []) == ["dropped", "moved"]
    poll = Poller(api, google_token, triggerOn="eventCancelled")
    poll.static["lastTimeChecked"] = stamp(ago(60))
    assert [e["summary"] for e in poll() or []] == ["dropped"]
    assert api.calls("/events")[-1].query["showDeleted"] == "true"


def test_started_and_ended_with_match_term(
    api: FakeGoogleCalendar, google_token: FakeGoogleToken
) -> None:
    api.add_event(CAL, event("standup", ago(40)))  # started 40 s ago, ends in 29 min
    api.add_event(CAL, event("review standup", ago(1820)))  # ended 20 s ago
    api.add_event(CAL, event("later standup", ago(-600)))
    api.add_event(CAL, event("lunch", ago(30)))
    poll = Poller(api, google_token, triggerOn="eventStarted", options={"matchTerm": "standup"})
    poll.static["lastTimeChecked"] = stamp(ago(60))
    assert [e["summary"] for e in poll() or []] == ["standup"]
    q = api.calls("/events")[-1].query
    assert q["singleEvents"] == "true" and q["orderBy"] == "startTime" and q["q"] == "standup"
    ended = Poller(api, google_token, triggerOn="eventEnded", options={"matchTerm": "standup"})
    ended.static["lastTimeChecked"] = stamp(ago(60))
    assert [e["summary"] for e in ended() or []] == ["review standup"]


def test_recurring_instances_start(api: FakeGoogleCalendar, google_token: FakeGoogleToken) -> None:
    first = ago(3 * 86400 + 30)
    api.add_event(CAL, event("daily", first, recurrence=["RRULE:FREQ=DAILY;COUNT=10"]))
    poll = Poller(api, google_token, triggerOn="eventStarted")
    poll.static["lastTimeChecked"] = stamp(ago(60))
    (inst,) = poll() or []
    assert inst["recurringEventId"] and inst["summary"] == "daily"


def test_every_page_is_read(api: FakeGoogleCalendar, google_token: FakeGoogleToken) -> None:
    for n in range(120):
        api.add_event(CAL, event(f"e{n}", ago(-3600), created=rfc3339(ago(30))))
    poll = Poller(api, google_token, triggerOn="eventCreated")
    poll.static["lastTimeChecked"] = stamp(ago(60))
    assert len(poll() or []) == 120
    assert len(api.calls("/events")) == 2


def test_manual_lists_one_event_and_keeps_state(
    api: FakeGoogleCalendar, google_token: FakeGoogleToken
) -> None:
    poll = Poller(api, google_token, triggerOn="eventCreated")
    with pytest.raises(NodeApiError, match="No data with the current filter could be found"):
        poll(manual=True)
    api.add_event(CAL, event("a", ago(-60), created=rfc3339(ago(99999))))
    api.add_event(CAL, event("b", ago(-60), created=rfc3339(ago(99999))))
    poll.static = {"lastTimeChecked": "2025-01-01T00:00:00Z"}
    shown = poll(manual=True)
    assert shown is not None and len(shown) == 1
    q = api.calls("/events")[-1].query
    assert q["maxResults"] == "1" and "updatedMin" not in q
    assert poll.static == {"lastTimeChecked": "2025-01-01T00:00:00Z"}


def test_parameters_are_checked(api: FakeGoogleCalendar, google_token: FakeGoogleToken) -> None:
    with pytest.raises(NodeExecutionError, match="Please select an event"):
        Poller(api, google_token)()
    with pytest.raises(NodeExecutionError, match="Please select a calendar"):
        Poller(
            api,
            google_token,
            triggerOn="eventCreated",
            calendarId={"__rl": True, "value": "", "mode": "list"},
        )()
    with pytest.raises(NodeExecutionError, match="Please set a poll time"):
        Poller(api, google_token, triggerOn="eventCreated", pollTimes={"item": []})()
    by_id = Poller(
        api,
        google_token,
        triggerOn="eventCreated",
        calendarId={"__rl": True, "value": f"{CAL}  ", "mode": "id"},
    )
    assert by_id() is None
    assert api.calls(f"/calendars/{CAL.replace('@', '%40')}/events")


def test_unknown_calendar_auth_failure_and_rate_limit(
    api: FakeGoogleCalendar, google_token: FakeGoogleToken
) -> None:
    poll = Poller(
        api,
        google_token,
        triggerOn="eventCreated",
        calendarId={"__rl": True, "value": "ghost@corp.example", "mode": "list"},
    )
    with pytest.raises(NodeApiError) as info:
        poll()
    assert info.value.http_code == 404
    poll = Poller(api, google_token, triggerOn="eventCreated")
    data = poll.creds["googleCalendarOAuth2Api"]["data"]
    data["oauthTokenData"] = {"access_token": "stale", "refresh_token": "revoked"}
    with pytest.raises(NodeApiError) as info:
        poll()
    assert info.value.http_code == 401
    poll = Poller(api, google_token, triggerOn="eventCreated")
    api.rate_limit(1, retry_after=0)
    assert poll() is None and "lastTimeChecked" in poll.static
    api.rate_limit(10, retry_after=0)
    with pytest.raises(NodeApiError, match="too many requests"):
        poll()
    api.rate_limit(0)
