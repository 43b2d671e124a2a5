"""Every piece of Chinese the pages show that is not data: titles, labels, help and empty-state messages, in one place
so the wording is reviewed together."""

from __future__ import annotations

APP_TITLE = "作风能力提升年 · 考核看板"
APP_SUBTITLE = "公信 · 阳光 · 开放"

GROUP_BOARD = "看板"
GROUP_ADMIN = "管理"

PAGES = {
    "overview": ("总览", ":material/dashboard:"),
    "stars": ("每月摘星", ":material/star:"),
    "flags": ("季度夺旗", ":material/flag:"),
    "trends": ("趋势分析", ":material/trending_up:"),
    "tasks": ("任务督办", ":material/task_alt:"),
    "learning": ("学习实践", ":material/menu_book:"),
    "arena": ("擂台", ":material/emoji_events:"),
    "profile": ("个人档案", ":material/badge:"),
    "import": ("数据导入", ":material/upload_file:"),
    "rules": ("规则设置", ":material/tune:"),
}

FILTER_YEAR = "年度"
FILTER_MONTH = "月份"
FILTER_QUARTER = "季度"
FILTER_SECTION = "科室"
ALL_SECTIONS = "全部科室"
FILTERS_HEADING = "筛选"
FILTERS_HELP = "筛选条件保存在网址中：复制地址栏的链接发给别人，打开的就是同一个视图。"

DEMO_BADGE = "演示数据"
DEMO_HELP = "当前显示的是系统自带的 2022 年演示数据，已通过正常导入流程加载。正式使用前，管理员可在「数据导入」页清除。"

EMPTY_DATABASE = "还没有任何数据。请先到「数据导入」页下载模板、上传人员名单和考核数据。"
EMPTY_PERIOD = "{period}还没有数据。"
GO_IMPORT = "前往数据导入"

TRACE_TITLE = "怎么算出来的"
SOURCE_ROWS = "来源明细"

KIND_LABELS_UI = {
    None: "自动识别",
    "roster": "人员名单",
    "points": "加减分记录",
    "participation": "参与记录",
    "tasks": "任务台账",
    "arena": "擂台评分",
    "rules": "加减分事项（规则）",
}

IMPORT = {
    "intro": "上传 Excel（.xlsx / .xls）或 CSV 文件。系统会先逐行检查并给出预览，确认无误后再导入；导入后可在下方记录中撤销。",
    "kind": "表格类型",
    "kind_help": "一般不用选：系统按表头自动识别。识别不对时再指定。",
    "uploader": "选择文件（可多选）",
    "uploader_help": "支持 .xlsx、.xls、.csv（UTF-8 或 GBK）。带标题行、序号列、合并单元格、合计行的表格都可以直接上传。",
    "mark_left": "名单中没有的人员标记为离岗",
    "mark_left_help": "上传完整的最新名单时勾选：原名单中有、新名单中没有的人员，将从今天起标记为离岗。",
    "effective": "新事项生效日期",
    "effective_help": "加减分事项表：从这一天起按新事项计分，之前的月份仍按原规则。",
    "checking": "正在检查 {name} …",
    "preview": "预览：{name}",
    "ok": "检查通过，可以导入",
    "has_errors": "发现 {n} 处错误，需修改后重新上传",
    "warnings": "{n} 条提醒（不影响导入）",
    "commit": "确认导入",
    "committed": "已导入「{name}」，批次 #{batch}：{rows} 行。",
    "download_errors": "下载标注错误的表格",
    "errors_table": "错误明细",
    "warnings_table": "提醒明细",
    "by_content": "按考核内容",
    "by_section": "按科室",
    "summary": "本次将导入",
    "impact": "导入后的变化",
    "no_impact": "这份文件不改变已公布的摘星、夺旗和任务亮灯结果。",
    "history": "导入记录",
    "undo": "撤销",
    "undo_confirm": "确认撤销批次 #{batch}（{name}）？该批次的所有数据将被移除，可随时重新导入。",
    "undone": "已撤销批次 #{batch}。",
    "templates": "下载模板",
    "templates_help": "模板包含表头、每列的填写说明（鼠标移到表头可见）、两行示例和下拉选项。",
    "demo": "演示数据",
    "demo_clear": "清除演示数据",
    "demo_clear_confirm": "清除后，看板将只显示正式导入的数据。确认清除？",
    "demo_cleared": "已清除演示数据。",
    "demo_load": "加载演示数据",
    "demo_loaded": "已加载演示数据。",
    "no_permission": "当前账号没有导入数据的权限。",
    "file_refused": "文件未能导入",
    "db": "数据库文件：{path}",
}

BATCH_COLUMNS = {
    "batch_id": "批次",
    "imported_at": "导入时间",
    "file_name": "文件",
    "kind_label": "类型",
    "rows_imported": "导入行数",
    "rows_replaced": "替换快照",
    "rows_skipped": "跳过重复",
    "points_total": "分值合计",
    "uploader": "导入人",
    "status_label": "状态",
}
STATUS_LABELS = {"committed": "有效", "undone": "已撤销"}
PROBLEM_COLUMNS = {"sheet": "工作表", "row": "行号", "column": "列", "value": "填写内容", "message": "问题与修改建议"}
