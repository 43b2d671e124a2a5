"""Roles and what each may do; the acting user every write entry point of the core is handed and checks."""

from __future__ import annotations

from dataclasses import dataclass, field

from analytics.errors import DashboardError

VIEWER, CLERK, ADMIN = "viewer", "clerk", "admin"
ROLES = {VIEWER: "查看", CLERK: "内勤", ADMIN: "管理员"}
# Not an account's role: a visitor who has not signed in. It holds one permission, to object to a posting
# (docs/meetings.md: during the posting period anyone may object); its audit rows name it 匿名, with its address.
VISITOR = "visitor"
ANONYMOUS = "匿名"

# Permissions, each with the roles that hold it. Declared once: the pages, the navigation and the core ask here.
VIEW = "view"
IMPORT = "import"
UNDO = "undo"
MANAGE_RULES = "manage_rules"
MANAGE_DEMO = "manage_demo"
MANAGE_ACCOUNTS = "manage_accounts"
VIEW_AUDIT = "view_audit"
BACKUP = "backup"
PUBLISH = "publish"
OBJECT = "object"
CORRECT = "correct"

PERMISSIONS: dict[str, frozenset[str]] = {
    VIEW: frozenset({VIEWER, CLERK, ADMIN}),
    IMPORT: frozenset({CLERK, ADMIN}),
    UNDO: frozenset({CLERK, ADMIN}),
    MANAGE_RULES: frozenset({ADMIN}),
    MANAGE_DEMO: frozenset({ADMIN}),
    MANAGE_ACCOUNTS: frozenset({ADMIN}),
    VIEW_AUDIT: frozenset({ADMIN}),
    BACKUP: frozenset({ADMIN}),
    PUBLISH: frozenset({ADMIN}),
    OBJECT: frozenset({VISITOR, VIEWER, CLERK, ADMIN}),
    CORRECT: frozenset({ADMIN}),
}

ACTION_LABELS = {
    VIEW: "查看看板",
    IMPORT: "导入数据",
    UNDO: "撤销导入",
    MANAGE_RULES: "修改规则",
    MANAGE_DEMO: "加载或清除演示数据",
    MANAGE_ACCOUNTS: "管理账号",
    VIEW_AUDIT: "查看审计日志",
    BACKUP: "备份与恢复",
    PUBLISH: "发布结果",
    OBJECT: "提出异议",
    CORRECT: "更正结果",
}


class PermissionDenied(DashboardError):
    title = "没有权限"


@dataclass(frozen=True)
class Actor:
    """Who is acting: an account's name, role and (for a clerk) the sections it may import for, and from where."""

    name: str
    role: str
    sections: tuple[str, ...] = field(default_factory=tuple)
    ip: str | None = None

    @property
    def role_label(self) -> str:
        return "未登录" if self.role == VISITOR else ROLES.get(self.role, self.role)

    def may(self, permission: str) -> bool:
        return self.role in PERMISSIONS.get(permission, frozenset())

    def limited(self) -> bool:
        """Whether this actor imports only some sections' rows (a clerk given sections)."""
        return self.role == CLERK and bool(self.sections)


# The trusted in-process caller: the demo loaded at first start, tests, benchmarks. A write entry point of the core
# takes it as its default and skips its role check and audit row for it only; None (a visitor, or a page that lost
# its user) is refused like any actor without the permission. Compared by identity: an Actor built with the same
# fields is an ordinary (and powerless) account.
SYSTEM = Actor("系统", "system", ip="本机")


def is_system(actor: Actor | None) -> bool:
    """Whether the caller is the trusted in-process SYSTEM (never None, never an account)."""
    return actor is SYSTEM


def visitor(ip: str | None = None) -> Actor:
    """The visitor who has not signed in, as the actor of the one write it may make (an objection)."""
    return Actor(ANONYMOUS, VISITOR, ip=ip)


def may(actor: Actor | None, permission: str) -> bool:
    return actor is not None and actor.may(permission)


def require(actor: Actor | None, permission: str) -> Actor:
    """Raise PermissionDenied unless the actor holds the permission; returns the actor."""
    if actor is None or (actor.role == VISITOR and not actor.may(permission)):
        raise PermissionDenied(f"请先登录后再{ACTION_LABELS.get(permission, '操作')}。")
    if not actor.may(permission):
        raise PermissionDenied(
            f"账号“{actor.name}”（{actor.role_label}）没有“{ACTION_LABELS.get(permission, permission)}”的权限。"
            "如需此权限，请联系管理员。"
        )
    return actor
