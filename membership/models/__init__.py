from .audit import AuditEntry
from .category import MembershipCategory
from .dues_discount import DuesDiscount
from .dues_impact import DuesImpactRun, ImpactRunState
from .dues_rate import DuesRate
from .dues_schedule import DuesSchedule
from .imports import ImportedPayment, ImportSource, ImportState, MemberImport
from .lifecycle import (
    Membership,
    MembershipRules,
    MembershipTerm,
    Reminder,
    Status,
    TermKind,
    TermStatus,
    WaiverRequest,
    WaiverStatus,
    status_from_dates,
)
from .member import POSITION_CHOICES, Member, Position
from .page_stamp import PageStamp, PageStampTally

__all__ = [
    "POSITION_CHOICES",
    "AuditEntry",
    "DuesDiscount",
    "DuesImpactRun",
    "ImpactRunState",
    "DuesRate",
    "DuesSchedule",
    "ImportState",
    "ImportedPayment",
    "ImportSource",
    "MemberImport",
    "Member",
    "Membership",
    "MembershipCategory",
    "MembershipRules",
    "MembershipTerm",
    "PageStamp",
    "PageStampTally",
    "Position",
    "Reminder",
    "Status",
    "TermKind",
    "TermStatus",
    "WaiverRequest",
    "WaiverStatus",
    "status_from_dates",
]
