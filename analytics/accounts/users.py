"""Accounts, passwords (bcrypt), server-side sessions, login with lockout and slowdown by address.

Account writes do not bump the data version: the board's caches do not depend on who is signed in."""

from __future__ import annotations

import hashlib
import re
import secrets
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

import bcrypt
import pandas as pd

from analytics.accounts import audit, settings
from analytics.accounts.roles import ADMIN, ANONYMOUS, CLERK, MANAGE_ACCOUNTS, ROLES, Actor, PermissionDenied, require
from analytics.errors import DashboardError
from analytics.store.db import WRITE_LOCK, Con, fetch_df, first_row, scalar

# bcrypt's work factor; tests lower it (a hash at 12 takes about a quarter of a second, on purpose).
ROUNDS = 12
MIN_PASSWORD = 8
MAX_PASSWORD_BYTES = 72  # bcrypt reads no further; a longer password is refused rather than silently cut
# An address that failed this often within the lockout window waits before each further try, doubling up to a minute.
IP_FREE_FAILURES = 5
IP_MAX_WAIT = 60
# A session's last_seen is written at most this often, so page reruns do not write on every click.
TOUCH_SECONDS = 30
RETAIN_DAYS = 30
NAME = re.compile(r"^[\w.\-·]{1,32}$")


class AccountError(DashboardError):
    title = "账号操作未完成"


class LoginRefused(DashboardError):
    title = "登录失败"


@contextmanager
def _write(con: Con) -> Iterator[Con]:
    """One serialized account write, all or nothing; unlike store.db.transaction it leaves the data version alone."""
    with WRITE_LOCK:
        cur = con.cursor()
        cur.execute("begin")
        try:
            yield cur
            cur.execute("commit")
        except BaseException:
            cur.execute("rollback")
            raise
        finally:
            cur.close()


def check_name(name: str) -> str:
    name = unicodedata.normalize("NFC", (name or "").strip())
    if not NAME.match(name):
        raise AccountError("账号名须为 1–32 个汉字、字母、数字或 . - _ ·，不能含空格、符号或控制字符。")
    return name


def check_password(password: str) -> None:
    if len(password or "") < MIN_PASSWORD:
        raise AccountError(f"密码至少 {MIN_PASSWORD} 个字符。")
    if len(password.encode("utf-8")) > MAX_PASSWORD_BYTES:
        raise AccountError(f"密码太长：最多 {MAX_PASSWORD_BYTES} 个字节（约 24 个汉字或 72 个字母）。")
    if any(unicodedata.category(ch) == "Cc" for ch in password):
        raise AccountError("密码不能含控制字符。")


def _hash(password: str) -> str:
    return bcrypt.hashpw(password.encode("utf-8"), bcrypt.gensalt(ROUNDS)).decode("ascii")


def _matches(password: str, hashed: str) -> bool:
    try:
        return bcrypt.checkpw(password.encode("utf-8"), hashed.encode("ascii"))
    except ValueError:
        return False


_DUMMY: list[str] = []


def _dummy_hash() -> str:
    """A hash to check unknown names against, so a wrong name takes as long as a wrong password."""
    if not _DUMMY:
        _DUMMY.append(_hash(secrets.token_hex(8)))
    return _DUMMY[0]


def check_sections(cur: Con, role: str, sections: list[str] | tuple[str, ...] | None) -> list[str]:
    if role not in ROLES:
        raise AccountError(f"未知的角色“{role}”，可选：{'、'.join(f'{k}（{v}）' for k, v in ROLES.items())}。")
    chosen = sorted({s.strip() for s in sections or () if s and s.strip()})
    if chosen and role != CLERK:
        raise AccountError("只有“内勤”账号可以限定科室。")
    known = {row[0] for row in cur.execute("select name from section").fetchall()}
    unknown = [s for s in chosen if s not in known]
    if unknown:
        raise AccountError(f"没有这些科室：{'、'.join(unknown)}。请先导入包含这些科室的人员名单。")
    return chosen


# Reading -----------------------------------------------------------------------------------------


def has_admin(cur: Con) -> bool:
    return bool(scalar(cur, "select count(*) from account where role = 'admin' and not disabled"))


def list_accounts(cur: Con) -> pd.DataFrame:
    """One row per account, by name."""
    return fetch_df(
        cur,
        """
        select a.name, a.role, a.sections, a.disabled, a.failed_logins, a.locked_until, a.created_at,
               a.password_changed_at,
               (select max(last_seen) from account_session s where s.account_id = a.account_id) as last_seen
        from account a
        order by a.name
        """,
    )


