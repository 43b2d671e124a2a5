"""Account and backup settings, declared once as data and stored in the meta table; admins change them on a page."""

from __future__ import annotations

from dataclasses import dataclass

from analytics.sheets.guard import MAX_UPLOAD_BYTES, MB
from analytics.store.db import Con, get_meta, set_meta


@dataclass(frozen=True)
class Setting:
    key: str
    default: int | bool
    label: str
    help: str
    maximum: int = 100_000


SETTINGS = (
    Setting(
        "view_requires_login",
        False,
        "查看看板需要登录",
        "关闭（默认）时，任何能打开看板的人都可以查看各页面（适合在大屏上公开展示）；打开后须登录才能查看。"
        "导入、撤销、修改规则等写操作无论如何都需要登录。",
    ),
    Setting("session_idle_minutes", 120, "登录闲置超时（分钟）", "超过这段时间没有操作，登录自动失效，需要重新登录。"),
    Setting("lockout_attempts", 5, "连续登录失败次数上限", "同一账号连续输错密码达到此次数后锁定。"),
    Setting("lockout_minutes", 15, "锁定时长（分钟）", "账号被锁定后，这段时间内不能登录。"),
    Setting("backup_keep", 14, "自动备份保留份数", "看板每天自动备份一次，只保留最近的这么多份。"),
    # The reader's hard ceiling (analytics/sheets/guard.py, the same figure as server.maxUploadSize) is the default
    # and the most an admin may set: a lower policy is the admin's, the ceiling protects the server's memory.
    Setting(
        "upload_max_mb",
        MAX_UPLOAD_BYTES // MB,
        "单个上传文件大小上限（MB）",
        f"超过此大小的文件不读取、不导入，并提示拆分后再上传。最大可设为 {MAX_UPLOAD_BYTES // MB} MB。",
        maximum=MAX_UPLOAD_BYTES // MB,
    ),
)
BY_KEY = {s.key: s for s in SETTINGS}


def get(cur: Con, key: str) -> int | bool:
    setting = BY_KEY[key]
    raw = get_meta(cur, f"setting:{key}")
    if raw is None:
        return setting.default
    if isinstance(setting.default, bool):
        return raw == "1"
    try:
        return int(raw)
    except ValueError:
        return setting.default


def put(cur: Con, key: str, value: int | bool) -> None:
    """Store a setting inside the caller's transaction; numbers must be positive."""
    setting = BY_KEY[key]
    if isinstance(setting.default, bool):
        stored = "1" if value else "0"
    else:
        number = int(value)
        if not 1 <= number <= setting.maximum:
            raise ValueError(f"{setting.label}须在 1 到 {setting.maximum} 之间")
        stored = str(number)
    set_meta(cur, f"setting:{key}", stored)


def all_values(cur: Con) -> dict[str, int | bool]:
    return {s.key: get(cur, s.key) for s in SETTINGS}


def upload_refusal(cur: Con, name: str, size: int) -> str | None:
    """The Chinese refusal for a file over the upload limit, or None when it is within it."""
    limit = int(get(cur, "upload_max_mb"))
    if size <= limit * 1024 * 1024:
        return None
    return (
        f"文件“{name}”有 {size / 1024 / 1024:.1f} MB，超过了单个文件 {limit} MB 的上限，未读取。"
        "请按月份或科室拆成几个文件分别上传，或请管理员在「账号管理」页调整上限。"
    )
