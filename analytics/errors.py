"""The core's own error types; each carries a Chinese message a user can act on."""

from __future__ import annotations


class DashboardError(Exception):
    """Base of every error the core raises on purpose. ``message`` is shown to the user as is."""

    title = "操作未完成"

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class DataError(DashboardError):
    title = "数据库查询出错"


class DatabaseBroken(DashboardError):
    title = "数据库无法打开"

    def __init__(self, path: str):
        super().__init__(
            f"无法打开数据库文件 {path}：文件已损坏或不是本系统的数据库。请联系管理员检查该文件（可从备份恢复）。"
        )


class DatabaseBusy(DashboardError):
    title = "数据库正被占用"

    def __init__(self, path: str):
        super().__init__(
            f"数据库文件 {path} 正被另一个程序使用（例如正在运行的看板）。"
            "DuckDB 同一时间只允许一个程序打开它：请先关闭看板，或在看板的「数据导入」页操作。"
        )


class FileUnreadable(DashboardError):
    """The upload cannot be read as a spreadsheet at all (HTML, encrypted, corrupt, empty)."""

    title = "文件无法读取"


class ImportRefused(DashboardError):
    """The file was read but cannot be imported (duplicate file, no recognizable sheet, errors)."""

    title = "导入被拒绝"


class UndoRefused(DashboardError):
    title = "无法撤销"


class RuleBookError(DashboardError):
    title = "规则设置有误"