def section_names(cur: Con) -> list[str]:
    """The sections a clerk may be limited to, in the board's order."""
    return [row[0] for row in cur.execute("select name from section order by sort_order, name").fetchall()]


def actor_of(cur: Con, name: str, ip: str | None = None) -> Actor | None:
    """The enabled account of this name as an actor, or None."""
    row = first_row(cur, "select name, role, sections from account where name = $name and not disabled", {"name": name})
    if row is None:
        return None
    return Actor(row[0], row[1], tuple(row[2] or ()), ip)


def _account(cur: Con, name: str) -> tuple:
    row = first_row(cur, "select account_id, name, role, disabled from account where name = $name", {"name": name})
    if row is None:
        raise AccountError(f"没有名为“{name}”的账号。")
    return row


# Changing ----------------------------------------------------------------------------------------


def add(
    con: Con,
    name: str,
    role: str,
    password: str,
    sections: list[str] | tuple[str, ...] | None = None,
    actor: Actor | None = None,
) -> None:
    """Create an account. Without an actor only the first admin may be created (the bootstrap from the CLI)."""
    name = check_name(name)
    if name == ANONYMOUS:
        raise AccountError(f"“{ANONYMOUS}”是未登录访客提出异议时记录的名字，不能用作账号名。")
    check_password(password)
    hashed = _hash(password)
    with _write(con) as cur:
        if actor is None:
            if has_admin(cur) or role != ADMIN:
                raise PermissionDenied("已有管理员账号：请以管理员身份操作（命令行加 --user 管理员账号名）。")
            who = "初始化"
        else:
            require(actor, MANAGE_ACCOUNTS)
            who = actor.name
        chosen = check_sections(cur, role, sections)
        if scalar(cur, "select count(*) from account where name = $name", {"name": name}):
            raise AccountError(f"账号“{name}”已存在。")
        account_id = scalar(cur, "select nextval('seq_account')")
        now = datetime.now()
        cur.execute(
            "insert into account (account_id, name, role, sections, password_hash, created_at, password_changed_at) "
            "values ($id, $name, $role, $sections, $hash, $now, $now)",
            {"id": account_id, "name": name, "role": role, "sections": chosen, "hash": hashed, "now": now},
        )
        limit = f"，限定科室：{'、'.join(chosen)}" if chosen else ""
        audit.record(
            cur, who, "account_add", f"账号 {name}", f"角色：{ROLES[role]}{limit}", actor.ip if actor else None
        )


def _admins_left_after(cur: Con, name: str) -> int:
    return scalar(
        cur, "select count(*) from account where role = 'admin' and not disabled and name <> $name", {"name": name}
    )


def set_role(con: Con, name: str, role: str, sections: list[str] | tuple[str, ...] | None, actor: Actor | None) -> None:
    actor = require(actor, MANAGE_ACCOUNTS)
    with _write(con) as cur:
        account_id, name, before, disabled = _account(cur, name)
        chosen = check_sections(cur, role, sections)
        if before == ADMIN and role != ADMIN and not disabled and not _admins_left_after(cur, name):
            raise AccountError("这是最后一个管理员账号，不能改为其他角色。请先另设一个管理员。")
        cur.execute(
            "update account set role = $role, sections = $chosen where account_id = $account_id",
            {"role": role, "chosen": chosen, "account_id": account_id},
        )
        limit = f"，限定科室：{'、'.join(chosen)}" if chosen else ""
        audit.record(
            cur, actor.name, "account_change", f"账号 {name}", f"角色：{ROLES[before]} → {ROLES[role]}{limit}", actor.ip
        )


def set_disabled(con: Con, name: str, disabled: bool, actor: Actor | None) -> None:
    """Disable (ending every session of the account) or enable an account."""
    actor = require(actor, MANAGE_ACCOUNTS)
    with _write(con) as cur:
        account_id, name, role, _ = _account(cur, name)
        if disabled and role == ADMIN and not _admins_left_after(cur, name):
            raise AccountError("这是最后一个可用的管理员账号，不能停用。")
        cur.execute(
            "update account set disabled = $disabled, failed_logins = 0, locked_until = null where account_id = $account_id",
            {"disabled": disabled, "account_id": account_id},
        )
        if disabled:
            _end_sessions(cur, account_id)
        audit.record(
            cur, actor.name, "account_disable" if disabled else "account_enable", f"账号 {name}", None, actor.ip
        )


