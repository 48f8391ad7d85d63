"""Response playbooks as data: OASIS CACAO 2.0 documents, validated against the CACAO JSON schemas,
versioned, shared as STIX objects under TLP and audience, and applied to incident cases as tasks
and clocks. Other domains and the adapters use only what this module exports."""

from gotong.playbooks.cacao import CacaoSchemas, schemas_at
from gotong.playbooks.library import library, library_files
from gotong.playbooks.schemas import (
    PlaybookApply,
    PlaybookImport,
    PlaybookPublic,
    PlaybookSummary,
    RunClock,
    RunPublic,
    RunStep,
)
from gotong.playbooks.service import (
    advance_playbooks,
    apply_playbook,
    case_playbooks,
    get_playbook,
    import_playbook,
    list_playbooks,
)

__all__ = [
    "CacaoSchemas",
    "PlaybookApply",
    "PlaybookImport",
    "PlaybookPublic",
    "PlaybookSummary",
    "RunClock",
    "RunPublic",
    "RunStep",
    "advance_playbooks",
    "apply_playbook",
    "case_playbooks",
    "get_playbook",
    "import_playbook",
    "library",
    "library_files",
    "list_playbooks",
    "schemas_at",
]
