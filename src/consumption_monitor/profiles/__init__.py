"""Enterprise profiles (精准画像) with the office-only access rule for unpublished figures."""

from consumption_monitor.profiles.profile import (
    MIN_PEERS,
    EnterpriseProfile,
    can_see_unpublished,
    enterprise_profile,
)

__all__ = ["MIN_PEERS", "EnterpriseProfile", "can_see_unpublished", "enterprise_profile"]