def set_password(
    con: Con, name: str, password: str, actor: Actor | None, keep_token: str | None = None, old: str | None = None
) -> None:
    """Set a new password and end the account's other sessions (all but ``keep_token``, the changer's own).

    A user changes their own password by giving the old one; an admin sets anyone's without it."""
    check_password(password)
    if actor is None:
        raise PermissionDenied("请先登录后再修改密码。")
    own = actor.name == name
    if not own:
        require(actor, MANAGE_ACCOUNTS)
    hashed = _hash(password)
    with _write(con) as cur:
        account_id, name, _, _ = _account(cur, name)
        if own and (old is not None or not actor.may(MANAGE_ACCOUNTS)):
            current = scalar(
                cur, "select password_hash from account where account_id = $account_id", {"account_id": account_id}
            )
            if not _matches(old or "", current):
                raise AccountError("原密码不正确。")
        cur.execute(
            "update account set password_hash = $hashed, password_changed_at = $now, failed_logins = 0, locked_until = null where account_id = $account_id",
            {"hashed": hashed, "now": datetime.now(), "account_id": account_id},
        )
        _end_sessions(cur, account_id, keep=_token_hash(keep_token) if keep_token else None)
        audit.record(cur, actor.name, "password_change", f"账号 {name}", "其他登录已全部退出", actor.ip)


# Sessions and login ------------------------------------------------------------------------------


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _end_sessions(cur: Con, account_id: int, keep: str | None = None) -> None:
    cur.execute(
        """
        update account_session set ended_at = $now
        where account_id = $account and ended_at is null and ($keep is null or token_hash <> $keep)
        """,
        {"now": datetime.now(), "account": account_id, "keep": keep},
    )


def ip_wait(cur: Con, ip: str | None, now: datetime | None = None) -> int:
    """Seconds this address must still wait before its next login attempt (0 = may try now)."""
    if not ip:
        return 0
    now = now or datetime.now()
    window = now - timedelta(minutes=int(settings.get(cur, "lockout_minutes")))
    count, last = first_row(
        cur,
        "select count(*), max(happened_at) from login_attempt where ip = $ip and not ok and happened_at >= $window",
        {"ip": ip, "window": window},
    ) or (0, None)
    if count < IP_FREE_FAILURES:
        return 0
    wait = min(2 ** (count - IP_FREE_FAILURES), IP_MAX_WAIT)
    left = wait - (now - last).total_seconds()
    return max(0, int(left + 0.999))


