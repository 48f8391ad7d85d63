"""Helpers for the exercise tests: REST clients per organisation and webhook listeners on loopback
(the contacts tests' own), and a short drill scenario."""

from __future__ import annotations

from typing import Any

from tests.contacts.conftest import Api, Listener, api, listener

__all__ = ["HUB", "Api", "Listener", "api", "drill_scenario", "listener"]

HUB = "ASEAN-CERT"
C2 = "drill-c2.example"


def drill_scenario(scenario_id: str = "short-drill") -> dict[str, Any]:
    """Two injects at the start (an alert in the exercise collection, a check of the 24/7 desk) and an
    unscored closing note two hours in."""
    return {
        "id": scenario_id,
        "title": "A short drill",
        "narrative": "A loader calls home to a domain; the hub checks every desk.",
        "objectives": [{"id": "share", "text": "Share what is found"}],
        "injects": [
            {
                "id": "alert",
                "offset_minutes": 0,
                "targets": ["all"],
                "channel": "exercise-collection",
                "objective": "share",
                "title": "The loader's domain",
                "content": f"This is a drill. Share an indicator for {C2}.",
                "expectations": [
                    {
                        "id": "ack",
                        "kind": "acknowledge",
                        "within_minutes": 30,
                        "points": 5,
                        "rubric": "ack in 30 min",
                    },
                    {
                        "id": "share",
                        "kind": "share-indicator",
                        "within_minutes": 60,
                        "points": 20,
                        "properties": {"pattern_contains": C2},
                        "rubric": "an indicator naming the domain within an hour",
                    },
                ],
            },
            {
                "id": "desk",
                "offset_minutes": 0,
                "targets": ["all"],
                "channel": "contact-check",
                "title": "Desk check",
                "content": "This is a drill. Answer the check.",
                "expectations": [
                    {
                        "id": "answer",
                        "kind": "answer-contact-check",
                        "within_minutes": 30,
                        "points": 10,
                        "rubric": "r",
                    }
                ],
            },
            {
                "id": "close",
                "offset_minutes": 120,
                "targets": ["all"],
                "channel": "exercise-collection",
                "title": "End of the drill",
                "content": "This is a drill. It ends.",
            },
        ],
    }
