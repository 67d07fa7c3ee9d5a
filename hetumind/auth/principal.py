"""Who is calling and what they may do: principals, instance roles, project roles, scopes.

Two layers decide a request. The instance role (owner, admin, member) says who manages
users and sees every project; a project role (owner > admin > editor > viewer) says what
someone may do inside one project. An API key narrows its user's rights further to its
scopes (`workflow:read`, `credential:write`, ... or `*`), never widens them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hetumind.errors import Forbidden

__all__ = [
    "INSTANCE_ROLES",
    "PROJECT_ROLES",
    "SCOPES",
    "Principal",
    "role_at_least",
]

INSTANCE_ROLES = ("owner", "admin", "member")
PROJECT_ROLES = ("viewer", "editor", "admin", "owner")
"""Weakest first: a role may do everything the ones before it may."""

RESOURCES = ("workflow", "execution", "credential", "project", "user", "audit")
SCOPES = tuple(f"{r}:{a}" for r in RESOURCES for a in ("read", "write"))

# What each project action needs at least.
ACTION_ROLE = {"read": "viewer", "write": "editor", "manage": "admin", "own": "owner"}


def role_at_least(role: str | None, wanted: str) -> bool:
    if role not in PROJECT_ROLES:
        return False
    return PROJECT_ROLES.index(role) >= PROJECT_ROLES.index(wanted)


@dataclass(frozen=True)
class Principal:
    """An authenticated caller.

    Attributes:
        user_id, email, role: the user and their instance role.
        via: "key", "token" or "cookie".
        scopes: the API key's scopes ("*": all); None for sessions (no narrowing).
        projects: project id -> the user's role there.
        key_id: the API key used, if any.
    """

    user_id: str
    email: str
    role: str
    via: str
    projects: dict[str, str] = field(default_factory=dict)
    scopes: tuple[str, ...] | None = None
    key_id: str | None = None

    @property
    def is_instance_admin(self) -> bool:
        return self.role in ("owner", "admin")

    def has_scope(self, scope: str) -> bool:
        if self.scopes is None or "*" in self.scopes:
            return True
        resource = scope.split(":", 1)[0]
        return scope in self.scopes or f"{resource}:*" in self.scopes

    def require_scope(self, scope: str) -> None:
        if not self.has_scope(scope):
            raise Forbidden(f"this API key lacks the scope {scope!r}")

    def project_role(self, project_id: str | None) -> str | None:
        """The caller's role in a project; instance owners and admins act as its admin
        (owner for the instance owner) even without a membership."""
        own = self.projects.get(project_id or "")
        if self.role == "owner":
            return "owner"
        if self.role == "admin":
            return own if role_at_least(own, "admin") else "admin"
        return own

    def can(self, project_id: str | None, action: str) -> bool:
        return role_at_least(self.project_role(project_id), ACTION_ROLE[action])

    def visible_projects(self) -> list[str] | None:
        """The projects whose objects the caller may see; None: every project."""
        if self.is_instance_admin:
            return None
        return sorted(self.projects)
