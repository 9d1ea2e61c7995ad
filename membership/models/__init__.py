from .category import MembershipCategory
from .member import POSITION_CHOICES, Member, Position

__all__ = ["POSITION_CHOICES", "Member", "MembershipCategory", "Position"]