def login(con: Con, name: str, password: str, ip: str | None = None) -> tuple[Actor, str]:
    """Check a name and password; returns the actor and a new session token. Raises LoginRefused with a Chinese
    reason: wrong name or password (never saying which), locked account, or an address that must wait."""
    name = unicodedata.normalize("NFC", (name or "").strip())[:64]
    now = datetime.now()
    cur = con.cursor()
    try:
        wait = ip_wait(cur, ip, now)
        limit = int(settings.get(cur, "lockout_attempts"))
        lock_minutes = int(settings.get(cur, "lockout_minutes"))
        row = first_row(
            cur,
            "select account_id, role, sections, password_hash, disabled, failed_logins, locked_until from account where name = $name",
            {"name": name},
        )
    finally:
        cur.close()
    if wait:
        raise LoginRefused(f"此地址登录失败次数过多，请 {wait} 秒后再试。")
    if row is not None and row[6] is not None and row[6] > now:
        minutes = max(1, int((row[6] - now).total_seconds() // 60 + 1))
        with _write(con) as cur:
            cur.execute(
                "insert into login_attempt values ($now, $ip, $name, false)", {"now": now, "ip": ip, "name": name}
            )
            audit.record(cur, name, "login_failed", f"账号 {name}", "账号已锁定", ip)
        raise LoginRefused(f"账号“{name}”因连续登录失败已被锁定，请约 {minutes} 分钟后再试，或请管理员重设密码。")
    good = _matches(password or "", row[3] if row else _dummy_hash()) and row is not None and not row[4]
    with _write(con) as cur:
        # Attempts matter for a lockout window, sessions until they end: old rows go (the audit log keeps the story).
        cur.execute("delete from login_attempt where happened_at < $cutoff", {"cutoff": now - timedelta(days=1)})
        cur.execute(
            "delete from account_session where coalesce(ended_at, last_seen) < $cutoff",
            {"cutoff": now - timedelta(days=RETAIN_DAYS)},
        )
        cur.execute(
            "insert into login_attempt values ($now, $ip, $name, $good)",
            {"now": now, "ip": ip, "name": name, "good": good},
        )
        if not good:
            detail = "密码错误" if row is not None else "账号不存在"
            if row is not None and row[4]:
                detail = "账号已停用"
            locked = False
            if row is not None and not row[4]:
                failures = row[5] + 1
                locked = failures >= limit
                cur.execute(
                    "update account set failed_logins = $failures, locked_until = $until where account_id = $account_id",
                    {
                        "failures": 0 if locked else failures,
                        "until": now + timedelta(minutes=lock_minutes) if locked else None,
                        "account_id": row[0],
                    },
                )
                if locked:
                    detail += f"；连续失败 {failures} 次，锁定 {lock_minutes} 分钟"
            audit.record(cur, name or "（空）", "login_failed", f"账号 {name}" if name else None, detail, ip)
        else:
            assert row is not None  # a good login is a known account
            token = secrets.token_urlsafe(32)
            cur.execute(
                "update account set failed_logins = 0, locked_until = null where account_id = $account_id",
                {"account_id": row[0]},
            )
            cur.execute(
                "insert into account_session values ($token_hash, $account_id, $now, $now, $ip, null)",
                {"token_hash": _token_hash(token), "account_id": row[0], "now": now, "ip": ip},
            )
            audit.record(cur, name, "login", f"账号 {name}", None, ip)
    if not good:
        if row is not None and not row[4] and locked:
            raise LoginRefused(f"连续 {limit} 次密码错误，账号“{name}”已锁定 {lock_minutes} 分钟。")
        raise LoginRefused("账号或密码不正确。")
    assert row is not None
    return Actor(name, row[1], tuple(row[2] or ()), ip), token


def session_actor(con: Con, token: str | None, ip: str | None = None, now: datetime | None = None) -> Actor | None:
    """The signed-in actor of a session token, or None when the token is unknown, ended, idle too long, or its
    account disabled. Keeps the session alive (at most one write per TOUCH_SECONDS)."""
    if not token:
        return None
    now = now or datetime.now()
    cur = con.cursor()
    try:
        idle = int(settings.get(cur, "session_idle_minutes"))
        row = first_row(
            cur,
            "\n            select a.name, a.role, a.sections, s.last_seen\n            from account_session s join account a using (account_id)\n            where s.token_hash = $token_hash and s.ended_at is null and not a.disabled\n            ",
            {"token_hash": _token_hash(token)},
        )
    finally:
        cur.close()
    if row is None:
        return None
    if now - row[3] > timedelta(minutes=idle):
        with _write(con) as cur:
            cur.execute(
                "update account_session set ended_at = $now where token_hash = $token_hash",
                {"now": now, "token_hash": _token_hash(token)},
            )
        return None
    if (now - row[3]).total_seconds() > TOUCH_SECONDS and WRITE_LOCK.acquire(blocking=False):
        # Never wait for the write lock here: a long import holds it, and every page run of a signed-in user passes
        # through this function. A touch skipped now is made on a later run.
        try:
            with _write(con) as cur:
                cur.execute(
                    "update account_session set last_seen = $now where token_hash = $token_hash",
                    {"now": now, "token_hash": _token_hash(token)},
                )
        finally:
            WRITE_LOCK.release()
    return Actor(row[0], row[1], tuple(row[2] or ()), ip)


def logout(con: Con, token: str | None, ip: str | None = None) -> None:
    if not token:
        return
    with _write(con) as cur:
        row = first_row(
            cur,
            "select a.name from account_session s join account a using (account_id) where s.token_hash = $token_hash and s.ended_at is null",
            {"token_hash": _token_hash(token)},
        )
        if row is None:
            return
        cur.execute(
            "update account_session set ended_at = $now where token_hash = $token_hash",
            {"now": datetime.now(), "token_hash": _token_hash(token)},
        )
        audit.record(cur, row[0], "logout", f"账号 {row[0]}", None, ip)


def start_session(con: Con, name: str, ip: str | None = None) -> str:
    """A session for an enabled account without a password check: for an identity already proven elsewhere (the
    OIDC sign-in of st.login) and for tests that act as a role."""
    with _write(con) as cur:
        row = first_row(cur, "select account_id from account where name = $name and not disabled", {"name": name})
        if row is None:
            raise AccountError(f"没有名为“{name}”的可用账号。")
        token = secrets.token_urlsafe(32)
        now = datetime.now()
        cur.execute(
            "insert into account_session values ($token_hash, $account_id, $now, $now, $ip, null)",
            {"token_hash": _token_hash(token), "account_id": row[0], "now": now, "ip": ip},
        )
    return token


def change_setting(con: Con, key: str, value: int | bool, actor: Actor | None) -> None:
    actor = require(actor, MANAGE_ACCOUNTS)
    with _write(con) as cur:
        before = settings.get(cur, key)
        try:
            settings.put(cur, key, value)
        except ValueError as exc:
            raise AccountError(str(exc)) from exc
        audit.record(
            cur,
            actor.name,
            "setting_change",
            settings.BY_KEY[key].label,
            f"{before} → {settings.get(cur, key)}",
            actor.ip,
        )
