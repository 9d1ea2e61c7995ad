from .consent import ConsentText, ExpertConsent
from .cv_download import CVDownload
from .engagement import DossierExport, Engagement
from .profile import ExpertAvailability, ExpertLanguage, ExpertProfile
from .requests import AssistanceRequest, PartnerOrganization
from .stored_file import StoredFile
from .taxonomy import EngagementType, ExpertiseArea, Language, Proficiency

__all__ = [
    "AssistanceRequest",
    "CVDownload",
    "ConsentText",
    "DossierExport",
    "Engagement",
    "EngagementType",
    "ExpertAvailability",
    "ExpertConsent",
    "ExpertLanguage",
    "ExpertProfile",
    "ExpertiseArea",
    "Language",
    "PartnerOrganization",
    "Proficiency",
    "StoredFile",
]
