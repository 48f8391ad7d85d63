"""The exercise pages in Chromium on a demo node: the list, the demo's finished communication check as
the hub sees it (every participant's scores) and as a participant sees it (its own only, the
distribution anonymised), and acknowledging an inject with the button, with JavaScript off."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import BrowserContext, expect

from gotong import exercises
from gotong.db.engine import read_connection
from gotong.demo import DEMO_EXERCISE, DEMO_PASSWORD, demo_email
from gotong.orgs.service import operator_for
from tests.conftest import RunningServer
from tests.web.conftest import sign_in


def _demo_id(node: RunningServer) -> str:
    with read_connection(node.engine) as conn:
        hub = operator_for(conn, org="ASEAN-CERT")
    return next(e.id for e in exercises.list_exercises(node.engine, actor=hub) if e.name == DEMO_EXERCISE)


def test_the_hub_sees_every_score_and_a_participant_only_its_own(
    node: RunningServer, new_context: Callable[..., BrowserContext]
) -> None:
    drill = _demo_id(node)
    page = new_context().new_page()
    sign_in(page, demo_email("ASEAN-CERT"), DEMO_PASSWORD)
    page.goto("/exercises")
    page.get_by_role("link", name=DEMO_EXERCISE).click()
    expect(page.get_by_role("heading", name="Timeline of injects and responses")).to_be_visible()
    for org in ("ThaiCERT: 10 / 10", "VNCERT: 0 / 10", "MyCERT: 0 / 10"):
        expect(page.get_by_role("heading", name=org)).to_be_visible()

    other = new_context().new_page()
    sign_in(other, demo_email("VNCERT"), DEMO_PASSWORD)
    other.goto(f"/exercises/{drill}")
    expect(other.get_by_role("heading", name="VNCERT: 0 / 10")).to_be_visible()
    expect(other.get_by_role("heading", name="ThaiCERT: 10 / 10")).to_have_count(0)
    expect(other.get_by_text("0.0 %, 0.0 %, 100.0 %")).to_be_visible()
    chart = other.get_by_role("img", name="Distribution of the scores")
    expect(chart).to_contain_text("0-24 %2")  # two participants in the lowest quarter, one in the top
    expect(chart).to_contain_text("75-100 %1")
    expect(other.get_by_role("heading", name="My results")).to_be_visible()
    # The finished drill's after-action report, linked from its page: VNCERT's own results only.
    other.get_by_role("link", name="web page").click()
    expect(other.get_by_role("heading", name="After-action report: " + DEMO_EXERCISE)).to_be_visible()
    expect(other.get_by_role("heading", name="Action items")).to_be_visible()
    expect(other.get_by_text("VNCERT scored 0 of 10 points")).to_be_visible()
    expect(other.get_by_text("ThaiCERT scored")).to_have_count(0)
    pdf = other.request.get(f"/exercises/{drill}/after-action?format=pdf")
    assert pdf.status == 200 and pdf.body().startswith(b"%PDF")
    # LaoCERT takes no part: the page is not there for it, nor its after-action report.
    lao = new_context().new_page()
    sign_in(lao, demo_email("LaoCERT"), DEMO_PASSWORD)
    assert lao.goto(f"/exercises/{drill}").status == 404  # type: ignore[union-attr]
    assert lao.goto(f"/exercises/{drill}/after-action").status == 404  # type: ignore[union-attr]


def test_a_participant_acknowledges_an_inject_without_javascript(
    node: RunningServer, new_context: Callable[..., BrowserContext]
) -> None:
    with read_connection(node.engine) as conn:
        hub = operator_for(conn, org="ASEAN-CERT")
    made = exercises.create_exercise(
        node.engine,
        actor=hub,
        exercise=exercises.ExerciseCreate(
            scenario="acid-ransomware", name="Browser drill", participants=["ThaiCERT"]
        ),
    )
    exercises.start_exercise(node.engine, actor=hub, exercise_id=made.id)
    exercises.tick(node.engine, settings=node.settings)
    page = new_context(javascript=False).new_page()
    sign_in(page)
    page.goto("/exercises")
    expect(page.get_by_role("cell", name="The loader calls home to a domain")).to_be_visible()  # upcoming
    # In ThaiCERT's time zone (its 24/7 desk's, from the directory), not the server's.
    expect(page.get_by_text("Times are in your time zone: Asia/Bangkok.")).to_be_visible()
    expect(page.get_by_text("(Asia/Bangkok, UTC+0700)").first).to_be_visible()
    page.goto(f"/exercises/{made.id}")
    expect(page.get_by_role("heading", name="My injects")).to_be_visible()
    page.get_by_role("button", name="Acknowledge").click()
    expect(page.get_by_role("status")).to_contain_text("Acknowledged")
    (inject,) = exercises.list_injects(node.engine, actor=hub, exercise_id=made.id)
    assert inject.acknowledged_at is not None


def test_a_participant_appeals_a_result_and_the_hub_decides_it(
    node: RunningServer, new_context: Callable[..., BrowserContext]
) -> None:
    drill = _demo_id(node)
    vn = new_context(javascript=False).new_page()
    sign_in(vn, demo_email("VNCERT"), DEMO_PASSWORD)
    vn.goto(f"/exercises/{drill}")
    expect(vn.get_by_role("heading", name="VNCERT: 0 / 10")).to_be_visible()
    appeal = vn.get_by_role("form", name="Appeal desk-check/answer")
    appeal.get_by_role("button").click()  # no reason: refused, and the problem is named
    expect(vn.get_by_role("alert")).to_contain_text("Say why the result is wrong")
    vn.get_by_role("form", name="Appeal desk-check/answer").get_by_role("textbox").fill(
        "Our desk answered by phone within ten minutes"
    )
    vn.get_by_role("form", name="Appeal desk-check/answer").get_by_role("button").click()
    expect(vn.get_by_role("status")).to_contain_text("Your appeal was filed")
    expect(vn.locator("#appeals ~ table, #appeals + *").first).to_contain_text("Our desk answered by phone")
    expect(vn.get_by_role("form", name="Appeal desk-check/answer")).to_have_count(0)  # once per result

    hub = new_context(javascript=False).new_page()
    sign_in(hub, demo_email("ASEAN-CERT"), DEMO_PASSWORD)
    hub.goto(f"/exercises/{drill}")
    decide = hub.get_by_role("form", name="Decide the appeal of VNCERT desk-check/answer")
    decide.get_by_label("Decision", exact=True).select_option("upheld")
    decide.get_by_label("Points, if upheld").fill("10")
    decide.get_by_label("Reason for the decision").fill("The phone log shows the answer in time")
    decide.get_by_role("button", name="Record the decision").click()
    expect(hub.get_by_role("status")).to_contain_text("The decision was recorded")
    expect(hub.get_by_role("heading", name="VNCERT: 10 / 10")).to_be_visible()
    vn.goto(f"/exercises/{drill}")
    expect(vn.get_by_role("heading", name="VNCERT: 10 / 10")).to_be_visible()
    expect(vn.get_by_role("form", name="Decide the appeal of VNCERT desk-check/answer")).to_have_count(0)


def test_the_hub_makes_an_exercise_from_a_shipped_template_and_a_member_sees_only_the_library(
    node: RunningServer, new_context: Callable[..., BrowserContext]
) -> None:
    hub = new_context(javascript=False).new_page()
    sign_in(hub, demo_email("ASEAN-CERT"), DEMO_PASSWORD)
    hub.goto("/exercises")
    library = hub.get_by_role("table", name="Scenario library")
    for scenario in (
        "apcert-ddos-phishing",
        "regional-crisis-tabletop",
        "acid-ransomware",
        "communication-check",
    ):
        expect(library.get_by_role("link", name="JSON of").filter(has_text=scenario)).to_have_count(1)
    expect(library.get_by_role("row").filter(has_text="regional-crisis-tabletop")).to_contain_text("tabletop")
    form = hub.get_by_role("form", name="Make an exercise")
    form.get_by_label("Scenario").select_option("regional-crisis-tabletop")
    form.get_by_role("button", name="Make the exercise").click()  # no name, nobody invited: refused
    expect(hub.get_by_role("alert")).to_contain_text("Choose at least one participant")
    form = hub.get_by_role("form", name="Make an exercise")
    form.get_by_label("Name", exact=True).fill("Crisis tabletop 2027")
    form.get_by_label("ThaiCERT").check()
    form.get_by_label("VNCERT").check()
    form.get_by_role("button", name="Make the exercise").click()
    expect(hub.get_by_role("status")).to_contain_text("The exercise was made")
    with read_connection(node.engine) as conn:
        operator = operator_for(conn, org="ASEAN-CERT")
    (made,) = [
        e for e in exercises.list_exercises(node.engine, actor=operator) if e.name == "Crisis tabletop 2027"
    ]
    assert (made.scenario, made.status, sorted(made.participants)) == (
        "regional-crisis-tabletop",
        "planned",
        ["ThaiCERT", "VNCERT"],
    )

    member = new_context(javascript=False).new_page()
    sign_in(member, demo_email("VNCERT"), DEMO_PASSWORD)
    member.goto("/exercises")
    expect(member.get_by_role("table", name="Scenario library")).to_contain_text("regional-crisis-tabletop")
    expect(member.get_by_role("form", name="Make an exercise")).to_have_count(0)


def test_action_items_are_added_and_closed_on_the_report_page_each_member_seeing_its_own(
    node: RunningServer, new_context: Callable[..., BrowserContext]
) -> None:
    drill = _demo_id(node)
    hub = new_context(javascript=False).new_page()
    sign_in(hub, demo_email("ASEAN-CERT"), DEMO_PASSWORD)
    hub.goto(f"/exercises/{drill}/after-action")
    add = hub.get_by_role("form", name="Add an action item")
    add.get_by_role("button", name="Add the action item").click()  # nothing filled in: refused
    expect(hub.get_by_role("alert")).to_contain_text("Say what is to be done")
    add = hub.get_by_role("form", name="Add an action item")
    add.get_by_label("Participant").select_option("VNCERT")
    add.get_by_label("What is to be done").fill("Put the desk's webhook on a monitored address")
    add.get_by_label("Owner").fill("VNCERT duty lead")
    add.get_by_label("Due").fill("2026-01-15")
    add.get_by_role("button", name="Add the action item").click()
    expect(hub.get_by_role("status")).to_contain_text("The action item was added")
    item = hub.get_by_role("listitem").filter(has_text="Put the desk's webhook on a monitored address")
    expect(item).to_contain_text("VNCERT duty lead")
    expect(item).to_contain_text("(overdue)")

    other = new_context(javascript=False).new_page()
    sign_in(other, demo_email("ThaiCERT"), DEMO_PASSWORD)
    other.goto(f"/exercises/{drill}/after-action")
    expect(other.get_by_role("form", name="Add an action item")).to_be_visible()
    expect(other.get_by_text("Put the desk's webhook on a monitored address")).to_have_count(0)

    vn = new_context(javascript=False).new_page()
    sign_in(vn, demo_email("VNCERT"), DEMO_PASSWORD)
    vn.goto(f"/exercises/{drill}/after-action")
    close = vn.get_by_role("form", name="Close Put the desk's webhook on a monitored address")
    close.get_by_role("button", name="Close the item").click()  # no evidence: refused
    expect(vn.get_by_role("alert")).to_contain_text("Say what shows it was done")
    close = vn.get_by_role("form", name="Close Put the desk's webhook on a monitored address")
    close.get_by_label("Evidence of what was done").fill("The address is on the duty rota since Monday")
    close.get_by_role("button", name="Close the item").click()
    expect(vn.get_by_role("status")).to_contain_text("closed with its evidence")
    done = vn.get_by_role("listitem").filter(has_text="Put the desk's webhook on a monitored address")
    expect(done).to_contain_text("closed")
    expect(done).to_contain_text("The address is on the duty rota since Monday")
    expect(
        vn.get_by_role("form", name="Reopen Put the desk's webhook on a monitored address")
    ).to_be_visible()
    with read_connection(node.engine) as conn:
        operator = operator_for(conn, org="ASEAN-CERT")
    (found,) = exercises.list_action_items(node.engine, actor=operator, exercise_id=drill)
    assert (found.participant, found.status, found.evidence) == (
        "VNCERT",
        "closed",
        "The address is on the duty rota since Monday",
    )
